"""kill -9 of the worker mid-delivery and of a web process mid-publish: nothing lost, and a
receiver that dedupes by event id applies every effect once. Real processes on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.db import connection

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.testing import postgres_only

from .. import sweeps
from ..models import Delivery, DeliveryStatus, OutboxEvent
from ..services import subscription_create
from .factories import Receiver
from .test_webhooks import SECRET, emit_records, run_worker

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent


def _env(**extra) -> dict:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "JOINTCREDIT_TESTING": "1",
        "JOINTCREDIT_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "jointcredit.config.settings",
        **extra,
    }


def _wait(predicate, rounds: int = 300, pause: float = 0.05) -> bool:
    for _ in range(rounds):
        if predicate():
            return True
        time.sleep(pause)
    return predicate()


def test_worker_killed_mid_delivery_loses_nothing(lixia, user_factory, settings):
    settings.JOINTCREDIT_WEBHOOK_LEASE = 1
    admin = user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN])
    with Receiver(SECRET, script=[("sleep", 60)]) as receiver:  # the first request hangs the worker
        subscription_create(
            actor=admin, department=lixia["xzsp"], name="审批系统", url=receiver.url, secret=SECRET
        )
        ids = emit_records(20, lixia["scjgj"])
        worker = subprocess.Popen(
            [
                str(BIN / "jointcredit"),
                "worker",
                "--no-schedules",
                "--no-startup-delay",
                "--no-reload",
                "--interval",
                "0.05",
                "-v",
                "0",
            ],
            env=_env(JOINTCREDIT_WEBHOOK_LEASE="1"),
        )
        try:
            assert _wait(lambda: len(receiver.requests) >= 8), "worker never started delivering"
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() < 20  # killed mid-batch

        def recovered():
            sweeps.run(now=clock.now())  # re-arms rows whose lease the dead worker still held
            run_worker()
            return Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 20

        assert _wait(recovered, rounds=100, pause=0.2)
    assert sorted(receiver.applied) == sorted(ids)  # every event, each effect once
    hung = receiver.requests[0]["event_id"]
    assert sum(1 for r in receiver.requests if r["event_id"] == hung) >= 2  # redelivered with the same id
    assert all(r["valid"] for r in receiver.requests)


PUBLISH_THEN_DIE = textwrap.dedent("""
    import os, signal, django
    django.setup()
    from django.db import transaction
    from jointcredit.exchange.outbox import event_emit
    mode = os.environ["MODE"]
    with transaction.atomic():
        if mode == "after_commit":
            # Dies after COMMIT but before the pump task is enqueued (first on_commit callback).
            transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
        event_emit(kind="record.published", aggregate_type="record", aggregate_id=mode, data={"mode": mode})
        if mode == "before_commit":
            os.kill(os.getpid(), signal.SIGKILL)
""")


def test_web_process_killed_during_publish(office_admin, api_client_for):
    for mode in ("before_commit", "after_commit"):
        proc = subprocess.run([sys.executable, "-c", PUBLISH_THEN_DIE], env=_env(MODE=mode), timeout=60)
        assert proc.returncode == -signal.SIGKILL
    # Before commit: nothing at all. After commit: the event is durable although no task was queued,
    # and the next feed read (or sweep, or any later event's pump) sequences it.
    assert list(OutboxEvent.objects.values_list("aggregate_id", "position")) == [("after_commit", None)]
    events = api_client_for(office_admin).get("/api/v1/feed").json()["events"]
    assert [(e["data"]["mode"], e["position"]) for e in events] == [("after_commit", 1)]
