"""`jointcredit sweep` hook (idempotent): pending deadlines, overdue reminders, receipts confirmed by
webhook 2xx, reminders for unconfirmed receipts."""

from __future__ import annotations

from django.utils import timezone

from jointcredit.casework import receipts

from . import services


def run(*, now, stdout=None) -> dict[str, int]:
    today = timezone.localdate(now)
    return {
        "异议期限重算": services.objection_deadlines_recompute(),
        "异议逾期提醒": services.objections_overdue_remind(today=today, now=now),
        "回执自动确认（推送已送达）": receipts.receipts_reconcile_webhooks(),
        "回执催办": receipts.receipts_remind(now=now),
    }
