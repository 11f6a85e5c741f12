from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import GradingRuleSet, GradingRun, Honour, InspectionPlan, SubjectGrade


@admin.register(GradingRuleSet)
class GradingRuleSetAdmin(AuditedModelAdmin):
    """Read-only here: a new version is published from /staff/grading/rules/ (validated, versioned)."""

    list_display = (
        "version",
        "is_active",
        "base_score",
        "threshold_a",
        "threshold_b",
        "threshold_c",
        "created_at",
    )

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SubjectGrade)
class SubjectGradeAdmin(admin.ModelAdmin):
    list_display = ("subject", "grade", "score", "ruleset_version", "computed_on")
    list_filter = ("grade",)
    raw_id_fields = ("subject",)
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(GradingRun)
class GradingRunAdmin(admin.ModelAdmin):
    list_display = ("on", "ruleset_version", "subjects", "created", "changed", "seconds")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "seed", "population_size", "state", "drawn_at")
    exclude = ("population_snapshot",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Honour)
class HonourAdmin(AuditedModelAdmin):
    list_display = ("title", "subject", "department", "awarded_on", "revoked_at")
    raw_id_fields = ("subject", "revoked_by")
