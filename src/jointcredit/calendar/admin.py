from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import CalendarYear, HolidayOverride


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(AuditedModelAdmin):
    list_display = ("date", "kind", "name", "created_by", "created_at")
    list_filter = ("kind",)
    date_hierarchy = "date"
    readonly_fields = ("created_by", "created_at")


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedModelAdmin):
    list_display = ("year", "source", "configured_by", "configured_at")
    readonly_fields = ("configured_by", "configured_at")
