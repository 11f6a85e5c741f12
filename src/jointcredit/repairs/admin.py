from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import RepairApplication


@admin.register(RepairApplication)
class RepairApplicationAdmin(AuditedModelAdmin):
    list_display = ("id", "subject_name", "target_label", "department", "state", "decide_due", "created_at")
    list_filter = ("state", "department", "target_type")
    search_fields = ("subject_name", "subject__identifier")
    readonly_fields = [f.name for f in RepairApplication._meta.fields]

    def has_add_permission(self, request):
        return False
