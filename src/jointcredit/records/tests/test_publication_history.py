"""Publication status history of 双公示 records (ADR 0036): every step written by the services and
the bulk paths (file import, re-import, sweep), backfilled for old records, shown to staff (page,
GET /records/{kind}/{id}/history) and in part to the public; the subject section as of a date."""

from __future__ import annotations

import importlib
import io
import random
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from jointcredit.common import clock
from jointcredit.records import sweeps
from jointcredit.records.models import Penalty, RecordPublicationChange
from jointcredit.records.samples import PENALTY_HEADER, csv_bytes, penalty_row
from jointcredit.records.selectors import record_publication_timeline
from jointcredit.records.services import (
    record_publication_end,
    record_publish,
    record_save,
    record_withdraw,
    records_import,
)
from jointcredit.subjects.extensions import subject_sections
from jointcredit.subjects.models import Subject

pytestmark = pytest.mark.django_db
GENERAL: dict[str, Any] = {"CF_CFLB": "罚款", "CF_NR_FK": "2", "CF_NR": "罚款人民币贰万元"}


def _steps(record) -> list[tuple]:
    return [
        (c.event, c.state_before, c.state_after, c.effective_on)
        for c in RecordPublicationChange.objects.filter(record_type="penalty", record_id=record.pk).order_by(
            "recorded_at", "pk"
        )
    ]


def _row(dept, n: int, decided: date, **kw) -> dict:
    return penalty_row(random.Random(n), dept, n=n, decided=decided, **GENERAL, **kw)


def _save(clerk, row, draft=False) -> Penalty:
    record, _ = record_save(actor=clerk, record_type="penalty", data=row, hold_as_draft=draft)
    return Penalty.objects.get(pk=record.pk)


def _travel(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


def test_service_steps_with_states_actor_reason_and_valid_time(lixia, scj_clerk):
    today = clock.today()
    dept = lixia["scjgj"]
    draft = _save(scj_clerk, _row(dept, 1, today - timedelta(days=5)), draft=True)
    record_publish(actor=scj_clerk, record=draft)
    record_withdraw(actor=scj_clerk, record=draft, reason="原处罚决定被行政复议撤销")
    assert _steps(draft) == [
        ("drafted", "", "draft", today),
        ("published", "draft", "published", today),
        ("withdrawn", "published", "withdrawn", today),
    ]
    withdrawn = RecordPublicationChange.objects.get(record_id=draft.pk, event="withdrawn")
    assert withdrawn.reason == "原处罚决定被行政复议撤销" and withdrawn.actor == scj_clerk
    assert withdrawn.actor_name == str(scj_clerk) and not withdrawn.backfilled

    repaired = _save(scj_clerk, _row(dept, 2, today - timedelta(days=5)))
    record_publication_end(
        actor=scj_clerk, record=repaired, reason="repaired", note="修复决定书 济历修〔2026〕3号"
    )
    ended = RecordPublicationChange.objects.get(record_id=repaired.pk, event="publication_ended")
    # Off the portal from today: the window now ended yesterday.
    assert (ended.state_before, ended.state_after, ended.effective_on) == ("published", "published", today)
    assert ended.reason == "信用修复；修复决定书 济历修〔2026〕3号"


def test_import_writes_one_step_per_new_record_and_reimport_its_changes(lixia, scj_clerk):
    today = clock.today()
    dept = lixia["scjgj"]
    rows = [_row(dept, n, today - timedelta(days=3)) for n in range(1, 41)]
    rows[39]["CF_ZT"] = "2"  # born withdrawn (无效)
    rows[39]["BZ"] = "决定已撤销"
    data = csv_bytes(rows, PENALTY_HEADER)
    batch = records_import(
        actor=scj_clerk, record_type="penalty", department=dept, fileobj=io.BytesIO(data), name="p.csv"
    )
    ids = list(Penalty.objects.order_by("pk").values_list("pk", flat=True))
    changes = RecordPublicationChange.objects.filter(record_type="penalty")
    assert changes.count() == 40 and set(changes.values_list("record_id", flat=True)) == set(ids)
    assert changes.filter(event="published", state_before="", state_after="published").count() == 39
    born_withdrawn = changes.get(event="withdrawn")
    assert born_withdrawn.reason == "决定已撤销" and born_withdrawn.state_after == "withdrawn"
    first = changes.filter(event="published").first()
    assert (
        first.reason == f"导入批次 #{batch.pk}" and first.actor == scj_clerk and first.effective_on == today
    )

    # Re-import: a changed published row is a correction, a row now 无效 a withdrawal, the rest nothing.
    rows[0]["CF_NR"] = "罚款人民币叁万元"
    rows[0]["CF_NR_FK"] = "3"
    rows[1]["CF_ZT"] = "2"
    rows[1]["BZ"] = "决定已撤销"
    records_import(
        actor=scj_clerk,
        record_type="penalty",
        department=dept,
        fileobj=io.BytesIO(csv_bytes(rows, PENALTY_HEADER)),
        name="p2.csv",
    )
    assert changes.count() == 42
    corrected = changes.get(event="corrected")
    assert corrected.record_id == ids[0] and "处罚内容" in corrected.reason
    assert changes.filter(event="withdrawn", state_before="published").count() == 1


def test_sweep_records_expiry_and_reads_derive_it_before(lixia, scj_clerk):
    today = clock.today()
    old = _save(scj_clerk, _row(lixia["scjgj"], 1, today - timedelta(days=400)))
    assert old.public_until < today
    derived = record_publication_timeline(old)[-1]
    assert derived["event"] == "expired" and derived["derived"] and derived["recorded_at"] is None
    sweeps.run(now=clock.now(), stdout=io.StringIO())
    assert _steps(old)[-1] == ("expired", "published", "published", old.public_until + timedelta(days=1))
    timeline = record_publication_timeline(old)
    assert [s["event"] for s in timeline] == ["published", "expired"] and not timeline[-1]["derived"]
    assert timeline[-1]["actor"] == "系统"


def test_history_api_staff_page_and_public_part(lixia, scj_clerk, api_client_for):
    today = clock.today()
    record = _save(scj_clerk, _row(lixia["scjgj"], 1, today - timedelta(days=2)), draft=True)
    record_publish(actor=scj_clerk, record=record)
    api = api_client_for(scj_clerk)
    body = api.get(f"/api/v1/records/penalties/{record.pk}/history").json()
    assert [(s["event"], s["state_after_label"]) for s in body] == [
        ("drafted", "草稿（暂不公示）"),
        ("published", "已公示"),
    ]
    assert body[1]["actor"] == str(scj_clerk) and body[1]["effective_on"] == today.isoformat()
    assert api.get("/api/v1/records/penalties/999999/history").status_code == 404
    assert Client().get(f"/api/v1/records/penalties/{record.pk}/history").status_code == 401
    staff = Client()
    staff.force_login(scj_clerk)
    html = staff.get(f"/staff/records/penalty/{record.pk}/").content.decode()
    assert "状态历史" in html and "草稿（暂不公示） → 已公示" in html
    public = Client().get(reverse("records_public_detail", args=["penalty", record.pk])).content.decode()
    assert "公示记录" in public and f"{today:%Y-%m-%d} 公示" in public
    assert "暂存草稿" not in public and str(scj_clerk) not in public


def test_subject_section_as_of_a_date(lixia, scj_clerk, time_machine):
    today = clock.today()
    dept = lixia["scjgj"]
    decided = today - timedelta(days=60)
    _travel(time_machine, today - timedelta(days=30))
    ended_later = _save(scj_clerk, _row(dept, 1, decided))
    withdrawn_later = _save(
        scj_clerk, _row(dept, 2, decided, CF_XDR_SHXYM=ended_later.uscc, CF_XDR_MC=ended_later.subject_name)
    )
    ended_before = _save(
        scj_clerk, _row(dept, 3, decided, CF_XDR_SHXYM=ended_later.uscc, CF_XDR_MC=ended_later.subject_name)
    )
    _travel(time_machine, today - timedelta(days=20))
    record_publication_end(actor=scj_clerk, record=ended_before, reason="repaired")
    _travel(time_machine, today - timedelta(days=10))
    published_after = _save(
        scj_clerk, _row(dept, 4, decided, CF_XDR_SHXYM=ended_later.uscc, CF_XDR_MC=ended_later.subject_name)
    )
    _travel(time_machine, today - timedelta(days=5))
    record_publication_end(actor=scj_clerk, record=ended_later, reason="repaired")
    record_withdraw(actor=scj_clerk, record=withdrawn_later, reason="原处罚决定被撤销")
    _travel(time_machine, today)
    subject = Subject.objects.get(pk=ended_later.subject_id)

    def on(day, public=False):
        items = subject_sections(subject, public=public, on=day)["records"]
        return {i["doc_no"]: i.get("withdrawn_later") for i in items}

    # D = 15 days ago: ended before D → absent; published after D → absent; ended or withdrawn
    # after D → present, the withdrawn one flagged.
    d = today - timedelta(days=15)
    assert on(d) == {ended_later.doc_no: False, withdrawn_later.doc_no: True}
    assert on(d, public=True) == on(d)
    assert on(today - timedelta(days=25)) == {
        ended_later.doc_no: False,
        withdrawn_later.doc_no: True,
        ended_before.doc_no: False,
    }
    assert set(on(today - timedelta(days=1))) == {published_after.doc_no}
    assert on(today - timedelta(days=31)) == {}


def test_backfill_from_field_history_and_timestamps(lixia, scj_clerk):
    today = clock.today()
    dept = lixia["scjgj"]
    draft = _save(scj_clerk, _row(dept, 1, today - timedelta(days=5)), draft=True)
    record_publish(actor=scj_clerk, record=draft)
    record_withdraw(actor=scj_clerk, record=draft, reason="原处罚决定被撤销")
    imported = _save(scj_clerk, _row(dept, 2, today - timedelta(days=400)))
    sweeps.run(now=clock.now(), stdout=io.StringIO())
    written = {r.pk: _steps(r) for r in (draft, imported)}
    RecordPublicationChange.objects.all().delete()
    migration = importlib.import_module(
        "jointcredit.records.migrations.0006_backfill_publication_status_history"
    )
    migration.backfill(apps, None)
    assert {r.pk: _steps(r) for r in (draft, imported)} == written
    assert all(c.backfilled for c in RecordPublicationChange.objects.all())
    assert RecordPublicationChange.objects.get(record_id=draft.pk, event="withdrawn").actor == scj_clerk
    n = RecordPublicationChange.objects.count()
    migration.backfill(apps, None)  # idempotent
    assert RecordPublicationChange.objects.count() == n
