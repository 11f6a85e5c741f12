"""repair_file / accept / approve / reject, minimum periods, receipts (UI, API, webhook 2xx)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from jointcredit.casework import receipts
from jointcredit.casework.models import SyncReceipt
from jointcredit.casework.testing import pdf
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.exchange.models import Delivery, DeliveryStatus, OutboxEvent, Push, Subscription
from jointcredit.lists.models import EntryState
from jointcredit.records.models import Penalty
from jointcredit.records.samples import penalty_row
from jointcredit.records.services import record_save
from jointcredit.repairs import services
from jointcredit.repairs.models import RepairApplication, RepairState

pytestmark = pytest.mark.django_db


def apply(target, contact, actor=None, target_type="list_entry", **kw):
    data = {
        "target_type": target_type,
        "target_id": target.pk,
        "correction": "已缴清罚款并完成整改，经复查合格。",
        "commitment_signatory": "张伟",
        "commitment_accepted": True,
        "proofs": [pdf()],
        **contact,
        **kw,
    }
    if actor is None:
        return services.repair_file(verified_identifier=target.subject.identifier, **data)
    return services.repair_file(actor=actor, **data)


def test_before_minimum_period_refused(black_published, contact):
    entry = black_published()
    with pytest.raises(ValidationFailed) as exc:
        apply(entry, contact)
    d = exc.value.details[0]
    assert d["rule"] == "min_repair_period" and d["earliest_on"] and "最短公示期" in exc.value.message
    assert not RepairApplication.objects.exists()


def test_non_repairable_type_refused(old_black, types, contact):
    lt = types["black_health_safety"]
    lt.repairable = False
    lt.save()
    with pytest.raises(ValidationFailed) as exc:
        apply(old_black(), contact)
    assert exc.value.details[0]["rule"] == "not_repairable"


def test_approve_ends_punishment_and_opens_receipts(old_black, scjgj_clerk, scjgj_approver, contact, lixia):
    entry = old_black()
    Push.objects.create(
        entry=entry, department=lixia["swj"], pushed_on=clock.today(), feedback_working_days=10
    )
    Push.objects.create(
        entry=entry, department=lixia["czj"], pushed_on=clock.today(), feedback_working_days=10
    )
    r = apply(entry, contact)
    assert r.state == RepairState.SUBMITTED and r.channel == "portal"
    with pytest.raises(Conflict):  # duplicate open application
        apply(entry, contact)
    r = services.repair_accept(actor=scjgj_clerk, repair=r)
    assert r.state == RepairState.UNDER_REVIEW and r.decide_due
    r = services.repair_approve(actor=scjgj_approver, repair=r)
    entry.refresh_from_db()
    assert r.state == RepairState.APPROVED
    assert entry.state == EntryState.REMOVED and entry.removal_reason == "repaired"
    assert OutboxEvent.objects.filter(kind="repair.approved", aggregate_id=str(r.pk)).exists()
    assert OutboxEvent.objects.filter(kind="list_entry.removed", aggregate_id=str(entry.pk)).exists()
    rec = {x.department.code: x for x in SyncReceipt.objects.filter(source_type="repair", source_id=r.pk)}
    assert set(rec) == {"swj", "czj"} and all(len(x.event_ids) == 2 for x in rec.values())
    # UI/API acknowledgement by the receiving department only
    with pytest.raises(PermissionDenied):
        receipts.receipt_acknowledge(actor=scjgj_clerk, receipt=rec["swj"])
    from jointcredit.accounts.models import Role, User

    swj = User.objects.create_user(
        username="swj_x", password="x-Secure-Passw0rd", department=lixia["swj"], roles=[Role.CLERK]
    )
    receipts.receipt_acknowledge(actor=swj, receipt=rec["swj"], note="已解除限制")
    with pytest.raises(Conflict):
        receipts.receipt_acknowledge(actor=swj, receipt=rec["swj"])
    # webhook 2xx of the removal event confirms automatically
    sub = Subscription.objects.create(
        department=lixia["czj"], name="财政系统", url="https://hooks.example.com/jc", secret="s" * 32
    )
    event = OutboxEvent.objects.get(kind="list_entry.removed", aggregate_id=str(entry.pk))
    now = clock.now()
    Delivery.objects.create(
        event=event,
        subscription=sub,
        status=DeliveryStatus.DELIVERED,
        next_attempt_at=now,
        horizon_start=now,
        delivered_at=now,
        last_status_code=204,
    )
    assert receipts.receipts_reconcile_webhooks() == 1
    assert receipts.receipts_reconcile_webhooks() == 0  # idempotent
    assert not SyncReceipt.objects.filter(source_id=r.pk, acknowledged_at__isnull=True).exists()
    assert SyncReceipt.objects.get(pk=rec["czj"].pk).channel == "webhook"


def test_reject_paths_and_illegal_steps(old_black, scjgj_clerk, scjgj_approver, swj_approver, contact):
    entry = old_black()
    r = apply(entry, contact)
    with pytest.raises(Conflict) as exc:
        services.repair_approve(actor=scjgj_approver, repair=r)
    assert exc.value.details[0]["current_state"] == "submitted"
    with pytest.raises(PermissionDenied):
        services.repair_reject(actor=swj_approver, repair=r, reason="x")
    r = services.repair_reject(actor=scjgj_approver, repair=r, reason="材料不全，不予受理。")
    assert r.state == RepairState.REJECTED
    r2 = apply(entry, contact)  # a closed application does not block a new one
    services.repair_accept(actor=scjgj_clerk, repair=r2)
    with pytest.raises(PermissionDenied):
        services.repair_approve(actor=swj_approver, repair=r2)
    r2 = services.repair_reject(actor=scjgj_approver, repair=r2, reason="整改未到位。")
    entry.refresh_from_db()
    assert r2.state == RepairState.REJECTED and entry.state == EntryState.PUBLISHED


def test_accept_requires_proof(old_black, scjgj_clerk, contact):
    r = apply(old_black(), contact, proofs=[])
    with pytest.raises(Conflict) as exc:
        services.repair_accept(actor=scjgj_clerk, repair=r)
    assert exc.value.details[0]["rule"] == "proof_required"
    services.repair_evidence_add(actor=scjgj_clerk, repair=r, files=[pdf()])
    assert services.repair_accept(actor=scjgj_clerk, repair=r).state == RepairState.UNDER_REVIEW


def test_commitment_must_be_signed(old_black, contact):
    with pytest.raises(ValidationFailed) as exc:
        apply(old_black(), contact, commitment_accepted=False)
    assert exc.value.details[0]["field"] == "commitment_accepted"


def _penalty(lixia, scjgj_clerk, *, decided, **over):
    row = penalty_row(
        random.Random(decided.toordinal()), lixia["scjgj"], n=decided.toordinal(), decided=decided, **over
    )
    record, _ = record_save(actor=scjgj_clerk, record_type="penalty", data=row)
    return Penalty.objects.get(pk=record.pk)


def test_penalty_tiers(lixia, scjgj_clerk, scjgj_approver, contact, today):
    general = {"CF_CFLB": "罚款", "CF_NR_FK": "2", "CF_NR": "罚款人民币贰万元"}
    recent = _penalty(lixia, scjgj_clerk, decided=today - timedelta(days=30), **general)
    assert recent.tier == "general"
    with pytest.raises(ValidationFailed) as exc:
        apply(recent, contact, target_type="penalty")
    assert exc.value.details[0]["rule"] == "min_repair_period" and "3 个月" in exc.value.message
    minor = _penalty(
        lixia, scjgj_clerk, decided=today - timedelta(days=40), CF_CFLB="警告", CF_NR_FK="", CF_NR="警告"
    )
    assert minor.tier == "minor"
    with pytest.raises(ValidationFailed) as exc:
        apply(minor, contact, target_type="penalty")
    assert exc.value.details[0]["rule"] == "not_repairable"
    old = _penalty(lixia, scjgj_clerk, decided=today - timedelta(days=120), **general)
    r = apply(old, contact, target_type="penalty")
    services.repair_accept(actor=scjgj_clerk, repair=r)
    services.repair_approve(actor=scjgj_approver, repair=r, decision="准予修复")
    old.refresh_from_db()
    assert old.public_until < today and old.display_status(today) == "repaired"
    assert OutboxEvent.objects.filter(kind="record.changed", aggregate_id=str(old.pk)).exists()


def test_letters_pdf(old_black, scjgj_clerk, scjgj_approver, contact):
    from jointcredit.casework.letters import to_pdf
    from jointcredit.repairs.letters import repair_letter_html

    r = apply(old_black(), contact)
    _, html = repair_letter_html(r, "commitment")
    assert "信用承诺书" in html and "张伟" in html
    with pytest.raises(Conflict):
        repair_letter_html(r, "decision")
    services.repair_accept(actor=scjgj_clerk, repair=r)
    r = services.repair_approve(actor=scjgj_approver, repair=r)
    _, html = repair_letter_html(r, "decision")
    assert "准予信用修复" in html
    assert to_pdf(html).startswith(b"%PDF")
