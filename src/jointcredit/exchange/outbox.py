"""The one way to emit a domain event. Call inside the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from jointcredit.common.jsonable import jsonable

from .models import OutboxEvent


def event_emit(*, kind: str, aggregate_type: str, aggregate_id: Any, data: dict[str, Any],
               department=None, list_type_code: str = "") -> OutboxEvent:
    """Write an event row in the caller's transaction (transactional outbox).

    ``kind`` is dotted, e.g. ``list_entry.published``, ``record.withdrawn``. ``data`` must carry all
    a consumer needs without a second call.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("event_emit 必须在业务事务内调用（transaction.atomic）。")
    return OutboxEvent.objects.create(
        kind=kind, occurred_at=timezone.now(), aggregate_type=aggregate_type, aggregate_id=str(aggregate_id),
        department=department, list_type_code=list_type_code, payload=jsonable(data),
    )
