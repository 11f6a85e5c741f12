"""Writes on credit repair (信用修复), DESIGN.md §2.

Filing is refused with the reason before anything is written when the minimum publication period
has not passed or the type is not repairable. Approval ends publication and joint punishment at
once — lists' ``list_entry_remove(reason="repaired")`` or records' ``record_publication_end`` —
emits ``repair.approved`` and opens a result-sync receipt for every receiving department.
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
from jointcredit.casework.targets import Target, repair_earliest, repair_refusal, target_get
from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.exchange.outbox import event_emit

from .kind import REPAIR
from .models import RepairApplication, RepairState


def decide_working_days() -> int:
    return int(settings.JOINTCREDIT.get("REPAIR_DECIDE_WORKING_DAYS", 3))


def repair_check(*, target_type: str, target_id, today: date | None = None) -> dict:
    """Can a repair be applied for now? For the forms (shown before the subject writes anything)."""
    target = target_get(target_type, target_id)
    today = today or clock.today()
    earliest, _ = repair_earliest(target)
    refusal = repair_refusal(target, today)
    return {"allowed": refusal is None, "reason": refusal, "earliest_on": earliest, "target": target.label}


def repair_file(
    *,
    actor=None,
    verified_identifier: str | None = None,
    target_type: str,
    target_id,
    correction: str,
    commitment_signatory: str,
    commitment_accepted: bool,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    commitment_role: str = "法定代表人",
    proofs=None,
    commitment_files=None,
    channel: str | None = None,
) -> RepairApplication:
    """申请信用修复: proof of correction and the signed 信用承诺书 (electronically by name; a scanned
    signed copy may be attached)."""
    target = target_get(target_type, target_id)
    channel = cases.filing_channel(
        REPAIR, target=target, actor=actor, verified_identifier=verified_identifier, channel=channel
    )
    today = clock.today()
    refusal = repair_refusal(target, today)
    if refusal:
        earliest, never = repair_earliest(target)
        rule = "not_repairable" if never else "min_repair_period"
        raise ValidationFailed(
            refusal,
            code="repair_not_allowed",
            details=[
                {
                    "field": "target_id",
                    "rule": rule,
                    "message": refusal,
                    "earliest_on": earliest.isoformat() if earliest and not never else None,
                }
            ],
        )
    correction = cases.text(correction, "correction", "履行义务、纠正失信行为情况", required=True)
    signatory = cases.text(commitment_signatory, "commitment_signatory", "承诺人", required=True, limit=100)
    role = (
        cases.text(commitment_role, "commitment_role", "签署人身份", required=False, limit=50) or "法定代表人"
    )
    if not commitment_accepted:
        raise ValidationFailed.single(
            "commitment_accepted", "required", "请阅读并签署信用承诺书（commitment_accepted）。"
        )
    name, email, phone = cases.contact(contact_name, contact_email, contact_phone)
    proofs_ok = evidence_check(proofs, field="proofs")
    commitment_ok = evidence_check(commitment_files, field="commitment_files")
    earliest, _ = repair_earliest(target)

    def build() -> RepairApplication:
        r = RepairApplication.objects.create(
            subject=target.subject,
            subject_name=target.subject_name,
            target_type=target.type,
            target_id=target.id,
            target_key=target.key,
            target_label=target.label,
            department=target.department,
            correction=correction,
            commitment_signatory=signatory,
            commitment_role=role,
            commitment_signed_on=today,
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
            channel=channel,
            filed_by=actor,
            earliest_on=earliest,
        )
        evidence_store(proofs_ok, owner_type="repair", owner_id=r.pk, kind=Evidence.Kind.PROOF, actor=actor)
        evidence_store(
            commitment_ok, owner_type="repair", owner_id=r.pk, kind=Evidence.Kind.COMMITMENT, actor=actor
        )
        cases.case_audit(
            REPAIR,
            actor=actor,
            case=r,
            verb="file",
            target=r.target_key,
            channel=channel,
            proofs=len(proofs_ok),
            commitment_files=len(commitment_ok),
        )
        notify_subject(
            r,
            title="信用修复申请已收到",
            text=f"您对“{r.target_label}”的信用修复申请已收到，{r.department.name}将审查后受理。",
        )
        notify_department(
            r.department,
            title=f"【信用修复】新的申请待受理：{r.subject_name}",
            text=f"{r.subject_name}申请修复“{r.target_label}”。",
        )
        return r

    return cases.case_create(REPAIR, target=target, build=build)


def repair_evidence_add(
    *, actor, repair: RepairApplication, files, kind: str = Evidence.Kind.PROOF
) -> list[Evidence]:
    ensure_can_write(actor, repair.department)
    if kind not in (Evidence.Kind.PROOF, Evidence.Kind.COMMITMENT):
        raise ValidationFailed.single("kind", "choice", "材料类别（kind）必须是 proof 或 commitment。")
    return cases.case_evidence_add(
        REPAIR,
        actor=actor,
        case=repair,
        files=files,
        evidence_kind=kind,
        empty="请选择要上传的材料（files）。",
        audit={"kind": kind},
    )


def repair_accept(*, actor, repair: RepairApplication) -> RepairApplication:
    """受理: proof of correction present; the decision is due within 3 working days."""
    ensure_can_write(actor, repair.department)
    with cases.case_step(REPAIR, repair, "accept", "受理") as (r, before):
        if not evidence_of("repair", r.pk).filter(kind=Evidence.Kind.PROOF).exists():
            raise cases.case_conflict(
                REPAIR,
                r,
                "申请缺少履行/整改证明材料，请先补充材料（或作出不予受理决定）。",
                rule="proof_required",
            )
        r.accepted_at, r.accepted_by = clock.now(), actor
        r.decide_due = deadline_or_pending(clock.today(), decide_working_days())
        r.save()
        cases.case_audit(REPAIR, actor=actor, case=r, verb="accept", before=before)
        notify_subject(
            r,
            title="信用修复申请已受理",
            text=f"{r.department.name}已受理，将在 {decide_working_days()} 个工作日内作出决定"
            f"（期限：{r.decide_due or '待配置节假日'}）。",
        )
    return r


def repair_approve(*, actor, repair: RepairApplication, decision: str = "") -> RepairApplication:
    """准予修复: publication and joint punishment end now; removal events go out; receipts open."""
    ensure_can_decide(actor, repair.department)
    decision = (
        cases.text(decision, "decision", "决定意见", required=False)
        or "经审核，申请人已履行法定义务、纠正失信行为，并作出信用承诺，准予信用修复。"
    )
    with cases.case_step(REPAIR, repair, "approve", "准予修复（须先受理）") as (r, before):
        started = clock.now()
        target = target_get(r.target_type, r.target_id)
        note = f"信用修复（{r.case_no}）：{decision}"[: cases.TEXT_MAX]
        if target.is_entry:
            from jointcredit.lists.services import list_entry_remove

            list_entry_remove(entry=target.obj, actor=actor, reason="repaired", note=note)
        else:
            from jointcredit.records.services import record_publication_end

            record_publication_end(actor=actor, record=target.obj, reason="repaired", note=note)
        r.decision, r.decided_at, r.decided_by = decision, clock.now(), actor
        r.save()
        target = target_get(r.target_type, r.target_id)
        event_emit(
            kind="repair.approved",
            aggregate_type="repair",
            aggregate_id=r.pk,
            department=r.department,
            list_type_code=target.obj.list_type.code if target.is_entry else "",
            data=repair_event_data(r, target),
        )
        n = receipts.receipts_create(
            source_type=ReceiptSource.REPAIR,
            source_id=r.pk,
            target=target,
            event_ids=receipts.events_since(target, started) + _events_of_repair(r, started),
        )
        cases.case_audit(REPAIR, actor=actor, case=r, verb="approve", before=before, receipts=n)
        notify_subject(
            r,
            title="信用修复结果：准予修复",
            text=f"相关信息已停止公示，并已通知各接收部门停止联合惩戒措施。\n决定意见：{decision}\n"
            "信用修复决定书可在“我的申请”中下载。",
        )
    return r


def _events_of_repair(r: RepairApplication, since) -> list[str]:
    from jointcredit.exchange.models import OutboxEvent

    return [
        str(pk)
        for pk in OutboxEvent.objects.filter(
            aggregate_type="repair", aggregate_id=str(r.pk), occurred_at__gte=since
        ).values_list("id", flat=True)
    ]


def repair_event_data(r: RepairApplication, target: Target) -> dict:
    o = target.obj
    return {
        "repair_id": r.pk,
        "case_no": r.case_no,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "entry_id": o.pk if target.is_entry else None,
        "record_id": None if target.is_entry else o.pk,
        "subject_identifier": o.subject.identifier,
        "subject_name": r.subject_name,
        "department_code": r.department.code,
        "department_name": r.department.name,
        "list_type_code": o.list_type.code if target.is_entry else None,
        "document_no": o.document_no if target.is_entry else o.doc_no,
        "approved_at": r.decided_at,
        "decision": r.decision,
    }


def repair_reject(*, actor, repair: RepairApplication, reason: str) -> RepairApplication:
    """不予受理 (submitted) / 不予修复 (under review), with the reason. Deciding is the approver's."""
    ensure_can_decide(actor, repair.department)
    reason = cases.text(reason, "reason", "不予修复理由", required=True)
    with cases.case_step(REPAIR, repair, "reject", "作出不予修复决定") as (r, before):
        was_submitted = before["state"] == RepairState.SUBMITTED
        r.decision, r.decided_at, r.decided_by = reason, clock.now(), actor
        r.save()
        cases.case_audit(
            REPAIR,
            actor=actor,
            case=r,
            verb="reject",
            before=before,
            stage="submitted" if was_submitted else "under_review",
        )
        notify_subject(
            r,
            title="信用修复结果：不予修复" if not was_submitted else "信用修复申请不予受理",
            text=f"理由：{reason}\n决定书可在“我的申请”中下载。",
        )
    return r


def repair_urge(*, actor, repair: RepairApplication, note: str = "") -> RepairApplication:
    def message(r, note):
        return (
            f"【催办】信用修复申请 {r.case_no}（{r.subject_name}）",
            f"信用办催办：当前“{REPAIR.label(r.state)}”，决定期限 {r.decide_due or '—'}。{note}",
        )

    return cases.case_urge(REPAIR, actor=actor, case=repair, note=note, message=message)


def repair_deadlines_recompute(*, years=None) -> int:
    return cases.deadlines_fill(
        REPAIR,
        states=[RepairState.UNDER_REVIEW],
        start="accepted_at",
        due="decide_due",
        working_days=decide_working_days(),
        calendar=WorkingCalendar.load(),
    )


def on_calendar_changed(sender, years=None, **kwargs) -> None:
    repair_deadlines_recompute(years=years)


def repairs_overdue_remind(*, today: date, now) -> int:
    from .selectors import repairs_overdue

    return cases.overdue_remind(
        REPAIR,
        repairs_overdue(today=today),
        now=now,
        message=lambda r: (
            f"【逾期】信用修复申请 {r.case_no} 已超过决定期限",
            f"{r.subject_name}的信用修复申请（{r.target_label}）已超过 {r.decide_due}，请尽快决定。",
        ),
    )


def repairs_subject_merge(*, source, target) -> int:
    """主体合并: the duplicate's repair applications follow it to the subject that stays."""
    return RepairApplication.objects.filter(subject=source).update(subject=target)
