"""Office editing of memoranda and measures (audited; the same rules as the services)."""

from django import forms
from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import Measure, Memorandum, Screening
from .validation import measure_fields_validate


class MeasureForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = (
            "memorandum",
            "code",
            "name",
            "kind",
            "legal_basis",
            "implementing_departments",
            "scenarios",
            "reaches_subject",
            "reach_roles",
            "directly_responsible_roles",
            "is_active",
        )

    def clean(self):
        data = super().clean()
        for error in measure_fields_validate(
            code=data.get("code", ""),
            name=data.get("name", ""),
            kind=data.get("kind", ""),
            scenarios=data.get("scenarios"),
            reach_roles=data.get("reach_roles") or [],
            directly_responsible_roles=data.get("directly_responsible_roles") or [],
            reaches_subject=data.get("reaches_subject", True),
        ):
            field = error["field"] if error["field"] in self.fields else None
            self.add_error(field, error["message"])
        return data


class MeasureInline(admin.TabularInline):
    model = Measure
    form = MeasureForm
    fields = ("code", "name", "kind", "scenarios", "is_active")
    extra = 0
    show_change_link = True


@admin.register(Memorandum)
class MemorandumAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "document_no", "signed_on", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "document_no")
    filter_horizontal = ("signatories",)
    inlines = [MeasureInline]


@admin.register(Measure)
class MeasureAdmin(AuditedModelAdmin):
    form = MeasureForm
    list_display = ("name", "code", "kind", "memorandum", "is_active")
    list_filter = ("kind", "memorandum", "is_active")
    search_fields = ("name", "code", "legal_basis")
    filter_horizontal = ("implementing_departments",)


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "scenario",
        "on",
        "total",
        "hit",
        "clear",
        "invalid",
        "created_by",
    )
    list_filter = ("scenario",)
    readonly_fields = [f.name for f in Screening._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
