"""Working-day arithmetic (DESIGN.md §2 Working-day calendar). Every deadline uses this module.

Working day = Mon–Fri minus statutory holidays plus 调休 workdays. Sources, in order: the
office's overrides, the chinese-calendar package for the years it covers, Mon–Fri for years the
office has declared configured. Anything else raises ``CalendarNotConfigured`` — never a silent
Mon–Fri guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as cc_constants

from jointcredit.common.errors import CalendarNotConfigured, ValidationFailed

from .models import CalendarYear, DayKind, HolidayOverride

_PACKAGE_YEARS = frozenset(d.year for d in cc_constants.holidays)
# Safety bound for loops: no deadline in this domain is more than a few hundred working days.
MAX_WORKING_DAYS = 3660


def package_years() -> frozenset[int]:
    return _PACKAGE_YEARS


@dataclass
class WorkingCalendar:
    """A snapshot of overrides and configured years; build once and reuse for bulk work."""

    overrides: dict[date, str] = field(default_factory=dict)
    configured_years: frozenset[int] = frozenset()
    _cache: dict[date, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> WorkingCalendar:
        return cls(
            overrides=dict(HolidayOverride.objects.values_list("date", "kind")),
            configured_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        )

    def is_year_configured(self, year: int) -> bool:
        return year in _PACKAGE_YEARS or year in self.configured_years

    def is_working_day(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        kind = self.overrides.get(day)
        if kind is not None:
            result = kind == DayKind.WORKDAY
        elif day.year in _PACKAGE_YEARS:
            result = chinese_calendar.is_workday(day)
        elif day.year in self.configured_years:
            result = day.weekday() < 5
        else:
            raise CalendarNotConfigured(day.year)
        self._cache[day] = result
        return result

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted).

        ``days == 0`` returns ``start`` if it is a working day, else the next working day.
        """
        if days < 0:
            raise ValidationFailed.single("days", "non_negative", "工作日天数不能为负数。")
        if days > MAX_WORKING_DAYS:
            raise ValidationFailed.single("days", "max", f"工作日天数不能超过 {MAX_WORKING_DAYS}。")
        current = start
        if days == 0:
            while not self.is_working_day(current):
                current += timedelta(days=1)
            return current
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0
        if end < start:
            return -self.working_days_between(end, start)
        if (end - start).days > MAX_WORKING_DAYS * 2:
            raise ValidationFailed.single("end", "range", "日期区间过长（超过 20 年）。")
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def is_working_day(day: date) -> bool:
    return WorkingCalendar.load().is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    return WorkingCalendar.load().add_working_days(start, days)


def working_days_between(start: date, end: date) -> int:
    return WorkingCalendar.load().working_days_between(start, end)


def deadline_or_pending(start: date, days: int, *, calendar: WorkingCalendar | None = None) -> date | None:
    """Deadline for callers that must never be blocked by an unconfigured year.

    Returns ``None`` (shown as 待配置节假日) when the deadline reaches a year the office has not
    entered; the owner stores it as pending and recomputes on ``calendar_year_configured``.
    """
    cal = calendar or WorkingCalendar.load()
    try:
        return cal.add_working_days(start, days)
    except CalendarNotConfigured:
        return None


def unconfigured_years_ahead(*, today: date, horizon_days: int = 120) -> list[int]:
    """Years within the horizon that still need the office's holiday arrangement (for the banner)."""
    cal = WorkingCalendar.load()
    years = {today.year, (today + timedelta(days=horizon_days)).year}
    return sorted(y for y in years if not cal.is_year_configured(y))


@dataclass(frozen=True)
class YearStatus:
    """One year as the office's 节假日日历 page shows it."""

    year: int
    source: str  # "package" (国务院安排内置), "office" (信用办已配置), "missing" (未配置)
    overrides: int
    configured: CalendarYear | None

    @property
    def source_label(self) -> str:
        return {"package": "内置国务院放假安排", "office": "信用办已配置", "missing": "未配置"}[self.source]


def calendar_year_overview(*, today: date, ahead: int = 2, back: int = 1) -> list[YearStatus]:
    """The years around today (and any year the office has configured or adjusted), newest first."""
    configured = {row.year: row for row in CalendarYear.objects.select_related("configured_by")}
    counts: dict[int, int] = {}
    for day in HolidayOverride.objects.values_list("date", flat=True):
        counts[day.year] = counts.get(day.year, 0) + 1
    years = set(range(today.year - back, today.year + ahead + 1)) | set(configured) | set(counts)
    out = []
    for year in sorted(years, reverse=True):
        source = "office" if year in configured else "package" if year in _PACKAGE_YEARS else "missing"
        out.append(YearStatus(year, source, counts.get(year, 0), configured.get(year)))
    return out


def holiday_overrides_in(*, year: int):
    """The office's adjustments within one year, by date."""
    return HolidayOverride.objects.filter(date__year=year).select_related("created_by").order_by("date")
