"""The district's node against the platform simulator over the real exchange database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connections

from jointcredit.common import clock
from jointcredit.exchange.dispatcher import dispatch_all
from jointcredit.exchange.models import OutboxEvent, Push
from jointcredit.exchange.sequencer import sequence_all
from jointcredit.lists import services as list_services
from jointcredit.lists.models import EntryState, ListEntry, RemovalReason
from jointcredit.platforms import exchange_db, services
from jointcredit.platforms.models import InboundItem, InboundState, OutgoingItem, OutgoingState
from jointcredit.platforms.reconciliation import reconciliation_run
from jointcredit.subjects.tests.factories import CompanyFactory

from .conftest import EXCHANGE

pytestmark = pytest.mark.django_db(databases=EXCHANGE)


def _issue(sim, subject, *, code="SXBZXR", doc="（2026）鲁0102执88号", identifier=None, **kw):
    today = clock.today()
    return sim.issue_entry(
        list_code=code,
        identifier=identifier or subject.identifier,
        name=subject.name,
        subject_kind_label="法人及非法人组织",
        document_no=doc,
        decided_on=kw.pop("decided_on", today - timedelta(days=3)),
        valid_until=kw.pop("valid_until", today + timedelta(days=700)),
        reason="有履行能力而拒不履行生效法律文书确定的义务",
        **kw,
    )


def _black_published(subject, clerk, approver):
    entry = list_services.list_entry_create(
        actor=clerk,
        list_type="black_refuse_judgment",
        identifier=subject.identifier,
        name=subject.name,
        reason="拒不履行行政处罚决定",
        legal_basis="《中华人民共和国行政处罚法》第七十二条",
        document_no="历市监罚〔2026〕7号",
    )
    entry = list_services.list_entry_notify(
        entry=entry, actor=clerk, notified_on=clock.today() - timedelta(days=30)
    )
    entry = list_services.list_entry_decide(entry=entry, actor=approver)
    return list_services.list_entry_publish(entry=entry, actor=approver)


def test_upstream_entry_enters_published_with_its_authority_and_bites_in_the_check(
    platform, platform_simulator, company, api_client_for, fgj_clerk
):
    key = _issue(platform_simulator, company)
    result = services.platform_exchange(platform=platform)
    assert result["applied"] == 1
    item = InboundItem.objects.get(item_key=key)
    entry = item.entry
    assert entry.state == EntryState.PUBLISHED and entry.list_type.code == "black_refuse_judgment"
    assert entry.source_authority.name == "济南市发展和改革委员会"
    assert entry.issuer_name == "济南市发展和改革委员会" and entry.department == platform.receiving_department
    assert entry.changes.filter(event="published").count() == 1
    event = OutboxEvent.objects.get(kind="list_entry.published", aggregate_id=str(entry.pk))
    assert event.payload["source_authority_name"] == "济南市发展和改革委员会"
    hits = api_client_for(fgj_clerk).get(
        "/api/v1/check", {"identifier": company.identifier, "scenario": "funding"}
    )
    assert {h["entry_id"] for h in hits.json()["hits"]} == {entry.pk}
    assert platform_simulator.status_of(key) == [(exchange_db.IN_APPLIED, "")]
    # Pushed to the cooperating departments like a district entry (not to the recording department).
    sequence_all()
    dispatch_all()
    pushed = set(Push.objects.filter(entry=entry).values_list("department__code", flat=True))
    assert pushed and platform.receiving_department.code not in pushed
    # Upstream entries are not reported back up to the platform that issued them.
    assert not OutgoingItem.objects.filter(source_key=f"list_entry:{entry.pk}").exists()


def test_a_duplicated_delivery_is_applied_once(platform, platform_simulator, company):
    platform_simulator.duplicate = True
    key = _issue(platform_simulator, company)
    result = services.platform_exchange(platform=platform)
    assert (result["applied"], result["duplicate"]) == (1, 1)
    assert ListEntry.objects.filter(subject=company).count() == 1
    assert InboundItem.objects.filter(item_key=key).count() == 1
    assert platform_simulator.status_of(key) == [(exchange_db.IN_APPLIED, "")] * 2


def test_an_upstream_copy_of_a_district_entry_is_linked_not_doubled(
    platform, platform_simulator, company, scjgj_clerk, scjgj_approver
):
    district = _black_published(company, scjgj_clerk, scjgj_approver)
    key = _issue(platform_simulator, company, doc=district.document_no)
    services.platform_exchange(platform=platform)
    item = InboundItem.objects.get(item_key=key)
    assert item.state == InboundState.LINKED and item.entry == district
    assert ListEntry.objects.filter(subject=company).count() == 1


def test_an_invalid_identifier_is_held_then_corrected_and_applied_through_the_api(
    platform, platform_simulator, company, api_client_for, fgj_clerk
):
    bad = company.identifier[:-1] + ("0" if company.identifier[-1] != "0" else "1")
    key = _issue(platform_simulator, company, identifier=bad)
    services.platform_exchange(platform=platform)
    item = InboundItem.objects.get(item_key=key)
    assert item.state == InboundState.HELD and "主体标识" in item.reason and item.entry is None
    assert platform_simulator.status_of(key)[0][0] == exchange_db.IN_HELD
    api = api_client_for(fgj_clerk)
    listed = api.get("/api/v1/platforms/held-items").json()
    assert [i["item_key"] for i in listed["items"]] == [key] and listed["meta"]["total"] == 1
    response = api.post(
        f"/api/v1/platforms/held-items/{item.pk}/apply", {"corrections": {"MD_XDR_SHXYM": company.identifier}}
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "applied"
    item.refresh_from_db()
    assert item.entry.subject == company and item.handled_by == fgj_clerk
    services.platform_exchange(
        platform=platform
    )  # writes back what the clerk decided (after commit, or here)
    assert platform_simulator.status_of(key) == [(exchange_db.IN_APPLIED, "")]


def test_a_held_item_can_be_rejected_and_only_by_the_receiving_department(
    platform, platform_simulator, company, api_client_for, fgj_clerk, scjgj_clerk
):
    key = _issue(platform_simulator, company, code="UNKNOWN")
    services.platform_exchange(platform=platform)
    item = InboundItem.objects.get(item_key=key)
    assert item.state == InboundState.HELD and "MD_LX" in item.reason
    assert (
        api_client_for(scjgj_clerk)
        .post(f"/api/v1/platforms/held-items/{item.pk}/reject", {"reason": "名单类型不适用本区"})
        .status_code
        == 403
    )
    response = api_client_for(fgj_clerk).post(
        f"/api/v1/platforms/held-items/{item.pk}/reject", {"reason": "名单类型不适用本区"}
    )
    assert response.json()["state"] == "rejected"
    services.platform_exchange(platform=platform)
    assert platform_simulator.status_of(key) == [(exchange_db.IN_REJECTED, "名单类型不适用本区")]


def test_upstream_removal_and_a_repair_on_xinyong_china_end_the_entries(
    platform, platform_simulator, company, scjgj_clerk, scjgj_approver
):
    key = _issue(platform_simulator, company)
    services.platform_exchange(platform=platform)
    upstream = InboundItem.objects.get(item_key=key).entry
    other = CompanyFactory()
    district = _black_published(other, scjgj_clerk, scjgj_approver)
    platform_simulator.issue_end(target_key=key, kind="removal", note="认定单位撤销认定")
    platform_simulator.issue_end(
        target_key=f"370102-{district.pk}", kind="repair", note="信用中国网站准予修复"
    )
    services.platform_exchange(platform=platform)
    upstream.refresh_from_db()
    district.refresh_from_db()
    assert (upstream.state, upstream.removal_reason) == (EntryState.REMOVED, RemovalReason.REVOKED)
    assert (district.state, district.removal_reason) == (EntryState.REMOVED, RemovalReason.REPAIRED)
    assert "信用中国网站准予修复" in district.removal_note
    assert OutboxEvent.objects.filter(kind="list_entry.removed", aggregate_id=str(district.pk)).count() == 1


def test_district_changes_go_up_once_with_receipts(
    platform, platform_simulator, company, scjgj_clerk, scjgj_approver
):
    entry = _black_published(company, scjgj_clerk, scjgj_approver)
    services.platform_exchange(platform=platform)
    items = list(OutgoingItem.objects.filter(source_key=f"list_entry:{entry.pk}"))
    assert [(i.item_type, i.action, i.state) for i in items] == [("list_entry", "new", OutgoingState.SENT)]
    row = items[0].payload
    assert (
        row["MD_BH"] == f"370102-{entry.pk}" and row["DFBM"] == "370102" and row["MD_RDDW"] == "区市场监管局"
    )
    assert platform_simulator.answer() == {"accepted": 1, "rejected": 0}
    services.platform_exchange(platform=platform)
    services.platform_exchange(platform=platform)
    items[0].refresh_from_db()
    assert items[0].state == OutgoingState.ACCEPTED
    with connections["platform_exchange"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM xchg_outgoing WHERE source_key = %s", [f"list_entry:{entry.pk}"])
        assert cursor.fetchone()[0] == 1
    assert reconciliation_run(platform=platform).lines == []


def test_a_rejected_item_is_on_the_todo_and_goes_up_again_after_correction(
    platform, platform_simulator, types, api_client_for, user_factory, lixia
):
    from jointcredit.accounts.models import Role

    swj = user_factory(lixia["swj"], roles=[Role.CLERK, Role.APPROVER], username="swj_approver")
    company = CompanyFactory()
    entry = list_services.list_entry_create(
        actor=swj,
        list_type="red_good_rating",
        identifier=company.identifier,
        name=company.name,
        reason="纳税信用A级",
        decided_on=clock.today() - timedelta(days=5),
    )
    entry = list_services.list_entry_publish(entry=entry, actor=swj)
    services.platform_exchange(platform=platform)
    assert platform_simulator.answer() == {"accepted": 0, "rejected": 1}
    services.platform_exchange(platform=platform)
    item = OutgoingItem.objects.get(source_key=f"list_entry:{entry.pk}", action="new")
    assert item.state == OutgoingState.REJECTED and "MD_RDWSH" in item.rejection_reason
    from jointcredit.common.workbench_registry import todo_for

    assert todo_for("platforms_rejected_items", swj)["count"] == 1
    list_services.list_entry_correct(
        entry=entry, actor=swj, document_no="历税信〔2026〕3号", note="补充认定文书号"
    )
    api = api_client_for(swj)
    response = api.post(f"/api/v1/platforms/rejected-items/{item.pk}/resend", {})
    assert response.status_code == 200, response.content
    assert response.json()["idempotency_key"] == f"{item.idempotency_key}#1"
    services.platform_exchange(platform=platform)
    assert platform_simulator.answer()["accepted"] >= 1
    services.platform_exchange(platform=platform)
    again = OutgoingItem.objects.get(idempotency_key=f"{item.idempotency_key}#1")
    assert again.state == OutgoingState.ACCEPTED and again.payload["MD_RDWSH"] == "历税信〔2026〕3号"
    assert todo_for("platforms_rejected_items", swj) is None


def _exchange_tables(old: str, new: str) -> None:
    with connections["platform_exchange"].cursor() as cursor:
        cursor.execute(f"ALTER TABLE {old} RENAME TO {new}")


def test_platform_down_then_back_loses_nothing(
    platform, platform_simulator, company, scjgj_clerk, scjgj_approver
):
    # The exchange database refusing writes: the changes are staged here and wait.
    _exchange_tables("xchg_outgoing", "xchg_outgoing_offline")
    try:
        entry = _black_published(company, scjgj_clerk, scjgj_approver)
        assert services.platform_exchange(platform=platform)["failed"] == 1
        platform.refresh_from_db()
        assert platform.last_error and platform.last_exchange_at is None
        staged = OutgoingItem.objects.get(source_key=f"list_entry:{entry.pk}")
        assert staged.state == OutgoingState.STAGED
    finally:
        _exchange_tables("xchg_outgoing_offline", "xchg_outgoing")
    # Back, but the platform itself does not answer yet: sent, no receipt.
    platform_simulator.down = True
    services.platform_exchange(platform=platform)
    staged.refresh_from_db()
    assert staged.state == OutgoingState.SENT
    assert platform_simulator.answer() == {"accepted": 0, "rejected": 0}
    platform_simulator.down = False
    platform_simulator.duplicate = True  # and then answers everything twice
    assert platform_simulator.answer() == {"accepted": 1, "rejected": 0}
    services.platform_exchange(platform=platform)
    staged.refresh_from_db()
    platform.refresh_from_db()
    assert staged.state == OutgoingState.ACCEPTED and platform.last_error == "" and platform.last_exchange_at


def test_staging_is_exactly_once_per_change(platform, company, scjgj_clerk, scjgj_approver):
    entry = _black_published(company, scjgj_clerk, scjgj_approver)
    list_services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    from jointcredit.exchange.sequencer import sequence_all

    sequence_all()
    assert services.outgoing_stage_step(platform=platform, limit=1) <= 1
    services.outgoing_stage_step(platform=platform)
    services.outgoing_stage_step(platform=platform)
    actions = sorted(
        OutgoingItem.objects.filter(source_key=f"list_entry:{entry.pk}").values_list("action", flat=True)
    )
    assert actions == ["new", "objection_opened"]


def test_reconciliation_reports_what_each_side_misses(
    platform, platform_simulator, company, scjgj_clerk, scjgj_approver
):
    entry = _black_published(company, scjgj_clerk, scjgj_approver)
    key = _issue(platform_simulator, CompanyFactory(), doc="济信认〔2026〕9号")
    services.platform_exchange(platform=platform)
    # Not answered yet: the platform does not hold the district's entry.
    report = reconciliation_run(platform=platform)
    assert [(line["key"], line["problem"]) for line in report.lines] == [(f"370102-{entry.pk}", "missing_up")]
    platform_simulator.answer()
    exchange_db.holdings_drop(platform.code, [key])
    report = reconciliation_run(platform=platform)
    assert [(line["key"], line["problem"]) for line in report.lines] == [(key, "missing_down")]


def test_the_daily_sweep_exchanges_reconciles_and_arms_the_exchange_task(
    platform, platform_simulator, company
):
    from django_tasks_db.models import DBTaskResult

    from jointcredit.platforms import sweeps

    _issue(platform_simulator, company)
    out = sweeps.run(now=clock.now())
    assert out == {"上级平台交换": 1, "对账差异": 0}
    assert ListEntry.objects.filter(subject=company, source_authority__isnull=False).count() == 1
    assert platform.reconciliations.count() == 1
    assert DBTaskResult.objects.filter(task_path="jointcredit.platforms.tasks.platforms_exchange").exists()
