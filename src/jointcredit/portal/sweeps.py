"""`jointcredit sweep` hook: the daily public extract (ADR 0031).

The extract of a day is built once the day is over (as of yesterday), so it holds everything
published that day. The sweep only enqueues the build (at most one waiting copy) when that extract
is missing; the worker writes it. Cheap when it exists: one small file read.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jointcredit.common.extracts import extract_get
from jointcredit.common.tasks import enqueue_unique

from .tasks import extract_build_task


def run(*, now, stdout=None) -> dict[str, int]:
    as_of = timezone.localdate(now) - timedelta(days=1)
    if extract_get(as_of) is not None:
        return {}
    return {"公开数据包排队": int(enqueue_unique(extract_build_task, as_of=as_of.isoformat()))}
