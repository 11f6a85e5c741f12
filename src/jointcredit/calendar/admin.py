"""Superusers can still edit the calendar in the Django admin; the office uses the workbench's
"系统配置 → 节假日日历" (``calendar.views``), named by the staff banner.

Every write goes through ``calendar.services``: audited, and ``calendar_changed`` fires on commit, so
deadlines stored as 待配置节假日 are recomputed as soon as the office saves a year or a day. A plain
model admin saved the rows but never told the apps holding pending deadlines.
"""

from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import CalendarYear, HolidayOverride
from .services import calendar_year_configure, holiday_override_delete, holiday_override_set


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name", "created_by", "created_at")
    list_filter = ("kind",)
    date_hierarchy = "date"
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            holiday_override_delete(actor=request.user, day=form.initial["date"])
        row = holiday_override_set(actor=request.user, day=obj.date, kind=obj.kind, name=obj.name)
        obj.pk = row.pk  # the admin's message and redirect use it

    def delete_model(self, request, obj):
        holiday_override_delete(actor=request.user, day=obj.date)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            holiday_override_delete(actor=request.user, day=obj.date)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedModelAdmin):
    list_display = ("year", "source", "configured_by", "configured_at")
    readonly_fields = ("configured_by", "configured_at")

    def get_readonly_fields(self, request, obj=None):
        return ("year", *self.readonly_fields) if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        row = calendar_year_configure(actor=request.user, year=obj.year, overrides=[], source=obj.source)
        obj.pk = row.pk
