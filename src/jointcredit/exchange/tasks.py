"""django-tasks tasks (database backend, run by `jointcredit worker`). See ADR 0004.

* ``exchange_pump``: sequence committed events, fan them out (deliveries, pushes), and re-arm any
  subscription with due deliveries (e.g. leased by a worker that was killed). Enqueued on commit
  by ``event_emit``; at most one waiting copy at a time.
* ``deliveries_send``: send one subscription's due deliveries; re-enqueues itself while work
  remains and schedules a deferred copy for the next retry time.
Tasks carry only ids: the database rows are the source of truth, so a lost, duplicated or
crashed task never loses or duplicates an effect.
"""

from __future__ import annotations

from django_tasks import task

from jointcredit.common import clock
from jointcredit.common.tasks import enqueue_unique as _enqueue_unique

from . import conf
from .delivery import deliveries_send_due, next_wakeup, subscriptions_with_due
from .dispatcher import dispatch_all
from .sequencer import sequence_all

QUEUE = "webhooks"


@task(queue_name=QUEUE, priority=10)
def exchange_pump() -> dict:
    sequenced = sequence_all()
    dispatched = dispatch_all()
    rearmed = deliveries_enqueue(subscription_ids=subscriptions_with_due())
    return {"sequenced": sequenced, "dispatched": dispatched, "rearmed": rearmed}


# Senders before pumps: a running sender lane pumps new commits itself (delivery.deliveries_send_due),
# while under a steady stream there is almost always a fresh pump task waiting (one per commit that
# found none waiting) — with pumps first, senders would wait behind them for seconds.
@task(queue_name=QUEUE, priority=20)
def deliveries_send(*, subscription_id: int, lane: int = 0) -> dict:
    """One sender lane of a subscription. Lanes lease disjoint rows (SKIP LOCKED), so several
    worker processes can deliver one busy subscription in parallel."""
    counts = deliveries_send_due(subscription_id=subscription_id)
    if counts["more"]:
        _enqueue_unique(deliveries_send, subscription_id=subscription_id, lane=lane)
    else:
        wake = next_wakeup(subscription_id=subscription_id)
        if wake is not None:
            _enqueue_unique(
                deliveries_send,
                run_after=max(wake, clock.now()),
                subscription_id=subscription_id,
                lane=lane,
            )
    return counts


def pump_enqueue() -> bool:
    return _enqueue_unique(exchange_pump)


def on_deliveries_created(sender, *, subscription_ids, **kwargs) -> None:
    """``dispatcher.deliveries_created`` receiver (connected in ExchangeConfig.ready)."""
    deliveries_enqueue(subscription_ids=subscription_ids)


def deliveries_enqueue(*, subscription_ids) -> int:
    return sum(
        _enqueue_unique(deliveries_send, subscription_id=s, lane=lane)
        for s in sorted(subscription_ids)
        for lane in range(conf.sender_lanes())
    )
