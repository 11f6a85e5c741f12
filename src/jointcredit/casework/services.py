"""Writes shared by objections and repairs: input checks, the locked step with its declared
transition (409 with the current state when illegal), filing with one open case per target,
evidence, 催办, working-day deadlines and overdue reminders.

Every step locks the case row (``SELECT … FOR UPDATE``) and re-checks the state under the lock, so
two approvers deciding at once: the second finds the new state and gets 409 (ADR 0009 §2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from jointcredit.accounts.permissions import ensure_can_write, ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import deadline_or_pending
from jointcredit.casework.models import Channel
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jointcredit.common.validation import TEXT_MAX  # noqa: F401 - TEXT_MAX re-exported (cases.TEXT_MAX)
from jointcredit.common.validation import clean_text as text

from .evidence import evidence_check, evidence_store
from .kinds import CaseKind
from .notify import notify_department
from .selectors import open_case_for


def contact(contact_name, contact_email, contact_phone) -> tuple[str, str, str]:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    name = text(contact_name, "contact_name", "联系人", required=True, limit=100)
    email = text(contact_email, "contact_email", "联系邮箱", required=True, limit=254)
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.single(
            "contact_email", "email", "联系邮箱（contact_email）格式不正确。"
        ) from None
    phone = text(contact_phone, "contact_phone", "联系电话", required=False, limit=30)
    return name, email, phone


# --- state and locking ------------------------------------------------------------------------
def case_conflict(kind: CaseKind, case, message: str, rule: str = "transition") -> Conflict:
    return Conflict(
        message,
        details=[
            {
                "field": "state",
                "rule": rule,
                "current_state": case.state,
                "current_state_label": kind.label(case.state),
                "message": message,
            }
        ],
    )


def case_lock(kind: CaseKind, case):
    locked = (
        kind.model.objects.select_for_update(of=("self",))
        .select_related("department", "subject")
        .filter(pk=case.pk)
        .first()
    )
    if locked is None:
        raise NotFound(f"{kind.noun} {case.pk} 不存在。")
    return locked


def case_transition(kind: CaseKind, case, transition: str, expected: str) -> None:
    """Run the model's declared transition (side-effect free) or answer 409 with the current state."""
    try:
        getattr(case, transition)()
    except TransitionNotAllowed:
        raise case_conflict(
            kind, case, f"{kind.short}当前状态为“{kind.label(case.state)}”，不能{expected}。"
        ) from None


@contextmanager
def case_step(kind: CaseKind, case, transition: str, expected: str) -> Iterator[tuple[object, dict]]:
    """One step in one transaction: lock, snapshot, transition; the caller applies the outcome,
    saves, audits and notifies inside the ``with`` block. Yields (locked case, snapshot before)."""
    with transaction.atomic():
        locked = case_lock(kind, case)
        before = kind.snapshot(locked)
        case_transition(kind, locked, transition, expected)
        yield locked, before


def case_audit(kind: CaseKind, *, actor, case, verb: str, before: dict | None = None, **extra) -> None:
    audit_record(
        actor=actor,
        action=f"{kind.key}.{verb}",
        obj=case,
        department=case.department,
        before=before,
        after={**kind.snapshot(case), **extra},
    )


def ensure_open(kind: CaseKind, case, what: str) -> None:
    if not case.is_open:
        raise case_conflict(kind, case, f"{kind.short}已办结（{kind.label(case.state)}），{what}。")


# --- filing ---------------------------------------------------------------------------------------
def filing_channel(
    kind: CaseKind, *, target, actor, verified_identifier: str | None, channel: str | None
) -> str:
    """Who files: staff of the deciding department on the subject's behalf (``actor``) or the
    subject itself online, verified by the one-time code (``verified_identifier``)."""
    if actor is not None:
        ensure_can_write(actor, target.department)
        return channel or Channel.STAFF
    if verified_identifier:
        if verified_identifier != target.subject.identifier:
            raise PermissionDenied(kind.not_own)
        return Channel.PORTAL
    raise PermissionDenied("请先通过统一社会信用代码/证件号码和邮箱验证码验证身份。")


def duplicate_conflict(kind: CaseKind, existing) -> Conflict:
    msg = kind.duplicate.format(case_no=existing.case_no, state=kind.label(existing.state))
    return Conflict(
        msg,
        code=f"duplicate_{kind.key}",
        details=[
            {
                "field": "target_id",
                "rule": f"one_open_{kind.key}",
                f"{kind.key}_id": existing.pk,
                "current_state": existing.state,
                "message": msg,
            }
        ],
    )


def case_create(kind: CaseKind, *, target, build: Callable[[], object]):
    """Create the case with ``build()`` (row, evidence, audit, notifications) in one transaction,
    refusing a second open case on the same target with a 409 that names the open one."""
    try:
        with transaction.atomic():
            existing = open_case_for(kind, target.key)
            if existing:
                raise duplicate_conflict(kind, existing)
            return build()
    except IntegrityError:
        # Two filings raced past the check: the partial unique index lets exactly one in.
        existing = open_case_for(kind, target.key)
        if existing is None:
            raise
        raise duplicate_conflict(kind, existing) from None


# --- evidence, 催办 ----------------------------------------------------------------------------------
def case_evidence_add(
    kind: CaseKind, *, actor, case, files, evidence_kind: str, empty: str, audit: dict | None = None
) -> list:
    """补充材料 while the case is open; ``empty`` is the 422 message when no file came, ``audit``
    extra fields of the audit row."""
    ensure_can_write(actor, case.department)
    checked = evidence_check(files)
    if not checked:
        raise ValidationFailed.single("files", "required", empty)
    with transaction.atomic():
        case = case_lock(kind, case)
        ensure_open(kind, case, "不能再补充材料")
        out = evidence_store(checked, owner_type=kind.key, owner_id=case.pk, kind=evidence_kind, actor=actor)
        audit_record(
            actor=actor,
            action=f"{kind.key}.evidence_add",
            obj=case,
            department=case.department,
            after={"files": [e.name for e in out], **(audit or {})},
        )
    return out


def case_urge(kind: CaseKind, *, actor, case, note: str, message: Callable[[object, str], tuple[str, str]]):
    """催办 by the credit office: the department's approvers and clerks are emailed
    (``message(case, note) -> (title, text)``)."""
    ensure_office_admin(actor)
    note = text(note, "note", "催办说明", required=False, limit=500)
    with transaction.atomic():
        case = case_lock(kind, case)
        ensure_open(kind, case, "无需催办")
        case.urge_count += 1
        case.urged_at = clock.now()
        case.save(update_fields=["urge_count", "urged_at", "updated_at"])
        title, body = message(case, note)
        notify_department(case.department, title=title, text=body)
        audit_record(
            actor=actor,
            action=f"{kind.key}.urge",
            obj=case,
            department=case.department,
            after={"urge_count": case.urge_count, "note": note},
        )
    return case


# --- deadlines, reminders ------------------------------------------------------------------------
def deadlines_fill(kind: CaseKind, *, states, start: str, due: str, working_days: int, calendar) -> int:
    """Fill the pending (待配置节假日, NULL) ``due`` of cases in ``states`` counted from ``start``,
    once the office has entered the year."""
    changed = 0
    for case in kind.model.objects.filter(
        state__in=states, **{f"{due}__isnull": True, f"{start}__isnull": False}
    ):
        on = deadline_or_pending(timezone.localdate(getattr(case, start)), working_days, calendar=calendar)
        if on:
            kind.model.objects.filter(pk=case.pk).update(**{due: on})
            changed += 1
    return changed


def overdue_remind(kind: CaseKind, overdue_qs, *, now, message: Callable[[object], tuple[str, str]]) -> int:
    """One reminder per overdue case (``reminded_at`` makes reruns no-ops)."""
    count = 0
    for case in overdue_qs.filter(reminded_at__isnull=True).select_related("department"):
        with transaction.atomic():
            if kind.model.objects.filter(pk=case.pk, reminded_at__isnull=True).update(reminded_at=now):
                title, body = message(case)
                notify_department(case.department, title=title, text=body)
                count += 1
    return count


def identity_applications_subject_merge(*, source, target) -> int:
    """主体合并: identity applications (身份核验申请) of the duplicate belong to the subject that stays
    — the same legal entity or person, now filed under one identifier."""
    from .models import IdentityApplication

    return IdentityApplication.objects.filter(subject=source).update(subject=target)
