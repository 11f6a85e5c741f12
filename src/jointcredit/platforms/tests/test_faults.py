"""kill -9 of the worker mid-batch while it reports up through the exchange database (issue #18 §6):
a real ``jointcredit worker`` on PostgreSQL, SIGKILLed while it holds an uncommitted write in the
middle of the run, then restarted — every item arrives in the 前置库 exactly once and gets its
receipt."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from jointcredit.common import clock
from jointcredit.exchange.outbox import events_emit_bulk
from jointcredit.platforms import services
from jointcredit.platforms.models import OutgoingItem, OutgoingState
from jointcredit.platforms.simulator import PlatformSimulator
from jointcredit.platforms.tasks import platforms_exchange_arm
from jointcredit.subjects.generators import uscc
from jointcredit.testing import platform_exchange_clear, postgres_only

from .conftest import EXCHANGE

# ~2 minutes on the shared machine (two worker processes over 4,000 items): marked slow.
pytestmark = [postgres_only, pytest.mark.slow, pytest.mark.django_db(databases=EXCHANGE, transaction=True)]

BIN = Path(sys.executable).parent
EVENTS = 4000
USCC = uscc(random.Random(18))


def _url(alias: str) -> str:
    s = connections[alias].settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker() -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _url("default"),
        "PLATFORM_EXCHANGE_DATABASE_URL": _url("platform_exchange"),
        "PLATFORM_EXCHANGE_INTERVAL": "0.2",
        "JOINTCREDIT_TESTING": "1",
        "JOINTCREDIT_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "jointcredit.config.settings",
    }
    return subprocess.Popen(
        [
            str(BIN / "jointcredit"),
            "worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.05",
            "-v",
            "0",
        ],
        env=env,
        start_new_session=True,
    )


def _wait(predicate, timeout: float = 120, pause: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(pause)
    return predicate()


def _writing() -> bool:
    """Another session of the main database holds an uncommitted write (the moment to kill)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return cursor.fetchone()[0] > 0


def _exchange_rows() -> tuple[int, int]:
    with connections["platform_exchange"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT source_key) FROM xchg_outgoing")
        return cursor.fetchone()


def _payload(i: int, today) -> dict:
    return {
        "entry_id": i,
        "state": "published",
        "subject_identifier": USCC,
        "subject_name": f"济南测试{i}有限公司",
        "subject_kind": "legal",
        "subject_id_type": "uscc",
        "list_type_code": "black_other",
        "list_type_name": "严重失信主体名单",
        "color": "black",
        "department_code": "scjgj",
        "department_name": "区市场监管局",
        "reason": "严重违法失信行为",
        "document_no": f"历市监认〔2026〕{i}号",
        "decided_on": str(today),
        "valid_from": str(today),
        "valid_until": str(today + timedelta(days=1095)),
        "under_objection": False,
    }


@pytest.fixture
def exchange_cleared(platform_exchange_schema):
    yield
    platform_exchange_clear()  # the worker committed there: nothing may reach the next test


def test_worker_killed_mid_batch_reports_every_item_exactly_once(platform, exchange_cleared):
    today = clock.today()
    for start in range(1, EVENTS + 1, 1000):
        with transaction.atomic():
            events_emit_bulk(
                [
                    dict(
                        kind="list_entry.published",
                        aggregate_type="list_entry",
                        aggregate_id=i,
                        data=_payload(i, today),
                        list_type_code="black_other",
                    )
                    for i in range(start, start + 1000)
                ]
            )
    platforms_exchange_arm()
    worker = _worker()
    try:
        assert _wait(lambda: OutgoingItem.objects.count() >= 1000 and _writing()), (
            "the worker never got going"
        )
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert _wait(lambda: not _writing(), timeout=30)
    sent_before = OutgoingItem.objects.filter(state=OutgoingState.SENT).count()
    assert sent_before < EVENTS, "the worker finished before it was killed: no fault injected"

    platforms_exchange_arm()  # the killed task stays "running"; the next one is armed as the sweep does
    worker = _worker()
    try:
        assert _wait(lambda: OutgoingItem.objects.filter(state=OutgoingState.SENT).count() == EVENTS)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert _exchange_rows() == (EVENTS, EVENTS)  # every change in the 前置库, once
    assert OutgoingItem.objects.count() == EVENTS
    assert set(OutgoingItem.objects.values_list("source_key", flat=True)) == {
        f"list_entry:{i}" for i in range(1, EVENTS + 1)
    }
    assert PlatformSimulator(platform.code).answer(limit=EVENTS) == {"accepted": EVENTS, "rejected": 0}
    services.platform_exchange(platform=platform, max_batches=EVENTS // 1000 + 1)
    assert OutgoingItem.objects.filter(state=OutgoingState.ACCEPTED).count() == EVENTS
