"""Outbox-feed consumer: regrade subjects named by events of inputs that are written set-based.

双公示 records are imported with COPY and their events are written in bulk, so no model signal
fires for them; their ``record.*`` events carry ``subject_identifier``. Grading reads the feed
after its cursor (positions are gap-free once sequenced, so nothing is skipped) and regrades those
subjects and their related persons. Runs from ``jointcredit sweep`` and ``jointcredit grade --feed``.
"""

from __future__ import annotations

from django.db import transaction

from jointcredit.exchange.models import OutboxEvent
from jointcredit.subjects.models import Subject

from .models import FeedCursor

CURSOR = "grading"
# Aggregates whose changes reach grading through the feed (others use model signals, see hooks).
FEED_AGGREGATES = {"penalty", "license"}


def grading_consume_feed(*, limit: int = 5000) -> dict[str, int]:
    from .services import grade_recompute_for

    with transaction.atomic():
        cursor, _ = FeedCursor.objects.select_for_update().get_or_create(name=CURSOR)
        events = list(
            OutboxEvent.objects.filter(position__gt=cursor.position, position__isnull=False)
            .order_by("position")
            .values_list("position", "aggregate_type", "payload")[:limit]
        )
        if not events:
            return {"events": 0, "subjects": 0}
        identifiers, ids = set(), set()
        for _, aggregate, payload in events:
            if aggregate not in FEED_AGGREGATES or not isinstance(payload, dict):
                continue
            if payload.get("subject_id"):
                ids.add(int(payload["subject_id"]))
            elif payload.get("subject_identifier"):
                identifiers.add(str(payload["subject_identifier"]))
        if identifiers:
            ids.update(Subject.objects.filter(identifier__in=identifiers).values_list("pk", flat=True))
        result = grade_recompute_for(ids) if ids else None
        cursor.position = events[-1][0]
        cursor.save(update_fields=["position", "updated_at"])
    return {"events": len(events), "subjects": result.touched if result else 0}
