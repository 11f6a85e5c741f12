"""records.sweeps: ``record.expired`` once per record whose publication window has ended."""

from __future__ import annotations

import io
import random
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from jointcredit.common import clock
from jointcredit.exchange.models import OutboxEvent
from jointcredit.records import sweeps
from jointcredit.records.models import License, Penalty, RecordState
from jointcredit.records.samples import license_row, penalty_row
from jointcredit.records.services import record_save, record_withdraw
from jointcredit.testing import postgres_only

pytestmark = pytest.mark.django_db

GENERAL = {"CF_CFLB": "罚款", "CF_NR_FK": "2", "CF_NR": "罚款人民币贰万元"}


def _save(clerk, record_type, row, draft=False):
    record, _ = record_save(actor=clerk, record_type=record_type, data=row, hold_as_draft=draft)
    return type(record).objects.get(pk=record.pk)


@pytest.fixture
def records(lixia, scj_clerk):
    today = clock.today()
    dept = lixia["scjgj"]
    old = today - timedelta(days=400)
    rows = {n: penalty_row(random.Random(n), dept, n=n, decided=old, **GENERAL) for n in range(1, 5)}
    expired = _save(scj_clerk, "penalty", rows[1])  # 一般: 1 year, over
    current = _save(scj_clerk, "penalty", penalty_row(random.Random(9), dept, n=9, decided=today, **GENERAL))
    withdrawn = record_withdraw(
        actor=scj_clerk, record=_save(scj_clerk, "penalty", rows[2]), reason="原处罚决定被撤销"
    )
    draft = _save(scj_clerk, "penalty", rows[3], draft=True)
    licence = _save(
        scj_clerk,
        "license",
        license_row(
            random.Random(5), dept, n=5, decided=old, XK_YXQZI=(old + timedelta(days=200)).isoformat()
        ),
    )
    assert expired.public_until < today and licence.public_until < today and current.public_until >= today
    return {
        "expired": expired,
        "current": current,
        "withdrawn": withdrawn,
        "draft": draft,
        "licence": licence,
    }


def _expired_events():
    return OutboxEvent.objects.filter(kind="record.expired")


def test_emits_once_per_ended_window(records):
    now = clock.now()
    assert sweeps.run(now=now, stdout=io.StringIO()) == {"公示期满事件": 2}
    events = {(e.aggregate_type, e.aggregate_id): e for e in _expired_events()}
    assert set(events) == {("penalty", str(records["expired"].pk)), ("license", str(records["licence"].pk))}
    payload = events[("penalty", str(records["expired"].pk))].payload
    assert payload["doc_no"] == records["expired"].doc_no and payload["state"] == "published"
    assert payload["public_until"] == records["expired"].public_until.isoformat()
    assert events[("penalty", str(records["expired"].pk))].department_id == records["expired"].department_id

    p = Penalty.objects.get(pk=records["expired"].pk)
    assert p.expiry_emitted_at == now and p.state == RecordState.PUBLISHED and p.display_status() == "expired"
    assert License.objects.get(pk=records["licence"].pk).expiry_emitted_at == now
    for key in ("current", "withdrawn", "draft"):
        assert type(records[key]).objects.get(pk=records[key].pk).expiry_emitted_at is None

    # idempotent: again (later the same day, or the next day) emits nothing
    assert sweeps.run(now=now + timedelta(hours=1), stdout=io.StringIO()) == {"公示期满事件": 0}
    assert sweeps.run(now=now + timedelta(days=1), stdout=io.StringIO()) == {"公示期满事件": 0}
    assert _expired_events().count() == 2
    assert Penalty.objects.get(pk=records["expired"].pk).expiry_emitted_at == now


def test_window_ending_later_is_emitted_when_it_ends(records):
    current = records["current"]
    sweeps.run(now=clock.now(), stdout=io.StringIO())
    assert not _expired_events().filter(aggregate_id=str(current.pk)).exists()
    day_after = clock.now() + timedelta(days=(current.public_until - clock.today()).days + 1)
    assert sweeps.run(now=day_after, stdout=io.StringIO()) == {"公示期满事件": 1}
    assert _expired_events().filter(aggregate_id=str(current.pk)).count() == 1


def test_window_reopened_by_a_correction_is_announced_again_when_it_ends(records, scj_clerk, lixia):
    """A licence re-imported with a later 有效期至 is back on the portal; when the new window ends,
    consumers hear ``record.expired`` again (the first one was about the old end)."""
    licence = records["licence"]
    sweeps.run(now=clock.now(), stdout=io.StringIO())
    assert License.objects.get(pk=licence.pk).expiry_emitted_at is not None
    today = clock.today()
    new_end = today + timedelta(days=30)
    row = license_row(
        random.Random(5), lixia["scjgj"], n=5, decided=licence.decision_date, XK_YXQZI=new_end.isoformat()
    )
    again = _save(scj_clerk, "license", row)
    assert again.pk == licence.pk and again.public_until == new_end and again.expiry_emitted_at is None
    assert sweeps.run(now=clock.now(), stdout=io.StringIO()) == {"公示期满事件": 0}
    later = clock.now() + timedelta(days=31)
    assert sweeps.run(now=later, stdout=io.StringIO()) == {"公示期满事件": 1}
    assert _expired_events().filter(aggregate_type="license", aggregate_id=str(licence.pk)).count() == 2


def test_sweep_command_runs_records(records):
    out = io.StringIO()
    call_command("sweep", stdout=out)
    call_command("sweep", stdout=out)
    assert "records: 公示期满事件 2" in out.getvalue() and "records: 公示期满事件 0" in out.getvalue()
    assert _expired_events().count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_emit_once(records):
    """Two sweeps at the same moment (real transactions): skip_locked splits the work, no duplicates."""
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = sweeps.run(now=clock.now(), stdout=io.StringIO())["公示期满事件"]
        except Exception as exc:  # noqa: BLE001 - asserted below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) in ([0, 2], [1, 1])
    assert _expired_events().count() == 2
