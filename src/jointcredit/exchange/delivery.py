"""Sending deliveries: claim due rows (lease), POST them signed, record the outcome (ADR 0004).

At-least-once: a row is marked delivered only after a 2xx; a sender killed between the POST and
the record leaves the row leased, and it becomes due again when the lease ends. Receivers dedupe
by ``X-JointCredit-Event-Id``.
"""

from __future__ import annotations

import json
import random
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Q

from jointcredit.common import clock

from . import conf
from .dispatcher import dispatch_step
from .models import Delivery, DeliveryStatus, Subscription
from .sequencer import sequence_step
from .webhooks import BATCH_SIZE_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, Sender, SendResult, sign

CLAIM_BATCH = 250
IDLE_POLL_SECONDS = 0.025
PUMP_EVERY_SECONDS = 0.05
PUMP_DISPATCH_BATCH = 500  # small steps: the first deliveries of a step go out sooner


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: base·2^(n−1), capped, times a random factor in [0.5, 1.5)
    so that receivers coming back after an outage are not hit by every sender at once."""
    rng = rng or random
    raw = min(conf.backoff_base() * (2 ** max(attempts - 1, 0)), conf.backoff_max())
    return raw * (0.5 + rng.random())


@dataclass
class Claimed:
    """A leased delivery with just what sending and recording need (no model instances: the claim
    is on the hot path, and a full Delivery + OutboxEvent row costs ~14 datetime parses)."""

    pk: int
    event_id: str
    kind: str
    attempts: int
    horizon_start: datetime
    item: dict  # the feed item, i.e. the single-event request body


def deliveries_claim(
    *, subscription_id: int, limit: int = CLAIM_BATCH, retries_due_before=None
) -> list[Claimed]:
    """Lease up to ``limit`` due rows of one subscription, oldest first.

    A row is due when ``next_attempt_at`` ≤ now. Rows already attempted (``attempts`` > 0) must also
    be due before ``retries_due_before`` (the start of the sender's run), so a run never retries a
    row it failed itself: the retry is a deferred task of its own. PostgreSQL: ``FOR UPDATE SKIP
    LOCKED`` keeps concurrent lanes' leases disjoint."""
    now = clock.now()
    due = Q(next_attempt_at__lte=now)
    if retries_due_before is not None:
        due &= Q(attempts=0) | Q(next_attempt_at__lte=retries_due_before)
    with transaction.atomic():
        # Index order only (``delivery_due``): a tie-breaker column would make PostgreSQL sort every
        # due row of a backlog before the LIMIT; the claimed rows are sent in position order anyway.
        qs = Delivery.objects.filter(
            due, subscription_id=subscription_id, status=DeliveryStatus.PENDING
        ).order_by("next_attempt_at")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids).update(
            next_attempt_at=now + timedelta(seconds=conf.lease_seconds())
        )
    rows = (
        Delivery.objects.filter(id__in=ids)
        .order_by("event__position")
        .values_list(
            "id",
            "attempts",
            "horizon_start",
            "event_id",
            "event__kind",
            "event__position",
            "event__occurred_at",
            "event__payload",
        )
    )
    return [
        Claimed(
            pk,
            str(event_id),
            kind,
            attempts,
            horizon,
            {
                "position": position,
                "id": str(event_id),
                "type": kind,
                "occurred_at": occurred.isoformat(),
                "data": payload,
            },
        )
        for pk, attempts, horizon, event_id, kind, position, occurred, payload in rows
    ]


def _record(results: list[tuple[Claimed, SendResult]]) -> None:
    """Store a batch's outcomes in one transaction: successes in one UPDATE per status code."""
    now = clock.now()
    ok_by_code: dict[int, list[int]] = {}
    for row, result in results:
        if result.ok:
            ok_by_code.setdefault(result.status or 200, []).append(row.pk)
    dead_after = timedelta(seconds=conf.dead_after_seconds())
    with transaction.atomic():
        for code, pks in ok_by_code.items():
            # Only rows still pending: a slow sender whose lease expired must not overwrite anything.
            Delivery.objects.filter(pk__in=pks, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.DELIVERED,
                delivered_at=now,
                last_attempt_at=now,
                attempts=F("attempts") + 1,
                last_status_code=code,
                last_error="",
            )
        for row, result in results:
            if result.ok:
                continue
            attempts = row.attempts + 1
            next_at = now + timedelta(seconds=backoff_seconds(attempts))
            dead = next_at > row.horizon_start + dead_after
            Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING).update(
                attempts=attempts,
                last_attempt_at=now,
                last_status_code=result.status,
                last_error=result.error[:300],
                status=DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING,
                next_attempt_at=next_at,
            )


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _send_group(sender: Sender, subscription: Subscription, rows: list[Claimed]) -> SendResult:
    """One signed POST: the feed item itself (default), or ``{"events": [...]}`` for a subscription
    in batch mode (``batch_size`` > 1), whose outcome applies to every event in it."""
    if subscription.batch_size > 1:
        body = _dumps({"events": [r.item for r in rows]})
        headers = {BATCH_SIZE_HEADER: str(len(rows)), "X-JointCredit-Event-Type": "batch"}
    else:
        (row,) = rows
        body = _dumps(row.item)
        headers = {EVENT_ID_HEADER: row.event_id, "X-JointCredit-Event-Type": row.kind}
    headers[SIGNATURE_HEADER] = sign(subscription.secret, int(clock.timestamp()), body)
    headers["X-JointCredit-Delivery-Attempt"] = str(max(r.attempts for r in rows) + 1)
    return sender.post(subscription.url, body, headers)


def _pump_once() -> bool:
    """Sequence and fan out newly committed events from inside a sender lane (non-blocking: if
    another process holds the sequencer or dispatcher, it is doing the work). True if it did any."""
    sequenced = sequence_step(wait=False)
    dispatched, _ = dispatch_step(skip_locked=True, limit=PUMP_DISPATCH_BATCH)
    return bool(sequenced or dispatched)


def deliveries_send_due(
    *, subscription_id: int, budget_seconds: float = 20.0, linger: float | None = None
) -> dict:
    """Send one subscription's due deliveries until none is left or the budget is spent.

    Pipelined: while one claimed batch is on the wire (``JOINTCREDIT_WEBHOOK_CONCURRENCY`` keep-alive
    connections), the next is claimed and the previous one's outcomes are recorded. Once the lane
    has delivered something and runs dry it *lingers* for ``JOINTCREDIT_WEBHOOK_LINGER`` seconds,
    sequencing and dispatching new commits itself and polling for new rows every 25 ms, so that a
    steady stream does not pay two task-queue hops (pump, sender) per commit. Returns counts and
    whether work remains (the task then re-enqueues itself)."""
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    counts = {"delivered": 0, "failed": 0, "more": False}
    if subscription is None or not subscription.is_active:
        return counts  # paused endpoints keep their rows pending; reactivation re-arms them
    linger = conf.linger_seconds() if linger is None else linger
    deadline = time.monotonic() + budget_seconds
    started = clock.now()
    size = max(1, subscription.batch_size)
    sender = Sender()
    in_flight: deque[tuple[list[list[Claimed]], list[Future]]] = deque()
    idle_since: float | None = None  # set once the lane has delivered something
    last_pump = time.monotonic()
    # Keep-alive connections live in the pool's threads and close when the pool ends.
    with ThreadPoolExecutor(max_workers=conf.concurrency(), thread_name_prefix="webhook") as pool:
        while True:
            out_of_time = time.monotonic() > deadline
            if (
                idle_since is not None
                and not out_of_time
                and time.monotonic() - last_pump >= PUMP_EVERY_SECONDS
            ):
                # A busy lane keeps the pipeline fed in small steps instead of waiting for a pump
                # task, which may be queued behind this very lane on a busy worker.
                _pump_once()
                last_pump = time.monotonic()
            batch = (
                []
                if out_of_time or len(in_flight) >= 2
                else deliveries_claim(subscription_id=subscription_id, retries_due_before=started)
            )
            if batch:
                groups = [batch[i : i + size] for i in range(0, len(batch), size)]
                in_flight.append(
                    (groups, [pool.submit(_send_group, sender, subscription, g) for g in groups])
                )
                if len(in_flight) < 2:
                    continue  # claim the next batch while this one is on the wire
            if in_flight:
                groups, futures = in_flight.popleft()
                results = [(row, future.result()) for group, future in zip(groups, futures) for row in group]
                _record(results)
                ok = sum(1 for _, r in results if r.ok)
                counts["delivered"] += ok
                counts["failed"] += len(results) - ok
                if ok:
                    idle_since = time.monotonic()
                continue
            if out_of_time:
                counts["more"] = True
                break
            if idle_since is None or time.monotonic() - idle_since >= linger:
                break
            if not Subscription.objects.filter(pk=subscription_id, is_active=True).exists():
                break  # paused meanwhile: stop at once, its rows stay pending
            if not _pump_once():
                time.sleep(IDLE_POLL_SECONDS)
            last_pump = time.monotonic()
    return counts


def next_wakeup(*, subscription_id: int):
    return Delivery.objects.filter(
        subscription_id=subscription_id, status=DeliveryStatus.PENDING, subscription__is_active=True
    ).aggregate(at=Min("next_attempt_at"))["at"]


def subscriptions_with_due(*, now=None) -> list[int]:
    """Active subscriptions with at least one due delivery: one index probe per subscription
    (``delivery_due``) rather than a DISTINCT over every pending row of a backlog."""
    now = now or clock.now()
    due = Delivery.objects.filter(
        subscription=OuterRef("pk"), status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    )
    return list(
        Subscription.objects.filter(Exists(due), is_active=True).order_by("pk").values_list("pk", flat=True)
    )
