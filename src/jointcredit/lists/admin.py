from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import ListEntry, ListType


@admin.register(ListType)
class ListTypeAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "name",
        "color",
        "category",
        "validity_days",
        "repairable",
        "memorandum",
        "is_active",
    )
    list_filter = ("color", "category", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("initiating_departments",)


@admin.register(ListEntry)
class ListEntryAdmin(admin.ModelAdmin):
    """Read-only: entries change only through the lifecycle services (events, audit, permissions)."""

    list_display = (
        "id",
        "list_type",
        "subject_name",
        "department",
        "state",
        "valid_until",
        "under_objection",
    )
    list_filter = ("state", "list_type__color", "list_type", "department")
    search_fields = ("subject_name", "subject__identifier", "document_no")
    raw_id_fields = ("subject",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
