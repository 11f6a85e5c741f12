"""Read-only admin of the shared case tables; changes go through the services."""

from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import Evidence, SyncReceipt


@admin.register(Evidence)
class EvidenceAdmin(AuditedModelAdmin):
    list_display = ("id", "owner_type", "owner_id", "kind", "name", "content_type", "size", "uploaded_at")
    readonly_fields = [f.name for f in Evidence._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SyncReceipt)
class SyncReceiptAdmin(AuditedModelAdmin):
    list_display = (
        "id",
        "source_type",
        "source_id",
        "subject_name",
        "department",
        "acknowledged_at",
        "channel",
    )
    list_filter = ("source_type", "channel", "department")
    readonly_fields = [f.name for f in SyncReceipt._meta.fields]

    def has_add_permission(self, request):
        return False
