"""objection_file / accept / reject / review / uphold / correct: every path, bad input and refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from jointcredit.audit.models import AuditEvent
from jointcredit.casework.models import Evidence
from jointcredit.casework.testing import PNG, pdf
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.exchange.models import OutboxEvent
from jointcredit.lists.models import EntryState
from jointcredit.objections import services
from jointcredit.objections.models import Objection, ObjectionState

pytestmark = pytest.mark.django_db


def file(entry, contact, actor=None, **kw):
    data = {
        "target_type": "list_entry",
        "target_id": entry.pk,
        "statement": "该处罚已被复议撤销，列入依据不存在。",
        **contact,
        **kw,
    }
    if actor is None:
        return services.objection_file(verified_identifier=entry.subject.identifier, **data)
    return services.objection_file(actor=actor, **data)


def test_portal_filing_accept_review_uphold(
    black_published, scjgj_clerk, scjgj_approver, contact, django_capture_on_commit_callbacks
):
    entry = black_published()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        o = file(entry, contact, files=[pdf(), pdf("照片.png", PNG)])
    assert o.state == ObjectionState.SUBMITTED and o.channel == "portal" and o.accept_due
    assert Evidence.objects.filter(owner_type="objection", owner_id=o.pk).count() == 2
    assert any("liming@example.com" in m.to for m in mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        o = services.objection_accept(actor=scjgj_clerk, objection=o)
    entry.refresh_from_db()
    assert o.state == ObjectionState.ACCEPTED and o.decide_due and entry.under_objection
    assert OutboxEvent.objects.filter(kind="list_entry.objection_opened", aggregate_id=str(entry.pk)).exists()
    o = services.objection_review(actor=scjgj_clerk, objection=o)
    assert o.state == ObjectionState.UNDER_REVIEW
    o = services.objection_uphold(
        actor=scjgj_approver, objection=o, decision="经核查，列入事实清楚、依据充分。"
    )
    entry.refresh_from_db()
    assert (
        o.state == ObjectionState.UPHELD and not entry.under_objection and entry.state == EntryState.PUBLISHED
    )
    actions = set(
        AuditEvent.objects.filter(object_type="objections.objection", object_id=str(o.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"objection.file", "objection.accept", "objection.review", "objection.uphold"} <= actions
    assert len([m for m in mail.outbox if "liming@example.com" in m.to]) == 2


def test_correct_revokes_entry(black_published, scjgj_clerk, scjgj_approver, contact):
    entry = black_published()
    o = file(entry, contact, actor=scjgj_clerk)
    assert o.channel == "staff"
    services.objection_accept(actor=scjgj_clerk, objection=o)
    services.objection_review(actor=scjgj_clerk, objection=o)
    o = services.objection_correct(actor=scjgj_approver, objection=o, decision="异议成立，撤销列入。")
    entry.refresh_from_db()
    assert o.state == ObjectionState.CORRECTED and o.resolution == "revoke"
    assert (
        entry.state == EntryState.REMOVED and entry.removal_reason == "revoked" and not entry.under_objection
    )


def test_correct_amends_entry(black_published, scjgj_clerk, scjgj_approver, contact, today):
    entry = black_published()
    o = file(entry, contact, actor=scjgj_clerk)
    services.objection_accept(actor=scjgj_clerk, objection=o)
    services.objection_review(actor=scjgj_clerk, objection=o)
    with pytest.raises(ValidationFailed):
        services.objection_correct(actor=scjgj_approver, objection=o, decision="更正", resolution="correct")
    o = services.objection_correct(
        actor=scjgj_approver,
        objection=o,
        decision="列入期限有误，予以更正。",
        resolution="correct",
        valid_until=today + timedelta(days=200),
    )
    entry.refresh_from_db()
    assert entry.state == EntryState.PUBLISHED and entry.valid_until == today + timedelta(days=200)
    assert not entry.under_objection and o.state == ObjectionState.CORRECTED
    assert OutboxEvent.objects.filter(kind="list_entry.changed", aggregate_id=str(entry.pk)).exists()


def test_not_accepted_with_reason(black_published, scjgj_clerk, contact):
    o = file(black_published(), contact)
    with pytest.raises(ValidationFailed):
        services.objection_reject(actor=scjgj_clerk, objection=o, reason="")
    o = services.objection_reject(actor=scjgj_clerk, objection=o, reason="未提供新的事实和证据。")
    assert o.state == ObjectionState.NOT_ACCEPTED and o.not_accepted_reason
    with pytest.raises(Conflict) as exc:
        services.objection_accept(actor=scjgj_clerk, objection=o)
    assert exc.value.details[0]["current_state"] == "not_accepted"


@pytest.mark.parametrize("step", ["review", "uphold", "correct"])
def test_illegal_transitions_from_submitted(black_published, scjgj_approver, contact, step):
    o = file(black_published(), contact)
    kwargs = {"decision": "x"} if step in ("uphold", "correct") else {}
    with pytest.raises(Conflict) as exc:
        getattr(services, f"objection_{step}")(actor=scjgj_approver, objection=o, **kwargs)
    assert exc.value.details[0]["current_state"] == "submitted"
    assert Objection.objects.get(pk=o.pk).state == "submitted"


def test_refusals_change_nothing(
    black_published, scjgj_clerk, swj_clerk, swj_approver, scjgj_approver, contact, company, person
):
    entry = black_published()
    # another department's clerk cannot file on its behalf
    with pytest.raises(PermissionDenied):
        file(entry, contact, actor=swj_clerk)
    # portal: only the verified subject's own information
    with pytest.raises(PermissionDenied):
        services.objection_file(
            verified_identifier=person.identifier,
            target_type="list_entry",
            target_id=entry.pk,
            statement="x",
            **contact,
        )
    o = file(entry, contact)
    # duplicate open objection
    with pytest.raises(Conflict) as exc:
        file(entry, contact)
    assert exc.value.code == "duplicate_objection"
    services.objection_accept(actor=scjgj_clerk, objection=o)
    services.objection_review(actor=scjgj_clerk, objection=o)
    # a department that did not decide the entry
    with pytest.raises(PermissionDenied):
        services.objection_uphold(actor=swj_approver, objection=o, decision="驳回")
    # a clerk cannot decide
    with pytest.raises(PermissionDenied):
        services.objection_correct(actor=scjgj_clerk, objection=o, decision="撤销")
    assert Objection.objects.get(pk=o.pk).state == ObjectionState.UNDER_REVIEW
    assert Objection.objects.count() == 1


def test_evidence_type_and_size(black_published, contact, settings):
    entry = black_published()
    with pytest.raises(ValidationFailed) as exc:
        file(entry, contact, files=[pdf("伪装.pdf", b"MZ\x90\x00 not a pdf")])
    assert exc.value.details[0]["rule"] == "file_type"
    settings.JOINTCREDIT_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as exc:
        file(entry, contact, files=[pdf(data=b"%PDF-" + b"0" * 200)])
    assert exc.value.details[0]["rule"] == "max_size"
    assert not Objection.objects.exists() and not Evidence.objects.exists()


def test_removed_entry_not_contestable(black_published, scjgj_approver, contact):
    from jointcredit.lists import services as lists

    entry = lists.list_entry_remove(
        entry=black_published(), actor=scjgj_approver, reason="revoked", note="复议撤销"
    )
    with pytest.raises(Conflict):
        file(entry, contact)


def test_pending_deadline_and_recompute(black_published, scjgj_clerk, contact, settings):
    settings.JOINTCREDIT = {**settings.JOINTCREDIT, "OBJECTION_DECIDE_WORKING_DAYS": 400}
    o = file(black_published(), contact)
    o = services.objection_accept(actor=scjgj_clerk, objection=o)
    assert o.decide_due is None  # lands in an unconfigured year: 待配置节假日
    assert services.objection_deadlines_recompute() == 0  # still unconfigured


def test_urge_office_only(black_published, scjgj_clerk, office_admin, contact):
    o = file(black_published(), contact)
    with pytest.raises(PermissionDenied):
        services.objection_urge(actor=scjgj_clerk, objection=o)
    o = services.objection_urge(actor=office_admin, objection=o, note="请尽快受理")
    assert o.urge_count == 1
