"""`jointcredit sweep` hook: reminders before the deadline, automatic breach after it."""

from __future__ import annotations

from django.utils import timezone

from . import services


def run(*, now, stdout) -> dict[str, int]:
    today = timezone.localdate(now)
    return {
        "截止日重算": services.commitment_deadlines_recompute(),
        "到期提醒": services.commitments_remind(today=today),
        "逾期认定失信": services.commitments_overdue_break(today=today),
    }
