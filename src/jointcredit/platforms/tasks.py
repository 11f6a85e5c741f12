"""django-tasks task of 上下联动 (run by `jointcredit worker`): one exchange round with every active
platform, then the next round after ``PLATFORM_EXCHANGE_INTERVAL`` seconds (default 30). The rows
are the source of truth, so a lost, duplicated or killed task loses or repeats nothing."""

from __future__ import annotations

import os
from datetime import timedelta

from django_tasks import task

from jointcredit.common import clock
from jointcredit.common.tasks import enqueue_unique

QUEUE = "platforms"


def interval() -> timedelta:
    return timedelta(seconds=float(os.environ.get("PLATFORM_EXCHANGE_INTERVAL", "30")))


@task(queue_name=QUEUE, priority=0)
def platforms_exchange() -> dict:
    from .services import platform_exchange_all

    result = platform_exchange_all()
    if result:
        platforms_exchange_arm(later=True)
    return result


def platforms_exchange_arm(*, later: bool = False) -> bool:
    return enqueue_unique(platforms_exchange, run_after=clock.now() + interval() if later else None)
