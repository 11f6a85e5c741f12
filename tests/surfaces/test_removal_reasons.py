"""Staff lists and their API representations tell repaired from expired from revoked."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from jointcredit.casework.testing import pdf
from jointcredit.common import clock
from jointcredit.exchange.models import OutboxEvent
from jointcredit.lists import services as lists
from jointcredit.records import sweeps as record_sweeps
from jointcredit.records.models import Penalty
from jointcredit.records.samples import penalty_row
from jointcredit.records.services import record_save, record_withdraw
from jointcredit.repairs import services as repairs

pytestmark = pytest.mark.django_db

GENERAL = {"CF_CFLB": "罚款", "CF_NR_FK": "2", "CF_NR": "罚款人民币贰万元"}


def _penalty(lixia, clerk, *, decided, **over) -> Penalty:
    row = penalty_row(
        random.Random(decided.toordinal()), lixia["scjgj"], n=decided.toordinal(), decided=decided, **over
    )
    record, _ = record_save(actor=clerk, record_type="penalty", data=row)
    return Penalty.objects.get(pk=record.pk)


def _repair(target, target_type, contact, clerk, approver):
    r = repairs.repair_file(
        verified_identifier=target.subject.identifier,
        target_type=target_type,
        target_id=target.pk,
        correction="已缴清罚款并完成整改，经复查合格。",
        commitment_signatory="张伟",
        commitment_accepted=True,
        proofs=[pdf()],
        **contact,
    )
    repairs.repair_accept(actor=clerk, repair=r)
    repairs.repair_approve(actor=approver, repair=r, decision="准予修复")


def test_penalties_repaired_expired_withdrawn_read_apart(
    lixia, scjgj_clerk, scjgj_approver, contact, today, client, api_client_for
):
    repaired = _penalty(lixia, scjgj_clerk, decided=today - timedelta(days=120), **GENERAL)
    _repair(repaired, "penalty", contact, scjgj_clerk, scjgj_approver)
    # A warning (minor tier: 3 months) decided half a year ago: its window ended by date.
    expired = _penalty(
        lixia, scjgj_clerk, decided=today - timedelta(days=200), CF_CFLB="警告", CF_NR_FK="", CF_NR="警告"
    )
    withdrawn = _penalty(lixia, scjgj_clerk, decided=today - timedelta(days=60), **GENERAL)
    record_withdraw(actor=scjgj_clerk, record=withdrawn, reason="行政复议决定撤销原处罚决定")
    expired.refresh_from_db()
    assert expired.public_until < today

    api = api_client_for(scjgj_clerk)
    by_id = {r["id"]: r for r in api.get("/api/v1/records/penalties", {"page_size": 50}).json()["items"]}
    assert (by_id[repaired.pk]["display_status"], by_id[repaired.pk]["publication_end_reason"]) == (
        "repaired",
        "repaired",
    )
    assert by_id[repaired.pk]["display_status_label"] == "信用修复（已提前结束公示）"
    assert (by_id[expired.pk]["display_status"], by_id[expired.pk]["publication_end_reason"]) == (
        "expired",
        "",
    )
    assert by_id[withdrawn.pk]["display_status"] == "withdrawn"

    client.force_login(scjgj_clerk)
    page = client.get("/staff/records/", {"type": "penalty"}).content.decode()
    assert "信用修复（已提前结束公示）" in page and "公示期满（已移出门户）" in page
    assert "撤销原因：行政复议决定撤销原处罚决定" in page


def test_repaired_penalty_announces_its_removal_at_once_and_once(
    lixia, scjgj_clerk, scjgj_approver, contact, today
):
    repaired = _penalty(lixia, scjgj_clerk, decided=today - timedelta(days=120), **GENERAL)
    _repair(repaired, "penalty", contact, scjgj_clerk, scjgj_approver)
    events = OutboxEvent.objects.filter(
        aggregate_type="penalty", aggregate_id=str(repaired.pk), kind="record.expired"
    )
    [event] = events
    assert (
        event.payload["publication_ended"] == "repaired" and event.payload["expired_on"] == today.isoformat()
    )
    # The sweep that announces natural ends does not announce it again (without the reason).
    record_sweeps.run(now=clock.now())
    assert events.count() == 1


def test_list_entries_name_the_removal_reason(
    black_published, old_black, company, person, scjgj_clerk, scjgj_approver, contact, client, api_client_for
):
    from jointcredit.subjects.tests.factories import CompanyFactory

    revoked = black_published(company)
    lists.list_entry_remove(
        entry=revoked, actor=scjgj_approver, reason="revoked", note="异议成立，撤销列入。"
    )
    repaired = old_black(CompanyFactory())
    _repair(repaired, "list_entry", contact, scjgj_clerk, scjgj_approver)
    in_force = black_published(person)

    api = api_client_for(scjgj_clerk)
    items = {e["id"]: e for e in api.get("/api/v1/list-entries", {"page_size": 50}).json()["items"]}
    assert (items[revoked.pk]["status_label"], items[revoked.pk]["end_reason"]) == (
        "已移出（撤销）",
        "revoked",
    )
    assert (items[repaired.pk]["status_label"], items[repaired.pk]["end_reason"]) == (
        "已移出（信用修复）",
        "repaired",
    )
    assert (items[in_force.pk]["end_reason"], items[in_force.pk]["end_reason_label"]) == ("", "")

    client.force_login(scjgj_clerk)
    page = client.get("/staff/lists/").content.decode()
    assert "已移出（撤销）" in page and "已移出（信用修复）" in page


def test_list_entry_expired_by_date_reads_expired(
    black_published, company, scjgj_clerk, api_client_for, time_machine
):
    entry = black_published(company)
    time_machine.move_to(
        clock.now() + timedelta(days=(entry.valid_until - clock.today()).days + 1), tick=False
    )
    [item] = api_client_for(scjgj_clerk).get("/api/v1/list-entries").json()["items"]
    assert (item["status_label"], item["end_reason"], item["end_reason_label"]) == (
        "已到期",
        "expired",
        "有效期届满",
    )
