"""The set-based write path of an import (ADR 0008): events, ids, reference checks."""

import io
import uuid

import polars as pl
import pytest

from jointcredit.common import clock
from jointcredit.exchange import outbox
from jointcredit.exchange.models import OutboxEvent
from jointcredit.records import importer
from jointcredit.records.models import Penalty
from jointcredit.records.services import records_import
from jointcredit.subjects.tests.factories import CompanyFactory

from .factories import csv_bytes, penalty_row

pytestmark = pytest.mark.django_db


def test_bulk_events_one_per_record_same_payload_and_time_ordered_ids(scj_clerk, lixia, rrng):
    dept = lixia["scjgj"]
    rows = [penalty_row(rrng, dept, n=i) for i in range(1, 13)] + [penalty_row(rrng, dept, n=13, person=True)]
    data = csv_bytes(rows)
    batch = records_import(
        actor=scj_clerk,
        record_type="penalty",
        department=dept,
        fileobj=io.BytesIO(data),
        name="p.csv",
        size=len(data),
    )
    records = {str(p.pk): p for p in Penalty.objects.filter(batch=batch).select_related("subject")}
    events = list(OutboxEvent.objects.filter(kind="record.published", aggregate_type="penalty"))
    assert len(events) == len(records) == 13
    assert {e.aggregate_id for e in events} == set(records)
    for e in events:
        p = records[e.aggregate_id]
        assert e.department_id == dept.pk and e.position is None and e.list_type_code == ""
        # The keys and values services._emit gives a single published record, plus the batch.
        assert e.payload == {
            "record_type": "penalty",
            "record_type_label": "行政处罚",
            "id": p.pk,
            "department_id": dept.pk,
            "doc_no": p.doc_no,
            "subject_identifier": p.subject.identifier,
            "subject_name": p.subject_name,
            "subject_kind": p.subject_kind,
            "decision_date": p.decision_date.isoformat(),
            "state": "published",
            "public_until": p.public_until.isoformat(),
            "version": 1,
            "batch_id": batch.pk,
        }
        assert uuid.UUID(str(e.id)).version == 7 and uuid.UUID(str(e.id)).variant == uuid.RFC_4122
    # Time-ordered ids: event id order is record id order (the outbox indexes grow at the right edge).
    by_event = [e.aggregate_id for e in sorted(events, key=lambda e: str(e.id))]
    assert by_event == sorted(records, key=int)
    assert len({e.id for e in events}) == 13


def test_event_ids_of_two_batches_never_collide():

    now = clock.now()
    frame = pl.DataFrame({"id": list(range(1, 2001))})
    a = frame.select(outbox._event_id_expr(pl.col("id"), now)).to_series().to_list()
    b = frame.select(outbox._event_id_expr(pl.col("id"), now)).to_series().to_list()
    assert len(set(a) | set(b)) == 4000
    assert all(len(x) == 32 and uuid.UUID(x).version == 7 for x in a)
    assert a == sorted(a)


def test_reference_check_refuses_unknown_subject_or_department(lixia):
    frame = pl.DataFrame({"subject_id": [987654321], "department_id": [lixia["scjgj"].pk]})
    with pytest.raises(RuntimeError, match="主体"):
        importer._check_references(frame)
    company = CompanyFactory()
    importer._check_references(
        pl.DataFrame({"subject_id": [company.pk], "department_id": [lixia["scjgj"].pk]})
    )
    with pytest.raises(RuntimeError, match="部门"):
        importer._check_references(pl.DataFrame({"subject_id": [company.pk], "department_id": [987654321]}))


def test_existing_numbers_found_by_reading_the_department_or_probing_the_file(
    scj_clerk, lixia, rrng, user_factory
):
    """``importer._existing`` reads a department whole when it holds fewer records than the file
    has rows, and probes the file's 文书号 otherwise; both must find exactly the department's own."""
    from jointcredit.accounts.models import Role
    from jointcredit.records.services import record_save

    dept, other = lixia["scjgj"], lixia["swj"]
    first = [penalty_row(rrng, dept, n=i) for i in range(1, 4)]
    data = csv_bytes(first)
    records_import(
        actor=scj_clerk,
        record_type="penalty",
        department=dept,
        fileobj=io.BytesIO(data),
        name="a.csv",
        size=len(data),
    )
    # The same 文书号 in another department is another record and must never be matched.
    swj_clerk = user_factory(other, roles=[Role.CLERK], username="swj_clerk")
    foreign, _ = record_save(
        actor=swj_clerk, record_type="penalty", data=penalty_row(rrng, other, n=9, CF_WSH=first[1]["CF_WSH"])
    )
    assert foreign.department_id == other.pk
    frame = pl.DataFrame({"doc_no": [r["CF_WSH"] for r in first] + ["济历没有这个号"]})
    stored = dict(Penalty.objects.filter(department=dept).values_list("doc_no", "id"))
    assert len(stored) == 3
    # 3 stored < 4 numbers in the file: the department is read whole.
    found = importer._existing(Penalty, frame, [dept.pk])
    assert dict(found.select("doc_no", "_id").rows()) == stored
    # 3 stored ≥ 2 numbers in the file: the numbers are probed.
    found = importer._existing(Penalty, frame.head(2), [dept.pk])
    assert dict(found.select("doc_no", "_id").rows()) == {
        k: stored[k] for k in frame.head(2).get_column("doc_no")
    }
    # Two departments at once (an office acting for others): each record under its own department.
    both = importer._existing(Penalty, frame, [dept.pk, other.pk])
    assert sorted(both.rows()) == sorted(
        [(dept.pk, k, v) for k, v in stored.items()] + [(other.pk, foreign.doc_no, foreign.pk)]
    )
    # Re-importing a larger file that repeats them: 3 unchanged, 2 new, the other department untouched.
    more = first + [penalty_row(rrng, dept, n=i) for i in (4, 5)]
    data = csv_bytes(more)
    batch = records_import(
        actor=scj_clerk,
        record_type="penalty",
        department=dept,
        fileobj=io.BytesIO(data),
        name="b.csv",
        size=len(data),
    )
    assert (batch.created_count, batch.unchanged_count, batch.updated_count) == (2, 3, 0)
    foreign.refresh_from_db()
    assert foreign.version == 1 and foreign.department_id == other.pk
