"""The demo district's working-day calendar: the office has entered every year up to the current one.

chinese-calendar only covers the years up to its release; a later year is 待配置节假日 until the
office enters it (DESIGN.md §2 Working-day calendar), and a list entry whose statement deadline is
pending cannot be decided. Demo data spans the past two years, so without this ``jointcredit demo``
(and ``make run``) would fail on any date after the package's last year. The years are entered
through the calendar service, as the office does, as Mon–Fri without statutory holidays (the demo
does not invent a State Council arrangement); next year stays unconfigured, as late in a real year.
"""

from __future__ import annotations

from datetime import date

from jointcredit.calendar.models import CalendarYear
from jointcredit.calendar.selectors import package_years
from jointcredit.calendar.services import calendar_year_configure


def configure_up_to(today: date, *, source: str = "演示数据：信用办已录入当年节假日安排") -> list[int]:
    """Enter every year after the package's last one up to ``today``'s; returns the years entered."""
    entered = []
    for year in range(max(package_years()) + 1, today.year + 1):
        if not CalendarYear.objects.filter(year=year).exists():
            calendar_year_configure(actor=None, year=year, overrides=[], source=source)
            entered.append(year)
    return entered
