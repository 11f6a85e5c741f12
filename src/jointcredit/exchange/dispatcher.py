"""Fan-out of sequenced events (ADR 0004): one Delivery per matching subscription and, for a
published list entry, one Push per cooperating department that must apply its measures.

The dispatcher consumes the feed like any reader, by position, with its own cursor row locked for
the duration of a step: the deliveries, the pushes and the cursor advance commit together, so an
event is fanned out exactly once even if the worker is killed mid-way.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common import clock

from . import conf
from .extensions import push_plans
from .models import Delivery, DeliveryStatus, FeedCursor, OutboxEvent, Push, Subscription

# Sent on commit with the ids of the subscriptions that got new deliveries. ``tasks`` (the layer
# above, which enqueues their senders) connects to it in ExchangeConfig.ready: the dispatcher never
# imports the task layer, so tasks → delivery → dispatcher has no cycle (ADR 0016).
deliveries_created = Signal()  # kwargs: subscription_ids

DISPATCH_CURSOR = "dispatch"
PUSH_KINDS = ("list_entry.published", "list_entry.removed")
DEFAULT_BATCH = 2000


def dispatch_step(*, limit: int = DEFAULT_BATCH, skip_locked: bool = False) -> tuple[int, set[int]]:
    """Fan out up to ``limit`` events past the cursor. Returns (events handled, subscriptions touched).

    ``skip_locked``: return at once if another dispatcher holds the cursor (it is doing the work)."""
    FeedCursor.objects.get_or_create(name=DISPATCH_CURSOR)
    with transaction.atomic():
        locked = FeedCursor.objects.select_for_update(
            skip_locked=skip_locked and connection.vendor == "postgresql"
        )
        cursor = locked.filter(name=DISPATCH_CURSOR).first()
        if cursor is None:
            return 0, set()
        # Lean rows (no payloads) for the fan-out; whole events only for the few that make pushes.
        events = list(
            OutboxEvent.objects.filter(position__gt=cursor.position)
            .order_by("position")
            .values_list("id", "kind", "list_type_code", "position")[:limit]
        )
        if not events:
            return 0, set()
        now = clock.now()
        # Paused subscriptions get their rows too: they stay pending until the endpoint is resumed.
        subscriptions = list(Subscription.objects.only("id", "event_kinds", "list_type_codes"))
        pairs = [
            (event_id, s.pk)
            for event_id, kind, code, _ in events
            for s in subscriptions
            if s.matches_kind(kind, code)
        ]
        _deliveries_insert(pairs, now=now)
        push_ids = [event_id for event_id, kind, _, _ in events if kind in PUSH_KINDS]
        if push_ids:
            pushes_from_events(list(OutboxEvent.objects.filter(id__in=push_ids).order_by("position")))
        cursor.position = events[-1][3]
        cursor.save(update_fields=["position", "updated_at"])
        touched = {sub_id for _, sub_id in pairs}
        if touched:
            transaction.on_commit(lambda: deliveries_created.send(sender=None, subscription_ids=touched))
    return len(events), touched


def _deliveries_insert(pairs: list[tuple], *, now) -> None:
    """One pending Delivery per (event id, subscription id); existing pairs are left alone.
    PostgreSQL: a single INSERT … SELECT FROM unnest(arrays) — no model instances on the hot path."""
    if not pairs:
        return
    if connection.vendor != "postgresql":
        Delivery.objects.bulk_create(
            [
                Delivery(event_id=e, subscription_id=s, next_attempt_at=now, horizon_start=now)
                for e, s in pairs
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        return
    table = Delivery._meta.db_table
    with connection.cursor() as cursor:
        # sql-vetted: the table name comes from model metadata; every value is a parameter.
        cursor.execute(
            f"INSERT INTO {table} (event_id, subscription_id, status, attempts, next_attempt_at, "  # noqa: S608
            "horizon_start, last_error, created_at) SELECT t.e, t.s, %s, 0, %s, %s, '', %s "
            "FROM unnest(%s::uuid[], %s::bigint[]) AS t(e, s) ON CONFLICT DO NOTHING",
            [DeliveryStatus.PENDING, now, now, now, [e for e, _ in pairs], [s for _, s in pairs]],
        )


def dispatch_all(*, max_steps: int = 50) -> int:
    total = 0
    for _ in range(max_steps):
        n, _ = dispatch_step()
        total += n
        if n < DEFAULT_BATCH:
            break
    return total


def _entry_id(event: OutboxEvent) -> int | None:
    value = event.aggregate_id or str((event.payload or {}).get("entry_id", ""))
    return int(value) if value.isdigit() else None


def pushes_from_events(events: list[OutboxEvent]) -> int:
    """Create pushes for ``list_entry.published`` and mark them on ``list_entry.removed``.

    Why here and not in the lists service: the push is the exchange's record of *who was told*,
    so it is derived from the event that told them, exactly once per event, whoever emitted it.
    Who must apply which measures is the measures' decision (``extensions.push_plans``).
    """
    published = [e for e in events if e.kind == "list_entry.published" and _entry_id(e)]
    removed = [e for e in events if e.kind == "list_entry.removed" and _entry_id(e)]
    for event in removed:
        Push.objects.filter(entry_id=_entry_id(event), entry_removed_at__isnull=True).update(
            entry_removed_at=event.occurred_at
        )
    plans = push_plans([_entry_id(e) for e in published])
    if not plans:
        return 0
    calendar = WorkingCalendar.load()
    created = 0
    for event in published:
        plan = plans.get(_entry_id(event))
        if plan is None:
            continue
        pushed_on = timezone.localdate(event.occurred_at)
        days = plan.feedback_working_days or conf.feedback_working_days_default()
        due = deadline_or_pending(pushed_on, days, calendar=calendar)
        for dept_id, measures in plan.measures_by_department.items():
            push, was_created = Push.objects.get_or_create(
                entry=plan.entry,
                department_id=dept_id,
                defaults={
                    "event": event,
                    "pushed_on": pushed_on,
                    "feedback_working_days": days,
                    "feedback_due": due,
                },
            )
            if was_created:
                push.measures.set(measures)
                created += 1
    return created
