from __future__ import annotations

from datetime import date

from django.db import transaction

from jointcredit.accounts.permissions import ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.common.errors import ValidationFailed

from .models import CalendarYear, DayKind, HolidayOverride
from .signals import calendar_changed


def _notify(years: set[int]) -> None:
    transaction.on_commit(lambda: calendar_changed.send(sender=HolidayOverride, years=years))


def holiday_override_set(*, actor, day: date, kind: str, name: str = "") -> HolidayOverride:
    """Mark one date as holiday or working day (office only)."""
    ensure_office_admin(actor)
    if kind not in DayKind.values:
        raise ValidationFailed.single("kind", "choice", "类型必须是“节假日（休息）”或“调休工作日（上班）”。")
    if len(name) > 50:
        raise ValidationFailed.single("name", "max_length", "名称不能超过 50 个字符。")
    with transaction.atomic():
        existing = HolidayOverride.objects.select_for_update().filter(date=day).first()
        before = {"kind": existing.kind, "name": existing.name} if existing else None
        row, _ = HolidayOverride.objects.update_or_create(
            date=day, defaults={"kind": kind, "name": name, "created_by": actor}
        )
        audit_record(
            actor=actor,
            action="calendar.override_set",
            obj=row,
            before=before,
            after={"date": day, "kind": kind, "name": name},
        )
        _notify({day.year})
    return row


def holiday_override_delete(*, actor, day: date) -> None:
    ensure_office_admin(actor)
    with transaction.atomic():
        row = HolidayOverride.objects.select_for_update().filter(date=day).first()
        if row is None:
            raise ValidationFailed.single("date", "exists", f"{day} 没有节假日调整记录。")
        audit_record(
            actor=actor,
            action="calendar.override_delete",
            obj=row,
            before={"date": day, "kind": row.kind, "name": row.name},
        )
        row.delete()
        _notify({day.year})


def calendar_year_configure(
    *, actor, year: int, overrides: list[tuple[date, str, str]], source: str = ""
) -> CalendarYear:
    """Enter a whole year's arrangement at once: its holidays and 调休 workdays, then mark it configured.

    ``actor=None`` is the system itself (installer, demo data, the test harness), never a request:
    views and the API always pass the signed-in user, who must be an office admin.
    """
    if actor is not None:
        ensure_office_admin(actor)
    if not 2000 <= year <= 2100:
        raise ValidationFailed.single("year", "range", "年度必须在 2000 到 2100 之间。")
    details = []
    for i, (day, kind, _name) in enumerate(overrides, start=1):
        if day.year != year:
            details.append(
                {
                    "row": i,
                    "field": "date",
                    "rule": "same_year",
                    "message": f"第 {i} 行：日期 {day} 不属于 {year} 年。",
                }
            )
        if kind not in DayKind.values:
            details.append(
                {
                    "row": i,
                    "field": "kind",
                    "rule": "choice",
                    "message": f"第 {i} 行：类型必须是“节假日（休息）”或“调休工作日（上班）”。",
                }
            )
    if details:
        raise ValidationFailed(details[0]["message"], details=details)
    with transaction.atomic():
        for day, kind, name in overrides:
            HolidayOverride.objects.update_or_create(
                date=day, defaults={"kind": kind, "name": name, "created_by": actor}
            )
        row, created = CalendarYear.objects.get_or_create(
            year=year, defaults={"source": source, "configured_by": actor}
        )
        if not created and source:
            CalendarYear.objects.filter(pk=row.pk).update(source=source)
        audit_record(
            actor=actor,
            action="calendar.year_configure",
            obj=row,
            after={"year": year, "overrides": len(overrides), "source": source},
        )
        _notify({year})
    return row
