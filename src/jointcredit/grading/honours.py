"""评先评优 (seed §四二): screening a batch of candidates and the revocation worklist.

Barred = the check engine (``measures.selectors.measure_check``, scenario ``honours``) returns a
punishment for the candidate: its own black entry, or one of an organisation where it holds a role
the measure reaches (the measure's ``reaches_subject``, ``reach_roles`` and
``directly_responsible_roles``, configured by the office). As a safety net a candidate with an
effective black entry of its own is barred even when no memorandum links its list type to the
honours measure. The screening and the revocation worklist share that rule (``_barred_reasons``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jointcredit.accounts.permissions import ensure_can_write
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, DomainError, NotFound, ValidationFailed
from jointcredit.common.history import change_fields, timeline_step
from jointcredit.exchange.outbox import event_emit
from jointcredit.lists.models import ListColor, ListEntry
from jointcredit.subjects import privacy
from jointcredit.subjects.models import RelatedPerson
from jointcredit.subjects.selectors import subject_find, subject_get

from .models import Honour, HonourChange, HonourEvent, HonourState

MAX_CANDIDATES = 5000


@dataclass
class ScreeningRow:
    row: int
    identifier: str
    name: str = ""
    status: str = "clear"  # clear | barred | unknown | invalid
    reasons: list[str] = field(default_factory=list)


def _black_entries_q(on: date) -> Q:
    from jointcredit.measures.selectors import effective_entries_q

    return effective_entries_q(on) & Q(list_type__color=ListColor.BLACK)


def honours_screen(*, identifiers: list[str], on: date | None = None) -> list[ScreeningRow]:
    """One result per input line, invalid lines reported (never dropped)."""
    from jointcredit.measures.selectors import measure_check

    on = on or clock.today()
    if not identifiers:
        raise ValidationFailed.single(
            "identifiers", "required", "请至少提供一个候选主体的统一社会信用代码或身份证号码。"
        )
    if len(identifiers) > MAX_CANDIDATES:
        raise ValidationFailed.single("identifiers", "max", f"一次最多筛查 {MAX_CANDIDATES} 个候选主体。")
    out = []
    for i, raw in enumerate(identifiers, start=1):
        ident = (raw or "").strip()
        row = ScreeningRow(row=i, identifier=ident)
        try:
            result = measure_check(identifier=ident, scenario="honours", on=on)
        except DomainError as exc:
            row.status, row.reasons = "invalid", [exc.message]
            out.append(row)
            continue
        if result.subject is None:
            row.status, row.reasons = "unknown", ["未找到该主体，无失信记录"]
            out.append(row)
            continue
        row.name = result.subject.name
        reasons = _barred_reasons(result, on)
        if reasons:
            row.status, row.reasons = "barred", reasons
        out.append(row)
    return out


def _barred_reasons(result, on: date) -> list[str]:
    """Why a checked subject may not hold an honour: the punishments the check engine finds in the
    ``honours`` scenario (each with its explanation), else the subject's own effective black
    entries (the safety net for list types no memorandum links to the honours measure)."""
    reasons = [f"{h.measure.name}：{h.explanation}" for h in result.hits if h.measure.kind == "punishment"]
    if not reasons:
        own = ListEntry.objects.filter(_black_entries_q(on), subject=result.subject).select_related(
            "list_type", "department"
        )
        reasons = [f"本主体在{e.list_type.name}中（{e.department.name}认定）" for e in own]
    return list(dict.fromkeys(reasons))


def _candidate_subject_ids_q(on: date) -> Q:
    """Honour holders the check engine could bar (set-based prefilter, deliberately wide): black-listed
    themselves, or holding any role on ``on`` in a black-listed organisation. Which roles a measure
    reaches, and whether only directly responsible holders, is the engine's to decide."""
    black = ListEntry.objects.filter(_black_entries_q(on)).values("subject_id")
    from jointcredit.measures.selectors import role_held_q

    via = RelatedPerson.objects.filter(role_held_q(on), subject_id__in=black).values("person_id")
    return Q(subject_id__in=black) | Q(subject_id__in=via)


@dataclass
class Revocation:
    """One line of the revocation worklist: the held honour and why its holder is barred."""

    honour: Honour
    reasons: list[str]


def honours_to_revoke(*, department=None, on: date | None = None) -> list[Revocation]:
    """Held honours whose holder the check engine bars in the ``honours`` scenario on ``on``, as the
    measures' reach says (subject itself, related persons by role, directly responsible only), each
    with its reasons: the hits' explanations (the worklist page and API show them)."""
    from jointcredit.measures.selectors import measure_check

    on = on or clock.today()
    qs = Honour.objects.filter(revoked_at__isnull=True).filter(_candidate_subject_ids_q(on))
    if department is not None:
        qs = qs.filter(department=department)
    candidates = list(
        qs.select_related("subject", "department").order_by("department__code", "-awarded_on", "id")
    )
    reasons: dict[int, list[str]] = {}
    for honour in candidates:
        if honour.subject_id not in reasons:
            result = measure_check(identifier=honour.subject.identifier, scenario="honours", on=on)
            reasons[honour.subject_id] = _barred_reasons(result, on) if result.subject else []
    return [Revocation(h, reasons[h.subject_id]) for h in candidates if reasons[h.subject_id]]


def honour_list(*, department=None, identifier: str | None = None):
    qs = Honour.objects.select_related("subject", "department")
    if department is not None:
        qs = qs.filter(department=department)
    if identifier:
        subject = subject_find(identifier)
        qs = qs.filter(subject=subject) if subject else qs.none()
    return qs.order_by("-awarded_on", "-id")


def honour_create(*, actor, identifier: str, title: str, awarded_on: date, department=None) -> Honour:
    """Register an honour awarded by the actor's department (the screening should come first)."""
    department = department or getattr(actor, "department", None)
    if department is None:
        raise ValidationFailed.single("department", "required", "请指定授予部门。")
    ensure_can_write(actor, department)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed.single("title", "length", "荣誉称号不能为空且不超过 200 个字符。")
    if awarded_on > clock.today():
        raise ValidationFailed.single("awarded_on", "not_future", "授予日期不能晚于今天。")
    subject = subject_get(identifier)
    with transaction.atomic():
        honour = Honour.objects.create(
            subject=subject, title=title, department=department, awarded_on=awarded_on
        )
        honour_step(
            honour,
            event=HonourEvent.AWARDED,
            action="honour.create",
            actor=actor,
            before=None,
            after={"subject": subject.identifier, "title": title, "awarded_on": awarded_on},
            effective_on=awarded_on,
        )
    return honour


def honour_step(
    honour: Honour,
    *,
    event: str,
    action: str,
    actor,
    before: dict | None,
    after: dict,
    reason: str = "",
    effective_on: date | None = None,
) -> HonourChange:
    """One step of an honour recorded twice inside the caller's transaction: its status history row
    (ADR 0036) and its audit row, same actor, same state before."""
    change = HonourChange.objects.create(
        honour=honour,
        **change_fields(
            event=event,
            state_before=(before or {}).get("state", ""),
            state_after=HonourState.REVOKED if honour.revoked_at else HonourState.HELD,
            actor=actor,
            reason=reason,
            effective_on=effective_on,
        ),
    )
    audit_record(
        actor=actor, action=action, obj=honour, department=honour.department, before=before, after=after
    )
    return change


def honour_timeline(honour: Honour) -> list[dict]:
    """The honour's status history, oldest first (the model's ordering; served by a prefetch)."""
    labels = dict(HonourState.choices)
    return [timeline_step(c, state_labels=labels) for c in honour.changes.all()]


def honour_public_timeline(honour: Honour) -> list[dict]:
    """Honours are public: their awards and revocations, dated, without who or why."""
    return privacy.public_timeline(honour_timeline(honour), events=HonourEvent.values)


def honours_held_q(on: date) -> Q:
    """Honours held at the end of ``on``: awarded by then and not revoked by then (one revoked later
    was held that day; the reader flags it)."""
    end_of_day = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
    return Q(awarded_on__lte=on) & (Q(revoked_at__isnull=True) | Q(revoked_at__gte=end_of_day))


def honour_get(pk: int) -> Honour:
    honour = Honour.objects.select_related("subject", "department").filter(pk=pk).first()
    if honour is None:
        raise NotFound("荣誉称号记录不存在。")
    return honour


def honour_revoke(*, actor, honour: Honour, reason: str) -> Honour:
    """撤销荣誉称号 (awarding department; audited; event for the departments that follow it)."""
    ensure_can_write(actor, honour.department)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed.single("reason", "length", "撤销原因不能为空且不超过 500 个字符。")
    with transaction.atomic():
        locked = Honour.objects.select_for_update().get(pk=honour.pk)
        if locked.revoked_at is not None:
            raise Conflict(
                "该荣誉称号已被撤销。",
                details=[{"state": "revoked", "revoked_at": locked.revoked_at.isoformat()}],
            )
        locked.revoked_at, locked.revoke_reason, locked.revoked_by = clock.now(), reason, actor
        locked.save(update_fields=["revoked_at", "revoke_reason", "revoked_by"])
        honour_step(
            locked,
            event=HonourEvent.REVOKED,
            action="honour.revoke",
            actor=actor,
            before={"state": HonourState.HELD, "revoked_at": None},
            after={"revoked_at": locked.revoked_at, "reason": reason},
            reason=reason,
        )
        event_emit(
            kind="honour.revoked",
            aggregate_type="grading.honour",
            aggregate_id=locked.pk,
            department=locked.department,
            data={
                "honour_id": locked.pk,
                "title": locked.title,
                "subject_id": locked.subject_id,
                "identifier": locked.subject.identifier,
                "reason": reason,
            },
        )
    return locked
