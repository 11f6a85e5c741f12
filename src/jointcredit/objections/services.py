"""Writes on objections (异议处理), DESIGN.md §2.

Every service: permission check first, then one transaction that locks the objection row, checks
its state, runs the declared transition, applies the outcome through the owner's services (lists,
records), writes the audit row and, after commit, tells the subject by email. Two approvers
deciding at once: the second finds the new state under the lock and gets 409, nothing changes.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from jointcredit.accounts.permissions import ensure_can_decide, ensure_can_write, ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import receipts
from .evidence import evidence_check, evidence_of, evidence_store
from .models import (
    OPEN_OBJECTION_STATES,
    Channel,
    Evidence,
    Objection,
    ObjectionState,
    ReceiptSource,
    Resolution,
)
from .notify import notify_department, notify_subject
from .targets import Target, contestable_reason, target_get, target_set_objection

TEXT_MAX = 4000


def accept_working_days() -> int:
    return int(settings.JOINTCREDIT.get("OBJECTION_ACCEPT_WORKING_DAYS", 2))


def decide_working_days() -> int:
    return int(settings.JOINTCREDIT.get("OBJECTION_DECIDE_WORKING_DAYS", 10))


def _today() -> date:
    return timezone.localdate()


def text(value, field: str, label: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed.single(field, "required", f"{label}（{field}）不能为空。")
    if len(value) > limit:
        raise ValidationFailed.single(field, "max_length", f"{label}（{field}）不能超过 {limit} 个字符（实际 {len(value)}）。")
    return value


def contact(contact_name, contact_email, contact_phone) -> tuple[str, str, str]:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    name = text(contact_name, "contact_name", "联系人", required=True, limit=100)
    email = text(contact_email, "contact_email", "联系邮箱", required=True, limit=254)
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.single("contact_email", "email", "联系邮箱（contact_email）格式不正确。") from None
    phone = text(contact_phone, "contact_phone", "联系电话", required=False, limit=30)
    return name, email, phone


def _label(state: str) -> str:
    return dict(ObjectionState.choices).get(state, state)


def _conflict(obj: Objection, message: str, rule: str = "transition") -> Conflict:
    return Conflict(message, details=[{"field": "state", "rule": rule, "current_state": obj.state,
                                       "current_state_label": _label(obj.state), "message": message}])


def _lock(objection: Objection) -> Objection:
    locked = (Objection.objects.select_for_update(of=("self",)).select_related("department", "subject")
              .filter(pk=objection.pk).first())
    if locked is None:
        raise NotFound(f"异议申请 {objection.pk} 不存在。")
    return locked


def _run(obj: Objection, transition: str, expected: str) -> None:
    try:
        getattr(obj, transition)()
    except TransitionNotAllowed:
        raise _conflict(obj, f"异议当前状态为“{_label(obj.state)}”，不能{expected}。") from None


def snapshot(o: Objection) -> dict:
    return {"state": o.state, "accept_due": o.accept_due, "decide_due": o.decide_due, "decision": o.decision,
            "resolution": o.resolution, "not_accepted_reason": o.not_accepted_reason}


def target_of(o: Objection) -> Target:
    return target_get(o.target_type, o.target_id)


# --- filing -----------------------------------------------------------------------------------
def objection_file(*, actor=None, verified_identifier: str | None = None, target_type: str, target_id,
                   statement: str, contact_name: str, contact_email: str, contact_phone: str = "",
                   files=None, channel: str | None = None) -> Objection:
    """提出异议: by the subject online (``verified_identifier`` from the one-time code) or by staff of
    the deciding department on its behalf (``actor``). Evidence is checked before anything is written."""
    target = target_get(target_type, target_id)
    if actor is not None:
        ensure_can_write(actor, target.department)
        channel = channel or Channel.STAFF
    elif verified_identifier:
        if verified_identifier != target.subject.identifier:
            raise PermissionDenied("只能对本主体（已验证身份）的信用信息提出异议。")
        channel = Channel.PORTAL
    else:
        raise PermissionDenied("请先通过统一社会信用代码/证件号码和邮箱验证码验证身份。")
    statement = text(statement, "statement", "异议内容及理由", required=True)
    name, email, phone = contact(contact_name, contact_email, contact_phone)
    checked = evidence_check(files)
    today = _today()
    reason = contestable_reason(target, today)
    if reason:
        raise Conflict(reason, code="not_contestable", details=[{"field": "target_id", "rule": "contestable",
                                                                 "message": reason}])
    try:
        with transaction.atomic():
            existing = Objection.objects.filter(target_key=target.key, state__in=OPEN_OBJECTION_STATES).first()
            if existing:
                raise _duplicate(existing)
            o = Objection.objects.create(
                subject=target.subject, subject_name=target.subject_name, target_type=target.type,
                target_id=target.id, target_key=target.key, target_label=target.label,
                target_version=target.version, department=target.department, statement=statement,
                contact_name=name, contact_email=email, contact_phone=phone, channel=channel,
                filed_by=actor if actor is not None else None,
                accept_due=deadline_or_pending(today, accept_working_days()))
            evidence_store(checked, owner_type="objection", owner_id=o.pk, kind=Evidence.Kind.EVIDENCE, actor=actor)
            audit_record(actor=actor, action="objection.file", obj=o, department=o.department,
                         after={**snapshot(o), "target": o.target_key, "channel": channel, "files": len(checked)})
            notify_subject(o, title="异议申请已收到", text=f"您对“{o.target_label}”提出的异议已收到，"
                           f"{o.department.name}将在 {accept_working_days()} 个工作日内决定是否受理"
                           f"（受理期限：{o.accept_due or '待配置节假日'}）。")
            notify_department(o.department, title=f"【异议】新的异议申请待受理：{o.subject_name}",
                              text=f"{o.subject_name}对“{o.target_label}”提出异议，请在受理期限 {o.accept_due or '待配置节假日'} 前处理。")
    except IntegrityError:
        # Two filings raced past the check: the partial unique index lets exactly one in.
        existing = Objection.objects.filter(target_key=target.key, state__in=OPEN_OBJECTION_STATES).first()
        if existing is None:
            raise
        raise _duplicate(existing) from None
    return o


def _duplicate(existing: Objection) -> Conflict:
    msg = (f"该信息已有正在办理的异议（{existing.case_no}，{_label(existing.state)}），"
           "办结前不能重复提出。")
    return Conflict(msg, code="duplicate_objection",
                    details=[{"field": "target_id", "rule": "one_open_objection", "objection_id": existing.pk,
                              "current_state": existing.state, "message": msg}])


def objection_evidence_add(*, actor, objection: Objection, files) -> list[Evidence]:
    ensure_can_write(actor, objection.department)
    checked = evidence_check(files)
    if not checked:
        raise ValidationFailed.single("files", "required", "请选择要上传的证明材料（files）。")
    with transaction.atomic():
        objection = _lock(objection)
        if not objection.is_open:
            raise _conflict(objection, f"异议已办结（{_label(objection.state)}），不能再补充材料。")
        out = evidence_store(checked, owner_type="objection", owner_id=objection.pk, kind=Evidence.Kind.EVIDENCE,
                             actor=actor)
        audit_record(actor=actor, action="objection.evidence_add", obj=objection, department=objection.department,
                     after={"files": [e.name for e in out]})
    return out


# --- steps -------------------------------------------------------------------------------------
def objection_accept(*, actor, objection: Objection) -> Objection:
    """受理: the entry is marked 异议中 everywhere; the decision is due in 10 working days."""
    ensure_can_write(actor, objection.department)
    with transaction.atomic():
        o = _lock(objection)
        before = snapshot(o)
        _run(o, "accept", "受理")
        o.accepted_at, o.accepted_by = timezone.now(), actor
        o.decide_due = deadline_or_pending(_today(), decide_working_days())
        o.save()
        target_set_objection(target_of(o), on=True, actor=actor)
        audit_record(actor=actor, action="objection.accept", obj=o, department=o.department, before=before,
                     after=snapshot(o))
        notify_subject(o, title="异议申请已受理", text=f"{o.department.name}已受理您的异议，相关信息在核查期间标注为“异议中”。"
                       f"办结期限：{o.decide_due or '待配置节假日'}。受理通知书可在“我的申请”中下载。")
    return o


def objection_reject(*, actor, objection: Objection, reason: str) -> Objection:
    """不予受理 (with the reason, e.g. no new facts, not the subject's information)."""
    ensure_can_write(actor, objection.department)
    reason = text(reason, "reason", "不予受理理由", required=True)
    with transaction.atomic():
        o = _lock(objection)
        before = snapshot(o)
        _run(o, "reject", "作出不予受理决定")
        o.not_accepted_reason = reason
        o.decided_at, o.decided_by = timezone.now(), actor
        o.save()
        audit_record(actor=actor, action="objection.reject", obj=o, department=o.department, before=before,
                     after=snapshot(o))
        notify_subject(o, title="异议申请不予受理", text=f"理由：{reason}\n不予受理通知书可在“我的申请”中下载。")
    return o


def objection_review(*, actor, objection: Objection) -> Objection:
    """开始核查."""
    ensure_can_write(actor, objection.department)
    with transaction.atomic():
        o = _lock(objection)
        before = snapshot(o)
        _run(o, "review", "开始核查（须先受理）")
        o.review_started_at = timezone.now()
        o.save()
        audit_record(actor=actor, action="objection.review", obj=o, department=o.department, before=before,
                     after=snapshot(o))
        notify_subject(o, title="异议进入核查", text=f"{o.department.name}正在核查您提出的异议。")
    return o


def objection_uphold(*, actor, objection: Objection, decision: str) -> Objection:
    """驳回: the objection is unfounded, the entry/record stays; 异议中 is lifted."""
    ensure_can_decide(actor, objection.department)
    decision = text(decision, "decision", "处理意见", required=True)
    with transaction.atomic():
        o = _lock(objection)
        before = snapshot(o)
        _run(o, "uphold", "作出驳回决定（须在核查中）")
        o.decision, o.decided_at, o.decided_by = decision, timezone.now(), actor
        o.save()
        target_set_objection(target_of(o), on=False, actor=actor)
        audit_record(actor=actor, action="objection.uphold", obj=o, department=o.department, before=before,
                     after=snapshot(o))
        notify_subject(o, title="异议处理结果：异议不成立", text=f"处理意见：{decision}\n异议处理决定书可在“我的申请”中下载。")
    return o


def objection_correct(*, actor, objection: Objection, decision: str, resolution: str = Resolution.REVOKE,
                      reason: str | None = None, legal_basis: str | None = None, valid_until: date | None = None
                      ) -> Objection:
    """异议成立: revoke the entry/record or correct it (list entry: new facts/basis/period through
    ``list_entry_correct``; record: the department re-enters the corrected record in 双公示 first).
    Every department the entry was pushed to must then confirm (同步回执)."""
    ensure_can_decide(actor, objection.department)
    decision = text(decision, "decision", "处理意见", required=True)
    if resolution not in Resolution.values:
        raise ValidationFailed.single("resolution", "choice", "更正方式（resolution）必须是 revoke（撤销）或 correct（更正）。")
    with transaction.atomic():
        o = _lock(objection)
        before = snapshot(o)
        _run(o, "correct", "作出异议成立决定（须在核查中）")
        started = timezone.now()
        target = target_get(o.target_type, o.target_id)
        _apply_correction(o, target, actor=actor, decision=decision, resolution=resolution, reason=reason,
                          legal_basis=legal_basis, valid_until=valid_until)
        o.decision, o.resolution, o.decided_at, o.decided_by = decision, resolution, timezone.now(), actor
        o.save()
        target = target_get(o.target_type, o.target_id)
        n = receipts.receipts_create(source_type=ReceiptSource.OBJECTION, source_id=o.pk, target=target,
                                     event_ids=receipts.events_since(target, started))
        audit_record(actor=actor, action="objection.correct", obj=o, department=o.department, before=before,
                     after={**snapshot(o), "receipts": n})
        what = "撤销" if resolution == Resolution.REVOKE else "更正"
        notify_subject(o, title="异议处理结果：异议成立", text=f"{o.department.name}已{what}相关信息，并通知各接收部门同步处理。"
                       f"\n处理意见：{decision}\n异议处理决定书可在“我的申请”中下载。")
    return o


def _apply_correction(o: Objection, target: Target, *, actor, decision, resolution, reason, legal_basis, valid_until):
    note = f"异议成立（{o.case_no}）：{decision}"[:TEXT_MAX]
    if target.is_entry:
        from jointcredit.lists import services as lists

        entry = target.obj
        if resolution == Resolution.REVOKE:
            if entry.state != "removed":
                entry = lists.list_entry_remove(entry=entry, actor=actor, reason="revoked", note=note)
            lists.list_entry_set_objection(entry=entry, under_objection=False, actor=actor)
            return
        if reason is None and legal_basis is None and valid_until is None:
            raise ValidationFailed.single("reason", "required", "更正名单条目时请填写更正后的列入事由（reason）、"
                                          "认定依据（legal_basis）或有效期至（valid_until）。")
        lists.list_entry_correct(entry=entry, actor=actor, reason=reason, legal_basis=legal_basis,
                                 valid_until=valid_until, note=note)
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
        raise _conflict(o, "请先在“双公示”中录入更正后的记录（同一文书号重新录入或导入），再作出更正决定。",
                        rule="record_not_corrected")


def objection_urge(*, actor, objection: Objection, note: str = "") -> Objection:
    """催办 by the credit office: the department's approvers and clerks are emailed."""
    ensure_office_admin(actor)
    note = text(note, "note", "催办说明", required=False, limit=500)
    with transaction.atomic():
        o = _lock(objection)
        if not o.is_open:
            raise _conflict(o, f"异议已办结（{_label(o.state)}），无需催办。")
        o.urge_count += 1
        o.urged_at = timezone.now()
        o.save(update_fields=["urge_count", "urged_at", "updated_at"])
        due = o.accept_due if o.state == ObjectionState.SUBMITTED else o.decide_due
        notify_department(o.department, title=f"【催办】异议申请 {o.case_no}（{o.subject_name}）",
                          text=f"信用办催办：异议申请 {o.case_no} 当前“{_label(o.state)}”，期限 {due or '待配置节假日'}。{note}")
        audit_record(actor=actor, action="objection.urge", obj=o, department=o.department,
                     after={"urge_count": o.urge_count, "note": note})
    return o


# --- deadlines, reminders ------------------------------------------------------------------------
def objection_deadlines_recompute(*, years=None) -> int:
    """Fill pending deadlines (待配置节假日) once the office has entered the year."""
    cal = WorkingCalendar.load()
    changed = 0
    for o in Objection.objects.filter(state=ObjectionState.SUBMITTED, accept_due__isnull=True):
        due = deadline_or_pending(timezone.localdate(o.created_at), accept_working_days(), calendar=cal)
        if due:
            Objection.objects.filter(pk=o.pk).update(accept_due=due)
            changed += 1
    for o in Objection.objects.filter(state__in=[ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW],
                                      decide_due__isnull=True, accepted_at__isnull=False):
        due = deadline_or_pending(timezone.localdate(o.accepted_at), decide_working_days(), calendar=cal)
        if due:
            Objection.objects.filter(pk=o.pk).update(decide_due=due)
            changed += 1
    return changed


def on_calendar_changed(sender, years=None, **kwargs) -> None:
    objection_deadlines_recompute(years=years)


def objections_overdue_remind(*, today: date, now) -> int:
    """One reminder per overdue objection (``reminded_at`` makes reruns no-ops)."""
    from .selectors import objections_overdue

    count = 0
    for o in objections_overdue(today=today).filter(reminded_at__isnull=True).select_related("department"):
        with transaction.atomic():
            if Objection.objects.filter(pk=o.pk, reminded_at__isnull=True).update(reminded_at=now):
                notify_department(o.department, title=f"【逾期】异议申请 {o.case_no} 已超过办理期限",
                                  text=f"{o.subject_name}的异议（{o.target_label}）当前“{_label(o.state)}”，已超过期限，请尽快办理。")
                count += 1
    return count


__all__ = ["objection_file", "objection_accept", "objection_reject", "objection_review", "objection_uphold",
           "objection_correct", "objection_urge", "objection_evidence_add", "evidence_of"]
