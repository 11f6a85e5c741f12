"""`jointcredit sweep` hook (idempotent): generate the collection tasks of the current periods,
fill due dates that were pending on the calendar, remind departments with overdue items."""

from __future__ import annotations

from django.utils import timezone

from .services import reminders_send, tasks_generate, tasks_recompute_pending


def run(*, now, stdout=None) -> dict:
    created = tasks_generate(today=timezone.localdate(now))
    filled = tasks_recompute_pending()
    reminded = reminders_send(now=now)
    return {"新建归集任务": created, "补算截止日": filled, "逾期未报提醒": reminded}
