"""Issue #18 §1, §2, §6 leftovers (ADR 0044): what the check says about upstream entries, feedback
going up, upstream ends of 双公示 publications, reconciliation of records, the batch apply path."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.urls import reverse

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.casework.models import SyncReceipt
from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.exchange.dispatcher import dispatch_all
from jointcredit.exchange.models import Delivery, DeliveryStatus, OutboxEvent, Push, Subscription
from jointcredit.exchange.sequencer import sequence_all
from jointcredit.exchange.services import feedback_create
from jointcredit.lists import services as list_services
from jointcredit.lists.models import EntryState, ListType, RemovalReason
from jointcredit.measures.screening import hit_targets_build
from jointcredit.platforms import exchange_db, formats, services
from jointcredit.platforms.models import InboundItem, OutgoingItem, OutgoingState
from jointcredit.platforms.reconciliation import reconciliation_run
from jointcredit.records.models import Penalty, RecordPublicationChange, RecordState
from jointcredit.records.samples import penalty_row
from jointcredit.records.services import record_save
from jointcredit.subjects.generators import uscc
from jointcredit.subjects.tests.factories import CompanyFactory

from .conftest import EXCHANGE
from .test_exchange import _issue

pytestmark = pytest.mark.django_db(databases=EXCHANGE)
JINAN = "济南市发展和改革委员会"


def test_the_check_names_the_authority_of_an_upstream_hit_not_the_receiving_department(
    platform, platform_simulator, company, api_client_for, fgj_clerk, client
):
    key = _issue(platform_simulator, company)
    services.platform_exchange(platform=platform)
    entry = InboundItem.objects.get(item_key=key).entry
    hits = (
        api_client_for(fgj_clerk)
        .get("/api/v1/check", {"identifier": company.identifier, "scenario": "funding"})
        .json()["hits"]
    )
    assert hits and {h["initiating_department"] for h in hits} == {JINAN}
    assert all(f"认定单位：{JINAN}" in h["explanation"] for h in hits)
    # The same in screening (the set-based path) and on the workbench check page.
    target = hit_targets_build(scenario="funding", on=clock.today())[company.identifier]
    assert {h.entry.issuer_name for h in target.hits} == {JINAN}
    client.force_login(fgj_clerk)
    page = client.get("/staff/measures/check/", {"identifier": company.identifier, "scenario": "funding"})
    assert f"条目 #{entry.pk} · {JINAN}" in page.content.decode()
    # The public page of the entry names the authority as 认定单位.
    public = client.get(reverse("lists_public:detail", args=[entry.pk])).content.decode()
    assert f"认定单位：{JINAN}" in public


def test_a_district_hit_still_names_the_initiating_department(
    platform, company, api_client_for, scjgj_clerk, scjgj_approver
):
    from .test_exchange import _black_published

    _black_published(company, scjgj_clerk, scjgj_approver)
    hits = (
        api_client_for(scjgj_clerk)
        .get("/api/v1/check", {"identifier": company.identifier, "scenario": "funding"})
        .json()["hits"]
    )
    assert hits and {h["initiating_department"] for h in hits} == {"区市场监管局"}
    assert all("认定部门：区市场监管局" in h["explanation"] for h in hits)


# --- §3 the batch apply path -------------------------------------------------------------------------
def _upstream(authority, identifier, name, *, code="black_refuse_judgment", doc="（2026）鲁01执1号", **kw):
    today = clock.today()
    return list_services.UpstreamItem(
        authority=authority,
        list_type=code,
        identifier=identifier,
        name=name,
        reason="有履行能力而拒不履行生效法律文书确定的义务",
        document_no=doc,
        decided_on=kw.pop("decided_on", today - timedelta(days=3)),
        valid_until=kw.pop("valid_until", today + timedelta(days=700)),
        **kw,
    )


def _authority():
    return list_services.outside_authority_upsert(
        actor=None, code="11370100004188853W", name=JINAN, level="city", region_code="370100"
    )


def test_a_batch_applies_links_and_holds_each_item_by_the_single_item_rules(
    platform, company, scjgj_clerk, scjgj_approver, lixia, monkeypatch
):
    from .test_exchange import _black_published

    monkeypatch.setattr(list_services, "PER_ENTRY_AUDIT_MAX", 2)  # the summary-row branch (ADR 0024)
    district = _black_published(company, scjgj_clerk, scjgj_approver)
    authority = _authority()
    rng = random.Random(18)
    fresh = [uscc(rng) for _ in range(3)]
    red_first = CompanyFactory(name="济南诚信典型商贸有限公司")
    ListType.objects.get(code="red_moral_model").initiating_departments.add(lixia["scjgj"])
    red = list_services.list_entry_create(
        actor=scjgj_clerk,
        list_type="red_moral_model",
        identifier=red_first.identifier,
        name=red_first.name,
        reason="诚信道德模范",
        decided_on=clock.today() - timedelta(days=10),
    )
    red = list_services.list_entry_publish(entry=red, actor=scjgj_approver)
    bad = fresh[0][:-1] + ("0" if fresh[0][-1] != "0" else "1")
    items = [
        _upstream(authority, fresh[0], "济南甲商贸有限公司", doc="甲1"),
        _upstream(authority, bad, "济南乙商贸有限公司", doc="乙1"),  # identifier fails validation
        _upstream(authority, company.identifier, company.name, doc=district.document_no),  # district's
        _upstream(authority, fresh[0], "济南甲商贸有限公司", doc="甲1"),  # repeats item 0
        _upstream(authority, fresh[1], "济南丙商贸有限公司", doc="丙1"),
        _upstream(
            authority, fresh[1], "济南丙商贸有限公司", code="red_moral_model", doc="丙2"
        ),  # black above
        _upstream(authority, red_first.identifier, red_first.name, doc="丁1"),  # takes it off the red list
    ]
    outcomes = list_services.list_entries_receive_upstream(actor=None, department=lixia["fgj"], items=items)
    assert [o.created for o in outcomes] == [True, False, False, False, True, False, True]
    assert "主体标识" in outcomes[1].error.message or "校验" in outcomes[1].error.message
    assert outcomes[2].entry == district and outcomes[2].error is None
    assert outcomes[3].entry.pk == outcomes[0].entry.pk and outcomes[3].error is None
    assert outcomes[5].error.code == "subject_black_listed" and outcomes[5].entry is None
    created = [o.entry for o in outcomes if o.created]
    for entry in created:
        entry.refresh_from_db()
        assert entry.state == EntryState.PUBLISHED and entry.source_authority == authority
        assert entry.department == lixia["fgj"]
        assert entry.changes.filter(event="published").count() == 1
        assert (
            OutboxEvent.objects.filter(kind="list_entry.published", aggregate_id=str(entry.pk)).count() == 1
        )
    red.refresh_from_db()
    assert (red.state, red.removal_reason) == (EntryState.REMOVED, RemovalReason.SUPERSEDED)
    summary = AuditEvent.objects.get(action="list_entry.receive_upstream_batch")
    assert summary.after["count"] == 3 and sorted(summary.after["entry_ids"]) == sorted(e.pk for e in created)
    assert not AuditEvent.objects.filter(action="list_entry.receive_upstream").exists()


def test_the_single_item_service_is_a_batch_of_one(platform, company, lixia):
    authority = _authority()
    entry, created = list_services.list_entry_receive_upstream(
        actor=None,
        authority=authority,
        department=lixia["fgj"],
        list_type="black_refuse_judgment",
        identifier=company.identifier,
        name=company.name,
        reason="拒不履行",
        document_no="（2026）鲁01执2号",
        decided_on=clock.today() - timedelta(days=1),
    )
    assert created and AuditEvent.objects.filter(action="list_entry.receive_upstream").count() == 1
    again, created = list_services.list_entry_receive_upstream(
        actor=None,
        authority=authority,
        department=lixia["fgj"],
        list_type="black_refuse_judgment",
        identifier=company.identifier,
        name=company.name,
        reason="拒不履行",
        document_no="（2026）鲁01执2号",
        decided_on=clock.today() - timedelta(days=1),
    )
    assert again == entry and not created
    with pytest.raises(ValidationFailed) as error:
        list_services.list_entry_receive_upstream(
            actor=None,
            authority=authority,
            department=lixia["fgj"],
            list_type="black_refuse_judgment",
            identifier="91370102MA3XXXXXX0",
            name="济南某公司",
            reason="拒不履行",
            document_no="（2026）鲁01执3号",
            decided_on=clock.today() - timedelta(days=1),
        )
    assert error.value.details[0]["field"] == "identifier"


def test_an_entry_and_its_removal_in_one_delivery_are_applied_in_order(platform, platform_simulator, company):
    key = _issue(platform_simulator, company)
    platform_simulator.issue_end(target_key=key, kind="removal", note="认定单位撤销认定")
    result = services.platform_exchange(platform=platform)
    assert result["applied"] == 2
    entry = InboundItem.objects.get(item_key=key).entry
    assert (entry.state, entry.removal_reason) == (EntryState.REMOVED, RemovalReason.REVOKED)


# --- §1 feedback goes up -------------------------------------------------------------------------------
def _feedback_on(entry, user_factory, lixia):
    sequence_all()
    dispatch_all()
    push = Push.objects.filter(entry=entry).prefetch_related("measures").first()
    assert push is not None
    clerk = user_factory(push.department, roles=[Role.CLERK])
    measure = push.measures.filter(kind="punishment").first()
    feedback, created = feedback_create(
        actor=clerk,
        entry_id=entry.pk,
        measure=measure.code,
        result="punished",
        handled_on=clock.today(),
        matter_name="财政专项资金申报",
        matter_document_no="历财〔2026〕12号",
    )
    assert created
    return feedback


def test_feedback_goes_up_once_in_the_fk_format_with_its_receipt(
    platform, platform_simulator, company, scjgj_clerk, scjgj_approver, user_factory, lixia
):
    from .test_exchange import _black_published

    entry = _black_published(company, scjgj_clerk, scjgj_approver)
    feedback = _feedback_on(entry, user_factory, lixia)
    event = OutboxEvent.objects.get(kind="feedback.recorded", aggregate_id=str(feedback.pk))
    assert event.department_id == feedback.department_id and event.payload["entry_id"] == entry.pk
    services.platform_exchange(platform=platform)
    item = OutgoingItem.objects.get(source_key=f"feedback:{feedback.pk}")
    assert (item.item_type, item.action, item.department_id) == ("feedback", "new", feedback.department_id)
    assert item.idempotency_key == f"jinan:{event.id}"
    row = item.payload
    assert row["FK_BH"] == f"370102-FK-{feedback.pk}" and row["FK_MD_BH"] == f"370102-{entry.pk}"
    assert (row["FK_JG"], row["FK_SXMC"], row["FK_WH"]) == ("1", "财政专项资金申报", "历财〔2026〕12号")
    assert row["FK_RQ"] == clock.today().isoformat() and row["FK_BM"] == feedback.department.name
    assert platform_simulator.answer()["accepted"] >= 1
    services.platform_exchange(platform=platform)
    services.platform_exchange(platform=platform)
    item.refresh_from_db()
    assert item.state == OutgoingState.ACCEPTED
    assert OutgoingItem.objects.filter(source_key=f"feedback:{feedback.pk}").count() == 1


def test_feedback_on_an_upstream_entry_names_the_platforms_own_key(
    platform, platform_simulator, company, user_factory, lixia
):
    key = _issue(platform_simulator, company)
    services.platform_exchange(platform=platform)
    entry = InboundItem.objects.get(item_key=key).entry
    feedback = _feedback_on(entry, user_factory, lixia)
    services.platform_exchange(platform=platform)
    item = OutgoingItem.objects.get(source_key=f"feedback:{feedback.pk}")
    assert item.payload["FK_MD_BH"] == key


def test_the_platform_rejects_a_feedback_row_without_its_required_fields():
    problems = formats.row_problems(
        "feedback", {"FK_BH": "370102-FK-1", "FK_JG": "9"}, dfbm="370102", sjc="2026-12-05 10:00:00"
    )
    assert any("FK_MD_BH" in p for p in problems) and any(
        "FK_JG" in p and "1、2、3 或 4" in p for p in problems
    )


# --- §2 upstream ends of 双公示 publications; records in reconciliation ----------------------------------
def _published_penalty(lixia, clerk, *, days_ago=200, **over):
    decided = clock.today() - timedelta(days=days_ago)
    row = penalty_row(random.Random(days_ago), lixia["scjgj"], n=days_ago, decided=decided, **over)
    record, _ = record_save(actor=clerk, record_type="penalty", data=row)
    record = Penalty.objects.get(pk=record.pk)
    assert record.state == RecordState.PUBLISHED
    return record


def _received_by(record, department):
    """A cooperating department that was sent the record's events (its webhook subscription)."""
    sub = Subscription.objects.create(
        department=department, name="业务系统", url="https://hooks.example.com/jc", secret="s" * 32
    )
    event = OutboxEvent.objects.filter(aggregate_type="penalty", aggregate_id=str(record.pk)).first()
    now = clock.now()
    Delivery.objects.create(
        event=event, subscription=sub, status=DeliveryStatus.DELIVERED, next_attempt_at=now, horizon_start=now
    )


def test_a_repair_approved_on_xinyong_china_ends_the_penalty_publication_as_a_local_repair(
    platform, platform_simulator, scjgj_clerk, lixia
):
    general = {"CF_CFLB": "罚款", "CF_NR_FK": "2", "CF_NR": "罚款人民币贰万元"}
    penalty = _published_penalty(lixia, scjgj_clerk, **general)
    _received_by(penalty, lixia["czj"])
    key = platform_simulator.issue_record_end(
        record_type="penalty", document_no=penalty.doc_no, kind="repair", note="信用中国网站准予信用修复"
    )
    result = services.platform_exchange(platform=platform)
    assert result["applied"] == 1, result
    penalty.refresh_from_db()
    today = clock.today()
    assert penalty.public_until < today and penalty.publication_end_reason == "repaired"
    assert penalty.display_status(today) == "repaired"
    change = RecordPublicationChange.objects.filter(record_type="penalty", record_id=penalty.pk).last()
    assert change.event == "publication_ended" and "济南市发展和改革委员会信用修复" in change.reason
    kinds = set(
        OutboxEvent.objects.filter(aggregate_type="penalty", aggregate_id=str(penalty.pk)).values_list(
            "kind", flat=True
        )
    )
    assert {"record.changed", "record.expired"} <= kinds
    item = InboundItem.objects.get(item_key=key)
    assert (item.state, item.record_type, item.record_id) == ("applied", "penalty", penalty.pk)
    receipt = SyncReceipt.objects.get(source_type="platform", source_id=item.pk)
    assert receipt.department == lixia["czj"] and receipt.target_id == penalty.pk
    # Delivered twice: applied once.
    services.platform_exchange(platform=platform)
    assert (
        RecordPublicationChange.objects.filter(record_id=penalty.pk, event="publication_ended").count() == 1
    )


def test_an_upstream_revocation_withdraws_the_record_and_an_unknown_number_is_held(
    platform, platform_simulator, scjgj_clerk, lixia
):
    penalty = _published_penalty(lixia, scjgj_clerk)
    platform_simulator.issue_record_end(
        record_type="penalty", document_no=penalty.doc_no, kind="removal", note="行政复议撤销"
    )
    missing = platform_simulator.issue_record_end(record_type="penalty", document_no="历不存在〔2026〕1号")
    services.platform_exchange(platform=platform)
    penalty.refresh_from_db()
    assert penalty.state == RecordState.WITHDRAWN and "行政复议撤销" in penalty.withdraw_reason
    assert OutboxEvent.objects.filter(kind="record.withdrawn", aggregate_id=str(penalty.pk)).count() == 1
    held = InboundItem.objects.get(item_key=missing)
    assert held.state == "held" and "历不存在〔2026〕1号" in held.reason and held.pk is not None


def test_reconciliation_covers_records_by_counts_and_digests(
    platform, platform_simulator, scjgj_clerk, lixia
):
    first = _published_penalty(lixia, scjgj_clerk, days_ago=100)
    second = _published_penalty(lixia, scjgj_clerk, days_ago=150)
    services.platform_exchange(platform=platform)
    platform_simulator.answer()
    services.platform_exchange(platform=platform)
    report = reconciliation_run(platform=platform)
    assert (report.district_record_count, report.platform_record_count) == (2, 2) and report.lines == []
    # The platform's copy of one record differs; the other is withdrawn here without the platform knowing.
    exchange_db.holdings_put(platform.code, [(f"penalty:{first.pk}", exchange_db.HOLDING_DISTRICT, "0" * 64)])
    Penalty.objects.filter(pk=second.pk).update(state=RecordState.WITHDRAWN)
    report = reconciliation_run(platform=platform)
    problems = {(line["key"], line["problem"]) for line in report.lines}
    assert problems == {(f"penalty:{first.pk}", "different"), (f"penalty:{second.pk}", "missing_down")}
    assert all(line["action"] for line in report.lines)
