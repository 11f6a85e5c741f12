"""Office dashboard panels (/staff/dashboard/) of a kind of case: cases by state, open cases by age.

Age = working days (``calendar``) from the filing date (提出日期) to today, the same unit as the
deadlines, bucketed 0–2, 3–10, >10. A date in a year the office has not configured falls back to
calendar days for that case (counted in the note). Office admins see every department; other
staff see their own department's cases.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.utils import timezone

from jointcredit.common import clock

from .kinds import CaseKind

AGE_BUCKETS = ("0–2 个工作日", "3–10 个工作日", "超过 10 个工作日")


def is_office(user) -> bool:
    return bool(getattr(user, "is_office_admin", False) or getattr(user, "is_superuser", False))


def scoped(qs, user):
    """Office: everything; department staff: their department; nobody else: None."""
    if is_office(user):
        return qs
    if getattr(user, "department_id", None):
        return qs.filter(department_id=user.department_id)
    return None


def age_bucket(days: int) -> int:
    return 0 if days <= 2 else 1 if days <= 10 else 2


def state_chart(qs, choices, *, unit: str = "件", note: str = "") -> dict:
    counts = dict(qs.values_list("state").annotate(n=Count("pk")).values_list("state", "n").order_by())
    labels = dict(choices)
    return {
        "type": "bar",
        "categories": [labels[s] for s in labels],
        "series": [{"name": "案件数", "data": [counts.get(s, 0) for s in labels]}],
        "unit": unit,
        "note": note,
    }


def age_chart(
    qs,
    choices,
    open_states,
    *,
    today: date | None = None,
    unit: str = "件",
    what: str = "案件",
    deadlines: str = "",
) -> dict:
    """Open cases: categories = age buckets, one series per open state (stacked)."""
    from jointcredit.calendar.selectors import WorkingCalendar
    from jointcredit.common.errors import CalendarNotConfigured

    today = today or clock.today()
    cal = WorkingCalendar.load()
    labels = dict(choices)
    grid = {s: [0, 0, 0] for s in open_states}
    fallback = 0
    per_day: dict[tuple[str, date], int] = {}
    for state, created in qs.filter(state__in=open_states).values_list("state", "created_at").iterator():
        filed = timezone.localdate(created) if timezone.is_aware(created) else created.date()
        per_day[(state, filed)] = per_day.get((state, filed), 0) + 1
    for (state, filed), n in per_day.items():
        try:
            days = cal.working_days_between(filed, today)
        except CalendarNotConfigured:
            days = (today - filed).days
            fallback += n
        grid[state][age_bucket(max(days, 0))] += n
    total = sum(sum(v) for v in grid.values())
    note = f"在办{what}共 {total} 件，按提出之日起至今的工作日数分组。{deadlines}"
    if fallback:
        note += f"其中 {fallback} 件涉及未配置节假日的年度，按自然日计。"
    return {
        "type": "stacked_bar",
        "categories": list(AGE_BUCKETS),
        "series": [{"name": labels[s], "data": grid[s]} for s in open_states],
        "unit": unit,
        "note": note,
    }


def register_panels(
    kind: CaseKind,
    *,
    order: int,
    what: str,
    by_state: tuple[str, str, str],
    by_age: tuple[str, str],
    deadlines,
) -> None:
    """Register ``<namespace>_by_state`` (title, description, note) and ``<namespace>_open_by_age``
    (title, description) on the dashboard; ``deadlines()`` is the note's sentence on the deadlines
    (read at request time: the settings may change)."""
    from jointcredit.common.workbench_registry import register_dashboard_panel

    def cases_by_state(user) -> dict | None:
        qs = scoped(kind.model.objects.all(), user)
        return None if qs is None else state_chart(qs, kind.states.choices, note=by_state[2])

    def open_by_age(user, *, today: date | None = None) -> dict | None:
        qs = scoped(kind.model.objects.all(), user)
        if qs is None:
            return None
        return age_chart(
            qs, kind.states.choices, kind.open_states, today=today, what=what, deadlines=deadlines()
        )

    register_dashboard_panel(
        key=f"{kind.namespace}_by_state",
        title=by_state[0],
        provider=cases_by_state,
        order=order,
        description=by_state[1],
    )
    register_dashboard_panel(
        key=f"{kind.namespace}_open_by_age",
        title=by_age[0],
        provider=open_by_age,
        order=order + 1,
        description=by_age[1],
    )
