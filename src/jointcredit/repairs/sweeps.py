"""`jointcredit sweep` hook (idempotent): pending deadlines and overdue reminders of repairs."""

from __future__ import annotations

from django.utils import timezone

from . import services


def run(*, now, stdout=None) -> dict[str, int]:
    today = timezone.localdate(now)
    return {
        "修复期限重算": services.repair_deadlines_recompute(),
        "修复逾期提醒": services.repairs_overdue_remind(today=today, now=now),
    }
