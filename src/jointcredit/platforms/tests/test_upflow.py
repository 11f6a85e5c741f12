"""Issue #18 §1, §2, §6 leftovers (ADR 0044): what the check says about upstream entries, feedback
going up, upstream ends of 双公示 publications, reconciliation of records, the batch apply path."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.urls import reverse

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.exchange.models import OutboxEvent
from jointcredit.lists import services as list_services
from jointcredit.lists.models import EntryState, ListType, RemovalReason
from jointcredit.measures.screening import hit_targets_build
from jointcredit.platforms import services
from jointcredit.platforms.models import InboundItem
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
