"""Sending deliveries: claim due rows (lease), POST them signed, record the outcome (ADR 0004).

At-least-once: a row is marked delivered only after a 2xx; a sender killed between the POST and
the record leaves the row leased, and it becomes due again when the lease ends. Receivers dedupe
by ``X-JointCredit-Event-Id``.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from . import conf
from .models import Delivery, DeliveryStatus, Subscription
from .webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, Sender, SendResult, event_body, sign

CLAIM_BATCH = 200


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: base·2^(n−1), capped, times a random factor in [0.5, 1.5)
    so that receivers coming back after an outage are not hit by every sender at once."""
    rng = rng or random
    raw = min(conf.backoff_base() * (2 ** max(attempts - 1, 0)), conf.backoff_max())
    return raw * (0.5 + rng.random())


def deliveries_claim(*, subscription_id: int, limit: int = CLAIM_BATCH, due_before=None) -> list[Delivery]:
    """Lease up to ``limit`` due rows (``next_attempt_at`` ≤ ``due_before``, default now)."""
    now = timezone.now()
    with transaction.atomic():
        qs = Delivery.objects.filter(subscription_id=subscription_id, status=DeliveryStatus.PENDING,
                                     next_attempt_at__lte=due_before or now).order_by("next_attempt_at", "id")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids).update(next_attempt_at=now + timedelta(seconds=conf.lease_seconds()))
    return list(Delivery.objects.filter(id__in=ids).select_related("event").order_by("event__position"))


def _record(subscription: Subscription, results: list[tuple[Delivery, SendResult]]) -> None:
    """Store a batch's outcomes in one transaction: successes in one UPDATE per status code."""
    now = timezone.now()
    ok_by_code: dict[int, list[int]] = {}
    for delivery, result in results:
        if result.ok:
            ok_by_code.setdefault(result.status or 200, []).append(delivery.pk)
    dead_after = timedelta(seconds=conf.dead_after_seconds())
    with transaction.atomic():
        for code, pks in ok_by_code.items():
            # Only rows still pending: a slow sender whose lease expired must not overwrite anything.
            Delivery.objects.filter(pk__in=pks, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.DELIVERED, delivered_at=now, last_attempt_at=now,
                attempts=F("attempts") + 1, last_status_code=code, last_error="")
        for delivery, result in results:
            if result.ok:
                continue
            attempts = delivery.attempts + 1
            next_at = now + timedelta(seconds=backoff_seconds(attempts))
            dead = next_at > delivery.horizon_start + dead_after
            Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
                attempts=attempts, last_attempt_at=now, last_status_code=result.status,
                last_error=result.error[:300], status=DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING,
                next_attempt_at=next_at)


def _send_one(sender: Sender, subscription: Subscription, delivery: Delivery) -> SendResult:
    body = event_body(delivery.event)
    headers = {SIGNATURE_HEADER: sign(subscription.secret, int(time.time()), body),
               EVENT_ID_HEADER: str(delivery.event_id), "X-JointCredit-Event-Type": delivery.event.kind,
               "X-JointCredit-Delivery-Attempt": str(delivery.attempts + 1)}
    return sender.post(subscription.url, body, headers)


def deliveries_send_due(*, subscription_id: int, budget_seconds: float = 20.0) -> dict:
    """Send every due delivery of one subscription until none is left or the budget is spent.

    Returns counts and whether work remains (the task then re-enqueues itself)."""
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    counts = {"delivered": 0, "failed": 0, "more": False}
    if subscription is None or not subscription.is_active:
        return counts  # paused endpoints keep their rows pending; reactivation re-arms them
    deadline = time.monotonic() + budget_seconds
    # Rows that fail in this run are due again only after their backoff, and never within this run:
    # each run tries a row at most once, the next retry is a (deferred) task of its own.
    started = timezone.now()
    sender = Sender()
    # Keep-alive connections live in the pool's threads and close when the pool ends.
    with ThreadPoolExecutor(max_workers=conf.concurrency(), thread_name_prefix="webhook") as pool:
        while True:
            batch = deliveries_claim(subscription_id=subscription_id, due_before=started)
            if not batch:
                break
            results = list(zip(batch, pool.map(lambda d: _send_one(sender, subscription, d), batch)))
            _record(subscription, results)
            counts["delivered"] += sum(1 for _, r in results if r.ok)
            counts["failed"] += sum(1 for _, r in results if not r.ok)
            if time.monotonic() > deadline:
                counts["more"] = True
                break
    return counts


def next_wakeup(*, subscription_id: int):
    return Delivery.objects.filter(subscription_id=subscription_id, status=DeliveryStatus.PENDING,
                                   subscription__is_active=True).aggregate(
        at=Min("next_attempt_at"))["at"]


def subscriptions_with_due(*, now=None) -> list[int]:
    now = now or timezone.now()
    return list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
                                        subscription__is_active=True)
                .values_list("subscription_id", flat=True).distinct().order_by())
