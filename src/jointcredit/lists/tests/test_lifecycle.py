"""The black and red lifecycles through the services, with audit and outbox events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import Conflict, ValidationFailed
from jointcredit.exchange.models import OutboxEvent
from jointcredit.lists import services
from jointcredit.lists.models import EntryState
from jointcredit.subjects.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def _events(entry):
    return list(
        OutboxEvent.objects.filter(aggregate_type="list_entry", aggregate_id=str(entry.pk))
        .order_by("occurred_at")
        .values_list("kind", flat=True)
    )


def test_black_full_lifecycle_audits_every_step_and_emits_on_publish_and_removal(
    black_draft, scjgj_clerk, scjgj_approver, today, company
):
    entry = black_draft()
    assert entry.state == EntryState.DRAFT and entry.subject == company and entry.valid_until is None
    entry = services.list_entry_notify(entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=20))
    assert entry.state == EntryState.NOTIFIED
    assert entry.statement_working_days == 5 and entry.statement_deadline is not None
    assert entry.statement_deadline > entry.notified_on + timedelta(days=4)  # working days, not calendar days
    year = entry.notified_on.year
    assert entry.notice_no == f"区市场监管局失信告〔{year}〕1号"  # per department and year, not the entry id
    other = black_draft(subject=CompanyFactory(name="济南历下明湖商贸有限公司"))
    second = services.list_entry_notify(entry=other, actor=scjgj_clerk, notified_on=entry.notified_on)
    assert second.notice_no == f"区市场监管局失信告〔{year}〕2号"
    assert _events(entry) == []  # consumers only learn of published entries

    entry = services.list_entry_decide(entry=entry, actor=scjgj_approver)
    assert entry.state == EntryState.DECIDED and entry.decided_on == today
    assert entry.document_no == f"区市场监管局失信认〔{today.year}〕1号"
    assert entry.valid_until == today + timedelta(days=1095) and entry.valid_from == today

    entry = services.list_entry_publish(entry=entry, actor=scjgj_approver)
    assert entry.state == EntryState.PUBLISHED and entry.is_effective(today)
    published = OutboxEvent.objects.get(aggregate_id=str(entry.pk), kind="list_entry.published")
    assert published.list_type_code == "black_health_safety" and published.department.code == "scjgj"
    data = published.payload
    assert data["subject_identifier"] == company.identifier and data["subject_kind"] == "legal"
    assert data["color"] == "black" and data["department_code"] == "scjgj"
    assert data["valid_until"] == entry.valid_until.isoformat() and "memorandum_code" in data

    entry = services.list_entry_remove(
        entry=entry, actor=scjgj_approver, reason="revoked", note="异议成立，撤销认定"
    )
    assert entry.state == EntryState.REMOVED and entry.removal_reason == "revoked"
    removed = OutboxEvent.objects.get(aggregate_id=str(entry.pk), kind="list_entry.removed")
    assert removed.payload["removal_reason"] == "revoked"
    actions = list(
        AuditEvent.objects.filter(object_type="lists.listentry", object_id=str(entry.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "list_entry.create",
        "list_entry.notify",
        "list_entry.decide",
        "list_entry.publish",
        "list_entry.remove",
    ]


def test_decide_waits_for_statement_deadline_unless_statement_handled(
    black_draft, scjgj_clerk, scjgj_approver, today
):
    entry = services.list_entry_notify(entry=black_draft(), actor=scjgj_clerk, notified_on=today)
    with pytest.raises(Conflict) as exc:
        services.list_entry_decide(entry=entry, actor=scjgj_approver)
    assert "陈述申辩期限" in exc.value.message and exc.value.details[0]["current_state"] == "notified"

    services.list_entry_statement_record(
        entry=entry,
        actor=scjgj_clerk,
        outcome="not_adopted",
        content="称原料系供货商责任",
        handling="进货查验记录缺失，理由不成立",
    )
    entry = services.list_entry_decide(entry=entry, actor=scjgj_approver)
    assert entry.state == EntryState.DECIDED


def test_adopted_statement_blocks_decision_and_entry_is_revoked(
    black_draft, scjgj_clerk, scjgj_approver, today
):
    entry = services.list_entry_notify(entry=black_draft(), actor=scjgj_clerk, notified_on=today)
    services.list_entry_statement_record(
        entry=entry,
        actor=scjgj_clerk,
        outcome="adopted",
        content="提交了检验报告",
        handling="原料未过期，理由成立",
    )
    with pytest.raises(Conflict, match="予采纳"):
        services.list_entry_decide(entry=entry, actor=scjgj_approver)
    entry = services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked")
    assert entry.state == EntryState.REMOVED
    assert _events(entry) == []  # never published: nothing to withdraw


def test_statement_needs_content_unless_waived(black_draft, scjgj_clerk, today):
    entry = services.list_entry_notify(entry=black_draft(), actor=scjgj_clerk, notified_on=today)
    with pytest.raises(ValidationFailed) as exc:
        services.list_entry_statement_record(entry=entry, actor=scjgj_clerk, outcome="not_adopted")
    assert exc.value.details[0]["field"] == "content"
    entry = services.list_entry_statement_record(entry=entry, actor=scjgj_clerk, outcome="waived")
    assert entry.statement_outcome == "waived"


def test_decided_on_must_follow_the_statement_deadline(black_draft, scjgj_clerk, scjgj_approver, today):
    entry = services.list_entry_notify(
        entry=black_draft(), actor=scjgj_clerk, notified_on=today - timedelta(days=40)
    )
    with pytest.raises(ValidationFailed) as exc:
        services.list_entry_decide(entry=entry, actor=scjgj_approver, decided_on=entry.statement_deadline)
    assert exc.value.details[0]["rule"] == "after_statement_deadline"


def test_red_lifecycle_skips_notice(red_draft, swj_clerk, swj_approver, today):
    entry = red_draft()
    with pytest.raises(Conflict, match="无需事先告知"):
        services.list_entry_notify(entry=entry, actor=swj_clerk)
    with pytest.raises(Conflict, match="无需认定"):
        services.list_entry_decide(entry=entry, actor=swj_approver)
    entry = services.list_entry_publish(entry=entry, actor=swj_approver)
    assert entry.state == EntryState.PUBLISHED and entry.is_effective(today)
    assert entry.valid_until == entry.decided_on + timedelta(days=365)
    with pytest.raises(ValidationFailed, match="仅适用于黑名单"):
        services.list_entry_remove(entry=entry, actor=swj_approver, reason="repaired")


def test_illegal_transitions_are_conflicts_with_current_state(black_published, scjgj_clerk, scjgj_approver):
    entry = black_published()
    with pytest.raises(Conflict) as exc:
        services.list_entry_publish(entry=entry, actor=scjgj_approver)
    assert exc.value.details[0]["current_state"] == "published"
    with pytest.raises(Conflict):
        services.list_entry_notify(entry=entry, actor=scjgj_clerk)
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="corrected")
    with pytest.raises(Conflict) as exc:
        services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked")
    assert exc.value.details[0]["current_state"] == "removed" and "不能重复移出" in exc.value.message


def test_black_publish_supersedes_red_entries_at_once(
    red_published, red_draft, black_published, company, lixia, user_factory, types, today
):
    red = red_published()
    # A second red entry of another type still being drafted leaves as well.
    from jointcredit.accounts.models import Role

    fgj_clerk = user_factory(lixia["fgj"], roles=[Role.CLERK])
    other_red = services.list_entry_create(
        actor=fgj_clerk,
        list_type="red_association",
        identifier=company.identifier,
        name=company.name,
        reason="济南市餐饮行业协会推荐的诚信会员",
        decided_on=today,
    )
    black = black_published()
    red.refresh_from_db()
    other_red.refresh_from_db()
    assert red.state == other_red.state == EntryState.REMOVED
    assert red.removal_reason == "superseded" and str(black.pk) in red.removal_note
    removed = OutboxEvent.objects.get(aggregate_id=str(red.pk), kind="list_entry.removed")
    assert removed.payload["removal_reason"] == "superseded" and removed.payload["color"] == "red"
    assert not OutboxEvent.objects.filter(aggregate_id=str(other_red.pk)).exists()


def test_black_listed_subject_cannot_enter_red_list(black_published, red_draft, company):
    black_published()
    with pytest.raises(Conflict) as exc:
        red_draft()
    assert exc.value.code == "subject_black_listed" and "不能列入红名单" in exc.value.message


def test_red_draft_cannot_be_published_once_subject_is_black_decided(
    red_draft, black_draft, scjgj_clerk, scjgj_approver, swj_approver, today
):
    red = red_draft()
    black = services.list_entry_notify(
        entry=black_draft(), actor=scjgj_clerk, notified_on=today - timedelta(days=30)
    )
    services.list_entry_decide(entry=black, actor=scjgj_approver)
    with pytest.raises(Conflict, match="不能列入红名单"):
        services.list_entry_publish(entry=red, actor=swj_approver)


def test_correction_of_published_entry_emits_changed(black_published, scjgj_approver, today):
    entry = black_published()
    new_end = today + timedelta(days=400)
    entry = services.list_entry_correct(
        entry=entry, actor=scjgj_approver, valid_until=new_end, note="异议核实：有效期按一年执行"
    )
    changed = OutboxEvent.objects.get(aggregate_id=str(entry.pk), kind="list_entry.changed")
    assert changed.payload["valid_until"] == new_end.isoformat()
    assert changed.payload["changes"]["valid_until"][1] == new_end.isoformat()


def test_objection_flag_round_trip_emits_events_once(black_published, scjgj_approver):
    entry = black_published()
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)  # idempotent
    entry = services.list_entry_set_objection(entry=entry, under_objection=False, actor=None)
    kinds = [k for k in _events(entry) if k.startswith("list_entry.objection")]
    assert kinds == ["list_entry.objection_opened", "list_entry.objection_closed"]
    assert entry.under_objection is False


def test_repair_needs_repairable_type_and_minimum_period(black_published, scjgj_approver):
    entry = black_published()
    with pytest.raises(ValidationFailed) as exc:
        services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="repaired")
    assert exc.value.details[0]["rule"] == "min_repair_period"


def test_manual_expiry_only_after_valid_until(black_published, scjgj_approver):
    entry = black_published()
    with pytest.raises(ValidationFailed, match="尚未届满"):
        services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="expired")
