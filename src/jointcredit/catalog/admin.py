from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import CatalogItem, CatalogItemVersion, CollectionTask, Submission, Usage


@admin.register(CatalogItem)
class CatalogItemAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "name",
        "category",
        "department",
        "frequency",
        "disclosure",
        "version",
        "is_active",
    )
    list_filter = ("category", "disclosure", "frequency", "department")
    search_fields = ("code", "name")
    # Changes go through catalog.services.item_update (version bump, orphan check); here only 启用.
    readonly_fields = (
        "code",
        "name",
        "category",
        "department",
        "description",
        "legal_basis",
        "subject_scope",
        "fields",
        "frequency",
        "due_working_days",
        "disclosure",
        "retention_months",
        "collect_from",
        "version",
    )


@admin.register(CatalogItemVersion)
class CatalogItemVersionAdmin(AuditedModelAdmin):
    list_display = ("item", "version", "changed_by", "changed_at", "note")
    readonly_fields = ("item", "version", "definition", "changed_by", "changed_at", "note")


@admin.register(Usage)
class UsageAdmin(AuditedModelAdmin):
    list_display = ("department", "item", "scenario", "purpose")
    list_filter = ("scenario", "department")


@admin.register(CollectionTask)
class CollectionTaskAdmin(AuditedModelAdmin):
    list_display = ("item", "period", "department", "due_date", "first_submitted_at", "rows", "rejected_rows")
    list_filter = ("department",)


@admin.register(Submission)
class SubmissionAdmin(AuditedModelAdmin):
    list_display = (
        "id",
        "item",
        "department",
        "source",
        "status",
        "total_rows",
        "created_count",
        "rejected_count",
        "submitted_at",
    )
    list_filter = ("status", "source", "department")
    readonly_fields = ("errors",)
