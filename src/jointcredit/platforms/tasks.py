"""django-tasks task of 上下联动 (run by `jointcredit worker`): one exchange round with every active
platform whose time has come, then the next run when the next platform is due — its schedule
(``interval_minutes``) or, after a failed round, its exponential back-off (``next_round_at``) — and
at least every ``PLATFORM_EXCHANGE_INTERVAL`` seconds (default 30). The rows are the source of
truth, so a lost, duplicated or killed task loses or repeats nothing."""

from __future__ import annotations

import os
from datetime import timedelta

from django.db.models import Min
from django_tasks import task

from jointcredit.common import clock
from jointcredit.common.tasks import enqueue_unique

QUEUE = "platforms"


def interval() -> timedelta:
    return timedelta(seconds=float(os.environ.get("PLATFORM_EXCHANGE_INTERVAL", "30")))


@task(queue_name=QUEUE, priority=0)
def platforms_exchange() -> dict:
    from .models import Platform
    from .services import platform_exchange_all

    result = platform_exchange_all()
    if Platform.objects.filter(is_active=True).exists():
        platforms_exchange_arm(later=True)
    return result


def platforms_exchange_arm(*, later: bool = False) -> bool:
    if not later:
        return enqueue_unique(platforms_exchange)
    from .models import Platform

    now = clock.now()
    run_after = now + interval()
    due = Platform.objects.filter(is_active=True).aggregate(first=Min("next_round_at"))["first"]
    if due is not None and due < run_after:
        run_after = max(due, now)
    return enqueue_unique(platforms_exchange, run_after=run_after)
