from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import Platform


@admin.register(Platform)
class PlatformAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "name",
        "transport",
        "region_code",
        "receiving_department",
        "is_active",
        "last_exchange_at",
    )
    list_filter = ("transport", "is_active")
    search_fields = ("code", "name")
    # The transport and its schedule are changed on the workbench config page (validated, ADR 0043).
    readonly_fields = (
        "transport",
        "interval_minutes",
        "next_round_at",
        "failures",
        "incoming_position",
        "receipts_position",
        "last_exchange_at",
        "last_error",
    )
