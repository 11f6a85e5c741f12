"""Writes on objections (异议处理), DESIGN.md §2.

Every service: permission check first, then one transaction that locks the objection row, checks
its state, runs the declared transition, applies the outcome through the owner's services (lists,
records), writes the audit row and, after commit, tells the subject by email. Two approvers
deciding at once: the second finds the new state under the lock and gets 409, nothing changes.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from jointcredit.accounts.permissions import ensure_can_decide, ensure_can_write
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.casework import receipts
from jointcredit.casework import services as cases
from jointcredit.casework.evidence import evidence_check, evidence_of, evidence_store
from jointcredit.casework.models import Evidence, ReceiptSource
from jointcredit.casework.notify import notify_department, notify_subject
from jointcredit.casework.targets import Target, contestable_reason, target_get, target_set_objection
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, ValidationFailed

from .kind import OBJECTION
from .models import Objection, ObjectionState, Resolution


def accept_working_days() -> int:
    return int(settings.JOINTCREDIT.get("OBJECTION_ACCEPT_WORKING_DAYS", 2))


def decide_working_days() -> int:
    return int(settings.JOINTCREDIT.get("OBJECTION_DECIDE_WORKING_DAYS", 10))


def target_of(o: Objection) -> Target:
    return target_get(o.target_type, o.target_id)


# --- filing -----------------------------------------------------------------------------------
def objection_file(
    *,
    actor=None,
    verified_identifier: str | None = None,
    target_type: str,
    target_id,
    statement: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    files=None,
    channel: str | None = None,
) -> Objection:
    """提出异议: by the subject online (``verified_identifier`` from the one-time code) or by staff of
    the deciding department on its behalf (``actor``). Evidence is checked before anything is written."""
    target = target_get(target_type, target_id)
    channel = cases.filing_channel(
        OBJECTION, target=target, actor=actor, verified_identifier=verified_identifier, channel=channel
    )
    statement = cases.text(statement, "statement", "异议内容及理由", required=True)
    name, email, phone = cases.contact(contact_name, contact_email, contact_phone)
    checked = evidence_check(files)
    filed_on = clock.today()
    reason = contestable_reason(target, filed_on)
    if reason:
        raise Conflict(
            reason,
            code="not_contestable",
            details=[{"field": "target_id", "rule": "contestable", "message": reason}],
        )

    def build() -> Objection:
        o = Objection.objects.create(
            subject=target.subject,
            subject_name=target.subject_name,
            target_type=target.type,
            target_id=target.id,
            target_key=target.key,
            target_label=target.label,
            target_version=target.version,
            department=target.department,
            statement=statement,
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
            channel=channel,
            filed_by=actor if actor is not None else None,
            accept_due=deadline_or_pending(filed_on, accept_working_days()),
        )
        evidence_store(
            checked, owner_type="objection", owner_id=o.pk, kind=Evidence.Kind.EVIDENCE, actor=actor
        )
        cases.case_audit(
            OBJECTION,
            actor=actor,
            case=o,
            verb="file",
            target=o.target_key,
            channel=channel,
            files=len(checked),
        )
        notify_subject(
            o,
            title="异议申请已收到",
            text=f"您对“{o.target_label}”提出的异议已收到，"
            f"{o.department.name}将在 {accept_working_days()} 个工作日内决定是否受理"
            f"（受理期限：{o.accept_due or '待配置节假日'}）。",
        )
        notify_department(
            o.department,
            title=f"【异议】新的异议申请待受理：{o.subject_name}",
            text=(
                f"{o.subject_name}对“{o.target_label}”提出异议，"
                f"请在受理期限 {o.accept_due or '待配置节假日'} 前处理。"
            ),
        )
        return o

    return cases.case_create(OBJECTION, target=target, build=build)


def objection_evidence_add(*, actor, objection: Objection, files) -> list[Evidence]:
    return cases.case_evidence_add(
        OBJECTION,
        actor=actor,
        case=objection,
        files=files,
        evidence_kind=Evidence.Kind.EVIDENCE,
        empty="请选择要上传的证明材料（files）。",
    )


# --- steps -------------------------------------------------------------------------------------
def objection_accept(*, actor, objection: Objection) -> Objection:
    """受理: the entry is marked 异议中 everywhere; the decision is due in 10 working days."""
    ensure_can_write(actor, objection.department)
    with cases.case_step(OBJECTION, objection, "accept", "受理") as (o, before):
        o.accepted_at, o.accepted_by = clock.now(), actor
        o.decide_due = deadline_or_pending(clock.today(), decide_working_days())
        o.save()
        target_set_objection(target_of(o), on=True, actor=actor)
        cases.case_audit(OBJECTION, actor=actor, case=o, verb="accept", before=before)
        notify_subject(
            o,
            title="异议申请已受理",
            text=f"{o.department.name}已受理您的异议，相关信息在核查期间标注为“异议中”。"
            f"办结期限：{o.decide_due or '待配置节假日'}。受理通知书可在“我的申请”中下载。",
        )
    return o


def objection_reject(*, actor, objection: Objection, reason: str) -> Objection:
    """不予受理 (with the reason, e.g. no new facts, not the subject's information)."""
    ensure_can_write(actor, objection.department)
    reason = cases.text(reason, "reason", "不予受理理由", required=True)
    with cases.case_step(OBJECTION, objection, "reject", "作出不予受理决定") as (o, before):
        o.not_accepted_reason = reason
        o.decided_at, o.decided_by = clock.now(), actor
        o.save()
        cases.case_audit(OBJECTION, actor=actor, case=o, verb="reject", before=before)
        notify_subject(
            o, title="异议申请不予受理", text=f"理由：{reason}\n不予受理通知书可在“我的申请”中下载。"
        )
    return o


def objection_review(*, actor, objection: Objection) -> Objection:
    """开始核查."""
    ensure_can_write(actor, objection.department)
    with cases.case_step(OBJECTION, objection, "review", "开始核查（须先受理）") as (o, before):
        o.review_started_at = clock.now()
        o.save()
        cases.case_audit(OBJECTION, actor=actor, case=o, verb="review", before=before)
        notify_subject(o, title="异议进入核查", text=f"{o.department.name}正在核查您提出的异议。")
    return o


def objection_uphold(*, actor, objection: Objection, decision: str) -> Objection:
    """驳回: the objection is unfounded, the entry/record stays; 异议中 is lifted."""
    ensure_can_decide(actor, objection.department)
    decision = cases.text(decision, "decision", "处理意见", required=True)
    with cases.case_step(OBJECTION, objection, "uphold", "作出驳回决定（须在核查中）") as (o, before):
        o.decision, o.decided_at, o.decided_by = decision, clock.now(), actor
        o.save()
        target_set_objection(target_of(o), on=False, actor=actor)
        cases.case_audit(OBJECTION, actor=actor, case=o, verb="uphold", before=before)
        notify_subject(
            o,
            title="异议处理结果：异议不成立",
            text=f"处理意见：{decision}\n异议处理决定书可在“我的申请”中下载。",
        )
    return o


def objection_correct(
    *,
    actor,
    objection: Objection,
    decision: str,
    resolution: str = Resolution.REVOKE,
    reason: str | None = None,
    legal_basis: str | None = None,
    valid_until: date | None = None,
) -> Objection:
    """异议成立: revoke the entry/record or correct it (list entry: new facts/basis/period through
    ``list_entry_correct``; record: the department re-enters the corrected record in 双公示 first).
    Every department the entry was pushed to must then confirm (同步回执)."""
    ensure_can_decide(actor, objection.department)
    decision = cases.text(decision, "decision", "处理意见", required=True)
    if resolution not in Resolution.values:
        raise ValidationFailed.single(
            "resolution", "choice", "更正方式（resolution）必须是 revoke（撤销）或 correct（更正）。"
        )
    with cases.case_step(OBJECTION, objection, "correct", "作出异议成立决定（须在核查中）") as (o, before):
        started = clock.now()
        target = target_get(o.target_type, o.target_id)
        _apply_correction(
            o,
            target,
            actor=actor,
            decision=decision,
            resolution=resolution,
            reason=reason,
            legal_basis=legal_basis,
            valid_until=valid_until,
        )
        o.decision, o.resolution, o.decided_at, o.decided_by = decision, resolution, clock.now(), actor
        o.save()
        target = target_get(o.target_type, o.target_id)
        n = receipts.receipts_create(
            source_type=ReceiptSource.OBJECTION,
            source_id=o.pk,
            target=target,
            event_ids=receipts.events_since(target, started),
        )
        cases.case_audit(OBJECTION, actor=actor, case=o, verb="correct", before=before, receipts=n)
        what = "撤销" if resolution == Resolution.REVOKE else "更正"
        notify_subject(
            o,
            title="异议处理结果：异议成立",
            text=f"{o.department.name}已{what}相关信息，并通知各接收部门同步处理。"
            f"\n处理意见：{decision}\n异议处理决定书可在“我的申请”中下载。",
        )
    return o


def _apply_correction(
    o: Objection, target: Target, *, actor, decision, resolution, reason, legal_basis, valid_until
):
    note = f"异议成立（{o.case_no}）：{decision}"[: cases.TEXT_MAX]
    if target.is_entry:
        from jointcredit.lists import services as lists

        entry = target.obj
        if resolution == Resolution.REVOKE:
            if entry.state != "removed":
                entry = lists.list_entry_remove(entry=entry, actor=actor, reason="revoked", note=note)
            lists.list_entry_set_objection(entry=entry, under_objection=False, actor=actor)
            return
        if reason is None and legal_basis is None and valid_until is None:
            raise ValidationFailed.single(
                "reason",
                "required",
                "更正名单条目时请填写更正后的列入事由（reason）、"
                "认定依据（legal_basis）或有效期至（valid_until）。",
            )
        lists.list_entry_correct(
            entry=entry,
            actor=actor,
            reason=reason,
            legal_basis=legal_basis,
            valid_until=valid_until,
            note=note,
        )
        entry.refresh_from_db()
        lists.list_entry_set_objection(entry=entry, under_objection=False, actor=actor)
        return
    from jointcredit.records import services as records

    record = target.obj
    if resolution == Resolution.REVOKE:
        if record.state != "withdrawn":
            records.record_withdraw(actor=actor, record=record, reason=note[:500])
        return
    if o.target_version is not None and record.version <= o.target_version:
        raise cases.case_conflict(
            OBJECTION,
            o,
            "请先在“双公示”中录入更正后的记录（同一文书号重新录入或导入），再作出更正决定。",
            rule="record_not_corrected",
        )


def objection_urge(*, actor, objection: Objection, note: str = "") -> Objection:
    """催办 by the credit office: the department's approvers and clerks are emailed."""

    def message(o, note):
        return (
            f"【催办】异议申请 {o.case_no}（{o.subject_name}）",
            f"信用办催办：异议申请 {o.case_no} 当前“{OBJECTION.label(o.state)}”，"
            f"期限 {OBJECTION.due_of(o) or '待配置节假日'}。{note}",
        )

    return cases.case_urge(OBJECTION, actor=actor, case=objection, note=note, message=message)


# --- deadlines, reminders ------------------------------------------------------------------------
def objection_deadlines_recompute(*, years=None) -> int:
    """Fill pending deadlines (待配置节假日) once the office has entered the year."""
    cal = WorkingCalendar.load()
    return cases.deadlines_fill(
        OBJECTION,
        states=[ObjectionState.SUBMITTED],
        start="created_at",
        due="accept_due",
        working_days=accept_working_days(),
        calendar=cal,
    ) + cases.deadlines_fill(
        OBJECTION,
        states=[ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW],
        start="accepted_at",
        due="decide_due",
        working_days=decide_working_days(),
        calendar=cal,
    )


def on_calendar_changed(sender, years=None, **kwargs) -> None:
    objection_deadlines_recompute(years=years)


def objections_overdue_remind(*, today: date, now) -> int:
    """One reminder per overdue objection (``reminded_at`` makes reruns no-ops)."""
    from .selectors import objections_overdue

    return cases.overdue_remind(
        OBJECTION,
        objections_overdue(today=today),
        now=now,
        message=lambda o: (
            f"【逾期】异议申请 {o.case_no} 已超过办理期限",
            f"{o.subject_name}的异议（{o.target_label}）当前“{OBJECTION.label(o.state)}”，已超过期限，请尽快办理。",
        ),
    )


__all__ = [
    "objection_file",
    "objection_accept",
    "objection_reject",
    "objection_review",
    "objection_uphold",
    "objection_correct",
    "objection_urge",
    "objection_evidence_add",
    "evidence_of",
]


def objections_subject_merge(*, source, target) -> int:
    """主体合并: the duplicate's objections (open or decided) follow it to the subject that stays."""
    return Objection.objects.filter(subject=source).update(subject=target)
