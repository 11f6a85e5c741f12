"""The feed: positions assigned after commit by the single sequencer (ADR 0004)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from jointcredit.testing import postgres_only

from ..models import OutboxEvent
from ..outbox import event_emit
from ..sequencer import sequence_all, sequence_step

pytestmark = pytest.mark.django_db


def _emit(n: int, kind: str = "record.published", start: int = 0) -> list[str]:
    ids = []
    with transaction.atomic():
        for i in range(start, start + n):
            ids.append(
                str(
                    event_emit(
                        kind=kind,
                        aggregate_type="record",
                        aggregate_id=i,
                        data={"record_id": i, "CF_WSH": f"历市监罚〔2026〕{i}号"},
                    ).id
                )
            )
    return ids


@pytest.mark.django_db(transaction=True)
def test_event_emit_requires_a_transaction():
    with pytest.raises(RuntimeError, match="事务"):
        event_emit(kind="record.published", aggregate_type="record", aggregate_id=1, data={})


def test_sequencer_numbers_committed_rows_consecutively(office_admin):
    ids = _emit(5)
    assert OutboxEvent.objects.filter(position__isnull=True).count() == 5
    assert sequence_step(limit=3) == 3
    assert sequence_all() == 2
    assert sequence_all() == 0
    rows = list(OutboxEvent.objects.order_by("position"))
    assert [r.position for r in rows] == [1, 2, 3, 4, 5]
    assert [str(r.id) for r in rows] == sorted(ids, key=lambda i: [str(r.id) for r in rows].index(i))
    assert all(r.sequenced_at for r in rows)


def test_feed_api_pages_by_position_and_validates(office_admin, api_client_for):
    ids = _emit(7)
    client = api_client_for(office_admin)
    seen, after = [], 0
    while True:
        body = client.get("/api/v1/feed", {"after": after, "limit": 3}).json()
        if not body["events"]:
            assert body["next_after"] == after
            break
        seen += body["events"]
        after = body["next_after"]
    assert sorted(e["id"] for e in seen) == sorted(ids)
    assert [e["position"] for e in seen] == list(range(1, 8))
    first = seen[0]
    assert first["type"] == "record.published" and first["data"]["CF_WSH"].startswith("历市监罚")
    assert set(first) == {"position", "id", "type", "occurred_at", "data"}
    bad = client.get("/api/v1/feed", {"limit": 5000})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "limit"
    assert client.get("/api/v1/feed", {"after": -1}).status_code == 422
    assert api_client_for(None).get("/api/v1/feed").status_code == 401


def test_rolled_back_events_never_reach_the_feed(office_admin, api_client_for):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        event_emit(kind="record.published", aggregate_type="record", aggregate_id=1, data={})
        1 / 0  # noqa: B018 - the business change fails after emitting
    _emit(1, start=2)
    events = api_client_for(office_admin).get("/api/v1/feed").json()["events"]
    assert [e["data"]["record_id"] for e in events] == [2]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_scrambled_commits_reader_sees_each_event_once_in_order(
    office_admin, api_client_for
):
    """Writers commit in an order different from the order they wrote their events, while a reader
    polls the HTTP feed. A naive auto-increment feed would skip the late committer; ours must not."""
    client = api_client_for(office_admin)
    writers, per_writer = 4, 15
    emitted: list[str] = []
    emitted_lock = threading.Lock()
    done = threading.Event()
    # Deterministic scramble for the first round: writer 0 writes first but commits last.
    first_written = threading.Event()
    others_committed = threading.Barrier(writers)
    errors: list[BaseException] = []

    def writer(w: int):
        try:
            for k in range(per_writer):
                with transaction.atomic():
                    if k == 0 and w != 0:
                        first_written.wait(30)
                    ev = event_emit(
                        kind="list_entry.changed",
                        aggregate_type="list_entry",
                        aggregate_id=w * 1000 + k,
                        data={"writer": w, "k": k},
                    )
                    if k == 0 and w == 0:
                        first_written.set()
                    if k == 0 and w == 0:
                        others_committed.wait(30)  # hold the transaction open until the others committed
                    # Interleave: yield inside the transaction so commits overtake each other.
                    with connection.cursor() as c:
                        c.execute("SELECT pg_sleep(%s)", [((w * 7 + k * 3) % 5) / 1000])
                with emitted_lock:
                    emitted.append(str(ev.id))
                if k == 0 and w != 0:
                    # Number the committed first-round events now, while writer 0 still holds its
                    # transaction open: otherwise, on a loaded machine, the reader may not poll in
                    # between and one later step would number all of them by occurred_at.
                    sequence_all()
                    others_committed.wait(30)
        except BaseException as exc:  # noqa: BLE001 - surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    seen: list[dict] = []

    def reader():
        after = 0
        try:
            while True:
                finished = done.is_set()
                body = client.get("/api/v1/feed", {"after": after, "limit": 7}).json()
                seen.extend(body["events"])
                after = body["next_after"]
                if finished and not body["events"]:
                    break
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    read_thread = threading.Thread(target=reader)
    read_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    read_thread.join(60)
    assert not errors, errors
    ids = [e["id"] for e in seen]
    assert len(emitted) == writers * per_writer
    assert sorted(ids) == sorted(emitted)  # every event, none twice
    assert [e["position"] for e in seen] == list(range(1, len(emitted) + 1))  # in order, no gaps
    # The scramble really happened: writer 0's first event was written first but committed last
    # among the first round, so it was numbered after events written later.
    first = next(e for e in seen if e["data"] == {"writer": 0, "k": 0})
    assert any(e["position"] < first["position"] and e["data"]["k"] == 0 for e in seen)


def test_bulk_emit_writes_the_same_events_as_event_emit(office_admin, api_client_for, lixia):
    from datetime import date
    from decimal import Decimal

    from ..outbox import events_emit_bulk

    data = {"record_id": 1, "decided_on": date(2026, 11, 20), "amount": Decimal("0.50"), "名称": "某公司"}
    with transaction.atomic():
        single = event_emit(
            kind="record.published",
            aggregate_type="record",
            aggregate_id=1,
            data=data,
            department=lixia["scjgj"],
            list_type_code="",
        )
        assert (
            events_emit_bulk(
                [
                    {
                        "kind": "record.published",
                        "aggregate_type": "record",
                        "aggregate_id": 1,
                        "data": data,
                        "department": lixia["scjgj"],
                    },
                    {
                        "kind": "list_entry.changed",
                        "aggregate_type": "list_entry",
                        "aggregate_id": 9,
                        "data": {"entry_id": 9},
                        "department_id": lixia["xzsp"].pk,
                        "list_type_code": "food-safety-black",
                    },
                ]
            )
            == 2
        )
        assert events_emit_bulk([]) == 0
    events = api_client_for(office_admin).get("/api/v1/feed").json()["events"]
    assert [e["position"] for e in events] == [1, 2, 3]
    by_type = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e)
    first, bulk = by_type["record.published"]
    assert first["id"] == str(single.id) and first["data"] == bulk["data"]  # same JSON payload either way
    changed = OutboxEvent.objects.get(kind="list_entry.changed")
    assert (changed.department_id, changed.list_type_code, changed.aggregate_id) == (
        lixia["xzsp"].pk,
        "food-safety-black",
        "9",
    )
    assert OutboxEvent.objects.get(pk=bulk["id"]).department_id == lixia["scjgj"].pk
