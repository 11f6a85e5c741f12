"""Working days across 春节, 国庆 and 调休 Saturdays (data: chinese-calendar + office overrides)."""

from datetime import date, timedelta

import pytest

from jointcredit.calendar import selectors as cal
from jointcredit.calendar.models import CalendarYear, HolidayOverride
from jointcredit.calendar.services import calendar_year_configure, holiday_override_set
from jointcredit.calendar.signals import calendar_changed
from jointcredit.common import clock
from jointcredit.common.errors import CalendarNotConfigured, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_spring_festival_2026_seven_working_days():
    # Decision Fri 2026-02-13: Sat 02-14 is a 调休 workday (1); 02-15..02-23 off;
    # then 02-24 (2), 25 (3), 26 (4), 27 (5), Sat 02-28 调休 (6), Mon 03-02 (7).
    assert cal.add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)
    assert cal.is_working_day(date(2026, 2, 14))
    assert not cal.is_working_day(date(2026, 2, 16))


def test_national_day_2026():
    # Wed 2026-09-30 + 7: Oct 1–7 off, Thu 8 (1), Fri 9 (2), Sat 10 调休 (3), Mon 12 (4) … Thu 15 (7).
    assert cal.add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)
    assert cal.is_working_day(date(2026, 9, 20))  # Sunday made a workday
    assert not cal.is_working_day(date(2026, 9, 25))  # 中秋


def test_working_days_between_counts_half_open_interval():
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 3, 2)) == 7
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 2, 13)) == -7
    assert cal.working_days_between(date(2026, 5, 11), date(2026, 5, 11)) == 0


def test_zero_days_rolls_to_next_working_day():
    assert cal.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)


def _next_year() -> int:
    """The first year nobody has entered: the package's years and, once past them, the years up to
    today are configured (the office's job, done by the test plugin); next year is not yet."""
    return max(max(cal.package_years()), clock.today().year) + 1


def test_unconfigured_year_raises_clear_error():
    year = _next_year()
    with pytest.raises(CalendarNotConfigured) as exc:
        cal.add_working_days(date(year - 1, 12, 24), 7)
    assert f"{year} 年节假日安排未配置" in exc.value.message
    assert cal.deadline_or_pending(date(year - 1, 12, 24), 7) is None


def test_override_wins_over_package(office_admin):
    holiday_override_set(actor=office_admin, day=date(2026, 5, 11), kind="holiday", name="临时停工")
    assert not cal.is_working_day(date(2026, 5, 11))


def test_office_configures_next_year_and_pending_deadlines_get_notified(office_admin):
    year = _next_year()
    # The Monday of the week of 31 December (2026: the 28th): the deadline crosses New Year's Day.
    monday = date(year - 1, 12, 31) - timedelta(days=date(year - 1, 12, 31).weekday())
    saturday = date(year, 2, 6) + timedelta(days=(5 - date(year, 2, 6).weekday()) % 7)
    seen = []
    calendar_changed.connect(lambda sender, years, **kw: seen.append(years), weak=False, dispatch_uid="t")
    try:
        with pytest.raises(CalendarNotConfigured):
            cal.add_working_days(monday, 7)
        calendar_year_configure(
            actor=office_admin,
            year=year,
            source=f"国办发明电〔{year - 1}〕11号",
            overrides=[
                (date(year, 1, 1), "holiday", "元旦"),
                (saturday - timedelta(days=1), "holiday", "春节"),
                (saturday, "workday", "春节调休"),
            ],
        )
    finally:
        calendar_changed.disconnect(dispatch_uid="t")
    # Mon → Tue (1) … Fri (4), Mon (5) …: 7 working days, with Jan 1 off when it is a weekday.
    expected = cal.add_working_days(monday, 0)
    for _ in range(7):
        expected += timedelta(days=1)
        while expected.weekday() >= 5 or expected == date(year, 1, 1):
            expected += timedelta(days=1)
    assert cal.add_working_days(monday, 7) == expected and expected.year == year
    assert cal.is_working_day(saturday)  # a Saturday made a workday
    assert not cal.is_working_day(saturday - timedelta(days=1))
    assert CalendarYear.objects.filter(year=year).exists()


def test_configure_rejects_wrong_year_rows_and_writes_nothing(office_admin):
    year = _next_year()
    before = (HolidayOverride.objects.count(), CalendarYear.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        calendar_year_configure(
            actor=office_admin, year=year, overrides=[(date(year + 1, 1, 1), "holiday", "x")]
        )
    assert exc.value.details[0]["row"] == 1
    assert (HolidayOverride.objects.count(), CalendarYear.objects.count()) == before
    assert not CalendarYear.objects.filter(year=year).exists()


def test_only_office_edits_calendar(user_factory, lixia):
    clerk = user_factory(lixia["scjgj"])
    with pytest.raises(PermissionDenied):
        holiday_override_set(actor=clerk, day=date(2026, 5, 11), kind="holiday")
