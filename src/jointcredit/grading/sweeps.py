"""`jointcredit sweep` hook: catch up with the outbox feed (records → incremental regrade)."""

from __future__ import annotations

from .feed import grading_consume_feed

# Last: it regrades from the events the other sweeps have just emitted.
AFTER = ("lists", "records", "commitments", "catalog")


def run(*, now, stdout) -> dict[str, int]:
    total = {"事件": 0, "重新评级主体": 0}
    for _ in range(20):
        step = grading_consume_feed()
        total["事件"] += step["events"]
        total["重新评级主体"] += step["subjects"]
        if not step["events"]:
            break
    return total
