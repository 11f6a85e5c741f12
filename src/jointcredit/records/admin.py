from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import ImportBatch, License, Penalty, RecordHistory


class _RecordAdmin(AuditedModelAdmin):
    # Records change through services (history, events); the admin is for looking, not editing.
    list_display = ("doc_no", "subject_name", "department", "decision_date", "state", "publication_deadline")
    list_filter = ("state", "department")
    search_fields = ("doc_no", "subject_name", "uscc")
    date_hierarchy = "decision_date"
    raw_id_fields = ("subject",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


admin.site.register(License, _RecordAdmin)
admin.site.register(Penalty, _RecordAdmin)


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditedModelAdmin):
    list_display = (
        "id",
        "record_type",
        "department",
        "file_name",
        "status",
        "created_count",
        "updated_count",
        "rejected_count",
        "started_at",
    )
    list_filter = ("record_type", "status", "department")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(RecordHistory)
class RecordHistoryAdmin(admin.ModelAdmin):
    list_display = ("record_type", "record_id", "version", "action", "changed_at", "actor")
    list_filter = ("record_type", "action")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
