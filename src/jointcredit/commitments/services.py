"""Writes for 容缺受理 / 告知承诺: intake with eligibility, fulfilment, breach (→ dishonesty record).

Eligibility (DESIGN.md §2): red list or grade A/B, and not black-listed. It is decided through the
check engine (``measures.selectors.measure_check``, scenario ``licensing``): a punishment hit bars
the applicant, the incentive 容缺受理 counts as red-list basis; effective list entries are also read
directly so that a list type not (yet) linked to a memorandum cannot let a black-listed subject
through. The grade is the internal credit grade (computed on the spot if the subject has none).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q

from jointcredit.accounts.permissions import ensure_can_write
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar
from jointcredit.common import clock
from jointcredit.common.errors import CalendarNotConfigured, Conflict, DomainError, ValidationFailed
from jointcredit.common.history import change_fields
from jointcredit.exchange.outbox import event_emit
from jointcredit.lists.models import ListColor, ListEntry
from jointcredit.subjects.selectors import subject_find

from .models import (
    BreachReason,
    BrokenCommitment,
    Commitment,
    CommitmentChange,
    CommitmentEvent,
    CommitmentKind,
    CommitmentState,
)

MAX_WORKING_DAYS = 60
MAX_ITEMS = 30
TOLERANCE_MEASURE = "reward-tolerance-acceptance"
ELIGIBLE_GRADES = ("A", "B")


def _today() -> date:
    return clock.today()


# --- eligibility ----------------------------------------------------------------------------------


def commitment_eligibility(*, identifier: str, on: date | None = None) -> dict:
    """→ {"eligible", "subject", "reasons" (why not), "basis" (why yes), "grade"}."""
    from jointcredit.grading.models import SubjectGrade
    from jointcredit.grading.services import grade_recompute_for
    from jointcredit.measures.selectors import effective_entries_q, measure_check

    on = on or _today()
    result = measure_check(identifier=identifier, scenario="licensing", on=on)  # 422 on a malformed id
    subject = result.subject
    out = {"eligible": False, "subject": None, "reasons": [], "basis": [], "grade": None, "hits": []}
    if subject is None:
        out["reasons"].append("该主体尚未登记，没有红名单记录或信用等级，不适用容缺受理。")
        return out
    out["subject"] = {"identifier": subject.identifier, "name": subject.name, "kind": subject.kind}
    out["hits"] = [h.as_dict() for h in result.hits]
    for h in result.hits:
        if h.measure.kind == "punishment":
            out["reasons"].append(f"{h.measure.name}：{h.explanation}")
        elif h.measure.code == TOLERANCE_MEASURE:
            out["basis"].append(f"红名单激励措施“{h.measure.name}”：{h.explanation}")
    entries = ListEntry.objects.filter(effective_entries_q(on), subject=subject).select_related("list_type")
    for e in entries:
        if e.list_type.color == ListColor.BLACK:
            out["reasons"].append(f"在{e.list_type.name}中（有效期至 {e.valid_until or '长期'}）")
        elif not any(e.list_type.name in b for b in out["basis"]):
            out["basis"].append(f"在{e.list_type.name}中（有效期至 {e.valid_until or '长期'}）")
    grade = SubjectGrade.objects.filter(subject=subject).first()
    if grade is None:
        grade_recompute_for([subject.pk], on=on, expand=False)
        grade = SubjectGrade.objects.filter(subject=subject).first()
    if grade is not None:
        out["grade"] = grade.grade
        if grade.grade in ELIGIBLE_GRADES:
            out["basis"].append(f"信用等级 {grade.grade} 级（{grade.score} 分）")
    if not out["basis"] and not out["reasons"]:
        out["reasons"].append(
            f"信用等级为 {out['grade'] or '未评级'}，且不在红名单中："
            "容缺受理仅适用于红名单主体或 A、B 级主体。"
        )
    out["reasons"] = list(dict.fromkeys(out["reasons"]))
    out["eligible"] = not out["reasons"] and bool(out["basis"])
    return out


# --- intake ---------------------------------------------------------------------------------------


def _clean_items(items) -> list[str]:
    if isinstance(items, str):
        items = [x for x in items.replace("；", "\n").replace(";", "\n").splitlines()]
    items = [str(x).strip() for x in (items or []) if str(x).strip()]
    if not items:
        raise ValidationFailed.single("missing_items", "required", "请列明容缺（暂缺）的材料，至少一项。")
    if len(items) > MAX_ITEMS or any(len(x) > 200 for x in items):
        raise ValidationFailed.single(
            "missing_items", "max", f"容缺材料最多 {MAX_ITEMS} 项，每项不超过 200 个字符。"
        )
    return list(dict.fromkeys(items))


def commitment_deadline(
    *,
    signed_on: date,
    working_days: int,
    deadline: date | None = None,
    calendar: WorkingCalendar | None = None,
) -> date | None:
    """The deadline: ``working_days`` after signing; None = 待配置节假日 (recomputed when the office
    enters the year). An explicit ``deadline`` must be a working day in a configured year."""
    cal = calendar or WorkingCalendar.load()
    if deadline is not None:
        if deadline <= signed_on:
            raise ValidationFailed.single("deadline", "after_signing", "补齐截止日必须晚于签署日期。")
        try:
            working = cal.is_working_day(deadline)
        except CalendarNotConfigured:
            raise ValidationFailed.single(
                "deadline",
                "calendar_configured",
                f"{deadline.year} 年节假日安排未配置，无法确认 {deadline} 是否为工作日；"
                "请改为填写补齐期限（工作日天数），截止日将显示为“待配置节假日”，信用办录入该年度后自动计算。",
            ) from None
        if not working:
            suggestion = ""
            try:
                suggestion = f"，下一个工作日为 {cal.add_working_days(deadline, 0)}"
            except CalendarNotConfigured:
                pass
            raise ValidationFailed.single(
                "deadline", "working_day", f"补齐截止日 {deadline} 不是工作日{suggestion}。"
            )
        return deadline
    try:
        return cal.add_working_days(signed_on, working_days)
    except CalendarNotConfigured:
        return None


def commitment_create(
    *,
    actor,
    identifier: str,
    matter: str,
    missing_items,
    working_days: int | None = None,
    signatory_name: str,
    signatory_role: str = "法定代表人",
    kind: str = CommitmentKind.TOLERANCE,
    application_no: str = "",
    signed_on: date | None = None,
    deadline: date | None = None,
    department=None,
) -> Commitment:
    """Record a signed 承诺书 at intake. Ineligible applicants and bad input: 422, nothing written."""
    department = department or getattr(actor, "department", None)
    if department is None:
        raise ValidationFailed.single("department", "required", "请指定受理部门。")
    ensure_can_write(actor, department)
    today = _today()
    signed_on = signed_on or today
    if signed_on > today:
        raise ValidationFailed.single("signed_on", "not_future", "签署日期不能晚于今天。")
    if kind not in CommitmentKind.values:
        raise ValidationFailed.single(
            "kind", "choice", "类型必须是 tolerance（容缺受理）或 notification（告知承诺）。"
        )
    matter = (matter or "").strip()
    if not matter or len(matter) > 200:
        raise ValidationFailed.single("matter", "length", "申请事项不能为空且不超过 200 个字符。")
    signatory_name = (signatory_name or "").strip()
    if not signatory_name or len(signatory_name) > 100:
        raise ValidationFailed.single("signatory_name", "length", "签署人姓名不能为空且不超过 100 个字符。")
    if len(signatory_role or "") > 50 or len(application_no or "") > 100:
        raise ValidationFailed.single(
            "signatory_role", "max_length", "签署人身份不超过 50 个字符，受理编号不超过 100 个字符。"
        )
    if working_days is None and deadline is None:
        raise ValidationFailed.single(
            "working_days", "required", "请填写补齐期限（工作日天数）或补齐截止日。"
        )
    if working_days is not None and (
        isinstance(working_days, bool)
        or not isinstance(working_days, int)
        or not 1 <= working_days <= MAX_WORKING_DAYS
    ):
        raise ValidationFailed.single(
            "working_days", "range", f"补齐期限必须是 1 到 {MAX_WORKING_DAYS} 个工作日。"
        )
    items = _clean_items(missing_items)
    cal = WorkingCalendar.load()
    due = commitment_deadline(
        signed_on=signed_on, working_days=working_days or 0, deadline=deadline, calendar=cal
    )
    if deadline is not None:
        # Stored as working days too, so a later recomputation lands on the same date.
        working_days = cal.working_days_between(signed_on, due)
        if not 1 <= working_days <= MAX_WORKING_DAYS:
            raise ValidationFailed.single(
                "deadline",
                "range",
                f"补齐期限必须是 1 到 {MAX_WORKING_DAYS} 个工作日（当前 {working_days}）。",
            )
    eligibility = commitment_eligibility(identifier=identifier, on=today)
    if not eligibility["eligible"]:
        raise ValidationFailed(
            "该主体不符合容缺受理/告知承诺条件：" + "；".join(eligibility["reasons"]),
            details=[
                {"field": "identifier", "rule": "eligible", "message": r} for r in eligibility["reasons"]
            ],
        )
    subject = subject_find(identifier)
    with transaction.atomic():
        c = Commitment.objects.create(
            department=department,
            subject=subject,
            subject_name=subject.name,
            kind=kind,
            matter=matter,
            application_no=(application_no or "").strip(),
            missing_items=items,
            signatory_name=signatory_name,
            signatory_role=(signatory_role or "").strip() or "法定代表人",
            signed_on=signed_on,
            working_days=working_days,
            deadline=due,
            eligibility={
                "basis": eligibility["basis"],
                "grade": eligibility["grade"],
                "checked_on": today.isoformat(),
            },
            created_by=actor,
        )
        commitment_step(
            commitment=c,
            event=CommitmentEvent.SIGNED,
            action="commitment.create",
            actor=actor,
            before=None,
            effective_on=signed_on,
            reason=f"受理编号 {c.application_no}" if c.application_no else "",
            after={
                "subject": subject.identifier,
                "matter": matter,
                "missing_items": items,
                "deadline": due,
                "working_days": working_days,
                "basis": eligibility["basis"],
            },
        )
        event_emit(
            kind="commitment.created",
            aggregate_type="commitments.commitment",
            aggregate_id=c.pk,
            department=department,
            data=_event_data(c),
        )
    return c


def _event_data(c: Commitment, **extra) -> dict:
    return {
        "commitment_id": c.pk,
        "subject_id": c.subject_id,
        "identifier": c.subject.identifier,
        "name": c.subject_name,
        "kind": c.kind,
        "matter": c.matter,
        "deadline": c.deadline,
        "state": c.state,
        "department": c.department.code,
        **extra,
    }


def commitment_step(
    *,
    commitment: Commitment,
    event: str,
    action: str,
    actor,
    before: dict | None,
    after: dict,
    reason: str = "",
    effective_on: date | None = None,
) -> CommitmentChange:
    """One step of a 承诺书 recorded twice inside the caller's transaction: its status history row
    (ADR 0036) and its audit row, with the same actor and state before."""
    change = CommitmentChange.objects.create(
        commitment=commitment,
        **change_fields(
            event=event,
            state_before=(before or {}).get("state", ""),
            state_after=commitment.state,
            actor=actor,
            reason=reason,
            effective_on=effective_on,
        ),
    )
    audit_record(
        actor=actor,
        action=action,
        obj=commitment,
        department=commitment.department,
        before=before,
        after=after,
    )
    return change


def _lock(c: Commitment) -> Commitment:
    return Commitment.objects.select_for_update().select_related("subject", "department").get(pk=c.pk)


def commitment_fulfil(*, actor, commitment: Commitment, note: str = "") -> Commitment:
    """All missing items supplied in time (履约)."""
    ensure_can_write(actor, commitment.department)
    if len(note or "") > 500:
        raise ValidationFailed.single("note", "max_length", "履约说明不超过 500 个字符。")
    with transaction.atomic():
        c = _lock(commitment)
        if c.state != CommitmentState.ACTIVE:
            raise Conflict(
                f"承诺书当前状态为“{c.get_state_display()}”，不能登记履约。", details=[{"state": c.state}]
            )
        c.state, c.fulfilled_at, c.fulfil_note = (
            CommitmentState.FULFILLED,
            clock.now(),
            (note or "").strip(),
        )
        c.save(update_fields=["state", "fulfilled_at", "fulfil_note"])
        commitment_step(
            commitment=c,
            event=CommitmentEvent.FULFILLED,
            action="commitment.fulfil",
            actor=actor,
            before={"state": CommitmentState.ACTIVE},
            after={"state": c.state, "note": c.fulfil_note},
            reason=c.fulfil_note,
        )
        event_emit(
            kind="commitment.fulfilled",
            aggregate_type="commitments.commitment",
            aggregate_id=c.pk,
            department=c.department,
            data=_event_data(c),
        )
    return c


def _break(c: Commitment, *, actor, reason: str, note: str, on: date) -> BrokenCommitment:
    before = c.state
    c.state = CommitmentState.BROKEN
    c.save(update_fields=["state"])
    breach = BrokenCommitment.objects.create(
        commitment=c,
        subject_id=c.subject_id,
        department=c.department,
        reason=reason,
        occurred_on=on,
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    commitment_step(
        commitment=c,
        event=CommitmentEvent.BROKEN,
        action="commitment.break",
        actor=actor,
        before={"state": before},
        after={"state": c.state, "reason": reason, "note": note, "breach_id": breach.pk},
        reason=f"{BreachReason(reason).label}：{note}",
        effective_on=on,
    )
    event_emit(
        kind="commitment.broken",
        aggregate_type="commitments.commitment",
        aggregate_id=c.pk,
        department=c.department,
        data=_event_data(
            c,
            reason=reason,
            reason_label=BreachReason(reason).label,
            occurred_on=on,
            breach_id=breach.pk,
            note=note,
        ),
    )
    return breach


def commitment_break(
    *, actor, commitment: Commitment, note: str, reason: str = BreachReason.FALSE_PROMISE
) -> BrokenCommitment:
    """Promise found false (承诺不实) — also after fulfilment; or a manual overdue finding."""
    ensure_can_write(actor, commitment.department)
    if reason not in BreachReason.values:
        raise ValidationFailed.single(
            "reason", "choice", "违约情形必须是 false_promise（承诺不实）或 overdue（逾期未补齐）。"
        )
    note = (note or "").strip()
    if not note or len(note) > 2000:
        raise ValidationFailed.single("note", "length", "请说明认定违约的事实（不超过 2000 个字符）。")
    with transaction.atomic():
        c = _lock(commitment)
        if c.state == CommitmentState.BROKEN:
            raise Conflict("该承诺书已认定违约。", details=[{"state": c.state}])
        if reason == BreachReason.OVERDUE and (
            c.state != CommitmentState.ACTIVE or c.deadline is None or c.deadline >= _today()
        ):
            raise Conflict(
                "尚未逾期，不能按逾期认定违约。", details=[{"state": c.state, "deadline": c.deadline}]
            )
        return _break(c, actor=actor, reason=reason, note=note, on=_today())


# --- sweeps ---------------------------------------------------------------------------------------


def commitments_overdue_break(*, today: date) -> int:
    """Missed deadlines become dishonesty records automatically (system actor)."""
    n = 0
    for pk in Commitment.objects.filter(state=CommitmentState.ACTIVE, deadline__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            c = Commitment.objects.select_for_update().select_related("subject", "department").get(pk=pk)
            if c.state != CommitmentState.ACTIVE or c.deadline is None or c.deadline >= today:
                continue
            _break(
                c,
                actor=None,
                reason=BreachReason.OVERDUE,
                on=c.deadline,
                note=f"截止 {c.deadline} 未补齐材料：{'、'.join(c.missing_items)}（系统自动认定）",
            )
            n += 1
    return n


def commitments_remind(*, today: date, working_days_before: int = 2) -> int:
    """One reminder per commitment when its deadline is within ``working_days_before`` working days."""
    cal = WorkingCalendar.load()
    n = 0
    qs = Commitment.objects.filter(
        state=CommitmentState.ACTIVE, reminded_at__isnull=True, deadline__gte=today
    )
    for c in qs.select_related("subject", "department"):
        try:
            left = cal.working_days_between(today, c.deadline)
        except (CalendarNotConfigured, DomainError):
            continue
        if left > working_days_before:
            continue
        with transaction.atomic():
            updated = Commitment.objects.filter(pk=c.pk, reminded_at__isnull=True).update(
                reminded_at=clock.now()
            )
            if not updated:
                continue
            event_emit(
                kind="commitment.reminder_due",
                aggregate_type="commitments.commitment",
                aggregate_id=c.pk,
                department=c.department,
                data=_event_data(c, working_days_left=left),
            )
            audit_record(
                actor=None,
                action="commitment.remind",
                obj=c,
                department=c.department,
                after={"deadline": c.deadline, "working_days_left": left},
            )
            n += 1
    return n


def commitment_deadlines_recompute(*, years: set[int] | None = None) -> int:
    """Pending deadlines (待配置节假日) once the office has entered the year; also active deadlines
    in changed years (an override can move them)."""
    cal = WorkingCalendar.load()
    qs = Commitment.objects.filter(state=CommitmentState.ACTIVE)
    cond = Q(deadline__isnull=True)
    if years:
        cond |= Q(deadline__year__in=list(years))
    n = 0
    for c in qs.filter(cond):
        try:
            due = cal.add_working_days(c.signed_on, c.working_days)
        except CalendarNotConfigured:
            continue
        if due != c.deadline:
            with transaction.atomic():
                Commitment.objects.filter(pk=c.pk).update(deadline=due)
                audit_record(
                    actor=None,
                    action="commitment.deadline_recompute",
                    obj=c,
                    department=c.department,
                    before={"deadline": c.deadline},
                    after={"deadline": due},
                )
            n += 1
    return n


def on_calendar_changed(sender, years=None, **kwargs) -> None:
    commitment_deadlines_recompute(years=set(years or []))


def commitments_subject_merge(*, source, target) -> int:
    """主体合并: the duplicate's 承诺书 and broken commitments (违背承诺记录, which the check and the
    grade read) move to the subject that stays."""
    return Commitment.objects.filter(subject=source).update(subject=target) + (
        BrokenCommitment.objects.filter(subject=source).update(subject=target)
    )
