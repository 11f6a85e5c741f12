from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import Objection


@admin.register(Objection)
class ObjectionAdmin(AuditedModelAdmin):
    list_display = (
        "id",
        "subject_name",
        "target_label",
        "department",
        "state",
        "accept_due",
        "decide_due",
        "created_at",
    )
    list_filter = ("state", "department", "target_type")
    search_fields = ("subject_name", "subject__identifier")
    readonly_fields = [f.name for f in Objection._meta.fields]  # changes go through the services

    def has_add_permission(self, request):
        return False
