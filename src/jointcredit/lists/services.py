"""Writes on red and black lists (DESIGN.md §2 Red and black lists).

Every service: permission check first, then one transaction that locks the subject row and the
entry row (in that order, always, so two services never deadlock), runs the declared transition,
writes the audit row and emits the outbox events. Locking the subject serialises everything that
happens to one subject's lists: two approvers publishing the same entry, a red entry being
published while the subject is being black-listed, two overlapping drafts being created.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from jointcredit.accounts.permissions import ensure_can_decide, ensure_can_write
from jointcredit.accounts.services import document_number_next
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common import clock
from jointcredit.common.bulk import chunks, models_insert
from jointcredit.common.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from jointcredit.common.history import change_fields
from jointcredit.common.validation import clean_text as _text
from jointcredit.exchange.outbox import event_emit, events_emit_bulk
from jointcredit.subjects.identifiers import IdType, detect_and_validate
from jointcredit.subjects.models import RelatedPerson, Subject, SubjectKind
from jointcredit.subjects.selectors import related_persons_in_force, subject_find
from jointcredit.subjects.services import subject_match_or_create

from .models import (
    AuthorityLevel,
    ChangeEvent,
    EntryState,
    ListCategory,
    ListColor,
    ListEntry,
    ListEntryChange,
    ListType,
    OutsideAuthority,
    RemovalReason,
    StatementOutcome,
)

DOC_NO_MAX = 100
MAX_STATEMENT_DAYS = 60
# Reasons a person may choose; "superseded" is applied by the system only (black-listing).
MANUAL_REASONS = (
    RemovalReason.EXPIRED,
    RemovalReason.REPAIRED,
    RemovalReason.REVOKED,
    RemovalReason.CORRECTED,
)


def _today() -> date:
    return clock.today()


def _state_label(state: str) -> str:
    return dict(EntryState.choices).get(state, state)


def _conflict(entry: ListEntry, message: str, *, rule: str = "transition") -> Conflict:
    return Conflict(
        message,
        details=[
            {
                "field": "state",
                "rule": rule,
                "current_state": entry.state,
                "current_state_label": _state_label(entry.state),
                "message": message,
            }
        ],
    )


# --- payloads -------------------------------------------------------------------------------------
def entry_snapshot(entry: ListEntry) -> dict:
    """The fields audit rows compare (before/after)."""
    return {
        "state": entry.state,
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "document_no": entry.document_no,
        "decided_on": entry.decided_on,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "notified_on": entry.notified_on,
        "notice_no": entry.notice_no,
        "statement_deadline": entry.statement_deadline,
        "statement_outcome": entry.statement_outcome,
        "removal_reason": entry.removal_reason,
        "removal_note": entry.removal_note,
        "under_objection": entry.under_objection,
    }


def entry_event_data(entry: ListEntry) -> dict:
    """Everything a cooperating department needs to apply or lift measures without a second call."""
    list_type, subject, department = entry.list_type, entry.subject, entry.department
    memorandum = list_type.memorandum
    return {
        "entry_id": entry.pk,
        "state": entry.state,
        "subject_identifier": subject.identifier,
        "subject_name": entry.subject_name,
        "subject_kind": subject.kind,
        "subject_id_type": subject.id_type,
        "list_type_code": list_type.code,
        "list_type_name": list_type.name,
        "color": list_type.color,
        "category": list_type.category,
        "department_code": department.code,
        "department_name": department.name,
        # Upstream entries (ADR 0038): who decided it; null for the district's own entries.
        "source_authority_code": entry.source_authority.code if entry.source_authority else None,
        "source_authority_name": entry.source_authority.name if entry.source_authority else None,
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "document_no": entry.document_no,
        "decided_on": entry.decided_on,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "published_at": entry.published_at,
        "under_objection": entry.under_objection,
        "memorandum_code": memorandum.code if memorandum else None,
        "removal_reason": entry.removal_reason or None,
        "removal_note": entry.removal_note or None,
        "removed_at": entry.removed_at,
    }


def entry_step(
    *,
    entry: ListEntry,
    event: str,
    action: str,
    actor,
    before: dict | None,
    after: dict | None = None,
    reason: str = "",
    effective_on: date | None = None,
) -> ListEntryChange:
    """One step of an entry recorded twice inside the caller's transaction: its status history row
    (ADR 0032: state before and after, reason, who, transaction and valid time) and its audit row,
    with the same actor and the same state before. ``after`` defaults to the entry's snapshot; valid
    time defaults to today."""
    change = ListEntryChange.objects.create(
        entry=entry,
        removal_reason=entry.removal_reason if event == ChangeEvent.REMOVED else "",
        **change_fields(
            event=event,
            state_before=(before or {}).get("state", ""),
            state_after=entry.state,
            actor=actor,
            reason=reason,
            effective_on=effective_on,
        ),
    )
    audit_record(
        actor=actor,
        action=action,
        obj=entry,
        department=entry.department,
        before=before,
        after=entry_snapshot(entry) if after is None else after,
    )
    return change


def _emit(kind: str, entry: ListEntry, **extra) -> None:
    event_emit(
        kind=kind,
        aggregate_type="list_entry",
        aggregate_id=entry.pk,
        data={**entry_event_data(entry), **extra},
        department=entry.department,
        list_type_code=entry.list_type.code,
    )


# --- locking and shared rules ---------------------------------------------------------------------
def _lock(entry: ListEntry) -> ListEntry:
    """Lock subject, then entry; return a fresh entry (the caller's copy may be stale)."""
    Subject.objects.select_for_update().filter(pk=entry.subject_id).exists()
    locked = (
        ListEntry.objects.select_for_update(of=("self",))
        .select_related("list_type", "list_type__memorandum", "subject", "department")
        .filter(pk=entry.pk)
        .first()
    )
    if locked is None:
        raise NotFound(f"名单条目 {entry.pk} 不存在。")
    return locked


def _run(entry: ListEntry, transition: str) -> None:
    try:
        getattr(entry, transition)()
    except TransitionNotAllowed:
        raise _conflict(entry, f"条目当前状态为“{_state_label(entry.state)}”，不能执行该操作。") from None


def black_listing_of(subject_id: int, on: date):
    """Black entries that make the subject 黑名单主体 on ``on``: decided (认定) or published, not expired."""
    from django.db.models import Q

    return (
        ListEntry.objects.filter(
            subject_id=subject_id,
            list_type__color=ListColor.BLACK,
            state__in=[EntryState.DECIDED, EntryState.PUBLISHED],
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("list_type")
    )


def _black_listed_conflict(subject: Subject, type_name: str, entry_id: int | None, state: str) -> Conflict:
    number = f"条目 {entry_id}，" if entry_id else "本批次下发，"
    return Conflict(
        f"主体“{subject.name}”已被列入黑名单“{type_name}”（{number}{_state_label(state)}），不能列入红名单。",
        code="subject_black_listed",
        details=[
            {
                "field": "identifier",
                "rule": "not_black_listed",
                "entry_id": entry_id,
                "current_state": state,
                "message": "黑名单主体不能列入红名单",
            }
        ],
    )


def _ensure_not_black_listed(subject: Subject, on: date) -> None:
    black = black_listing_of(subject.pk, on).first()
    if black is not None:
        raise _black_listed_conflict(subject, black.list_type.name, black.pk, black.state)


def _ensure_no_overlap(
    *,
    subject: Subject,
    list_type: ListType,
    start: date | None,
    end: date | None,
    exclude_pk: int | None = None,
) -> None:
    """One subject, one list type: no two entries in force over the same days. An unfinished entry
    without dates (a black draft) counts as overlapping anything."""
    today = _today()
    others = ListEntry.objects.filter(subject=subject, list_type=list_type).exclude(state=EntryState.REMOVED)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    for other in others:
        if other.is_expired(today):
            continue
        o_start = other.valid_from or other.decided_on
        o_end = other.valid_until
        if None in (o_start, o_end, start, end) or (o_start <= end and o_end >= start):
            span = f"{o_start or '未定'} 至 {o_end or '未定'}"
            raise Conflict(
                f"主体“{subject.name}”在“{list_type.name}”中已有条目 {other.pk}"
                f"（{_state_label(other.state)}，"
                f"有效期 {span}），与本条目有效期重叠；请先办结或移出原条目。",
                code="overlapping_entry",
                details=[
                    {
                        "field": "valid_until",
                        "rule": "no_overlap",
                        "entry_id": other.pk,
                        "current_state": other.state,
                        "message": "同一主体同一名单的有效期不能重叠",
                    }
                ],
            )


def _validate_dates(*, list_type: ListType, decided_on: date | None, valid_until: date | None) -> date | None:
    """Return ``valid_until`` (defaulted to the list type's maximum validity)."""
    if decided_on is None:
        if valid_until is not None:
            raise ValidationFailed.single(
                "decided_on", "required", "填写有效期至（valid_until）时必须同时填写认定日期（decided_on）。"
            )
        return None
    if decided_on > _today():
        raise ValidationFailed.single(
            "decided_on", "not_future", f"认定日期（decided_on）{decided_on} 不能晚于今天。"
        )
    latest = decided_on + timedelta(days=list_type.validity_days)
    if valid_until is None:
        return latest
    if valid_until <= decided_on:
        raise ValidationFailed.single(
            "valid_until",
            "after_decided_on",
            f"有效期至（valid_until）{valid_until} 必须晚于认定日期（decided_on）{decided_on}。",
        )
    if valid_until > latest:
        raise ValidationFailed.single(
            "valid_until",
            "max_validity",
            f"有效期至（valid_until）{valid_until} 超过“{list_type.name}”的最长有效期 "
            f"{list_type.validity_days} 天"
            f"（最晚 {latest}）。",
        )
    return valid_until


def _resolve_list_type(list_type: ListType | str) -> ListType:
    if isinstance(list_type, ListType):
        return list_type
    code = (list_type or "").strip()
    found = ListType.objects.filter(code=code).first() if code else None
    if found is None:
        raise ValidationFailed.single("list_type", "exists", f"名单类型（list_type）“{code}”不存在。")
    return found


def _kind_for(identifier: str, kind: str | None) -> tuple[str, str]:
    kind, id_type, _ = _subject_key(identifier, kind)
    return kind, id_type


def _subject_key(identifier: str, kind: str | None) -> tuple[str, str, str]:
    """(kind, id type, normalised identifier) of a subject named by an entry; invalid → 422."""
    id_type, code = detect_and_validate(identifier)
    if kind:
        return kind, id_type, code
    if id_type == IdType.USCC:
        # Registry 9 (市场监管) + type 2 is 个体工商户.
        return (SubjectKind.INDIVIDUAL_BUSINESS if code[:2] == "92" else SubjectKind.LEGAL), id_type, code
    if id_type in IdType.PERSONAL:
        return SubjectKind.NATURAL, id_type, code
    raise ValidationFailed.single(
        "identifier", "kind", f"无法根据标识“{code}”判断主体类别，请使用统一社会信用代码或居民身份证号码。"
    )


def _kind_check(kind: str | None) -> None:
    if kind is not None and kind not in SubjectKind.values:
        raise ValidationFailed.single(
            "kind", "choice", "主体类别（kind）必须是 legal、individual_business 或 natural。"
        )


@dataclass(frozen=True)
class EntryInput:
    """The checked text of an entry, shared by the district's drafts and upstream entries."""

    list_type: ListType
    name: str
    reason: str
    legal_basis: str
    document_no: str


def _entry_input(
    *,
    list_type: ListType,
    name: str,
    reason: str,
    legal_basis: str,
    document_no: str,
    document_required: bool,
    kind: str | None,
) -> EntryInput:
    """The input checks every new entry passes, wherever it comes from (a clerk's draft or an
    outside authority's item): an active list type, a known subject kind, the texts' presence and
    length; the 认定依据 defaults to the list type's."""
    if not list_type.is_active:
        raise ValidationFailed.single(
            "list_type", "active", f"名单类型“{list_type.name}”已停用，不能新增条目。"
        )
    _kind_check(kind)
    return EntryInput(
        list_type=list_type,
        name=_text(name, "name", "主体名称", required=True, limit=200),
        reason=_text(reason, "reason", "列入事由", required=True),
        legal_basis=_text(legal_basis, "legal_basis", "认定依据", required=False) or list_type.legal_basis,
        document_no=_text(
            document_no, "document_no", "认定文书号", required=document_required, limit=DOC_NO_MAX
        ),
    )


def _ensure_not_past(valid_until: date | None, message: str) -> None:
    if valid_until is not None and valid_until < _today():
        raise ValidationFailed.single(
            "valid_until", "not_past", f"有效期至（valid_until）{valid_until} 已过，{message}"
        )


def _subject_locked(*, actor, identifier: str, name: str, kind: str | None) -> Subject:
    """The entry's subject (found or registered), locked for the rest of the transaction so two
    decisions about one subject are checked for overlap one after the other."""
    subject = _subject_for(actor=actor, identifier=identifier, name=name, kind=kind)
    Subject.objects.select_for_update().filter(pk=subject.pk).exists()
    return subject


def _subject_for(*, actor, identifier: str, name: str, kind: str | None) -> Subject:
    subject = subject_find(identifier)
    if subject is not None:
        return subject
    kind, id_type = _kind_for(identifier, kind)
    subject, _ = subject_match_or_create(
        kind=kind,
        identifier=identifier,
        name=name,
        id_type=None if id_type == IdType.USCC else id_type,
        actor=actor,
        source="名单认定",
    )
    return subject


# --- create -----------------------------------------------------------------------------------------
def list_entry_create(
    *,
    actor,
    list_type: ListType | str,
    identifier: str,
    name: str,
    reason: str,
    legal_basis: str = "",
    decided_on: date | None = None,
    valid_until: date | None = None,
    document_no: str = "",
    kind: str | None = None,
) -> ListEntry:
    """拟列入: a clerk of an initiating department drafts an entry.

    Red entries need their 认定日期 now (the honour or rating already exists); black drafts may
    leave it open until the decision after the 陈述申辩 period.
    """
    list_type = _resolve_list_type(list_type)
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.department_id is None:
        raise PermissionDenied("当前账号未归属任何部门，不能拟列入名单。")
    department = actor.department
    ensure_can_write(actor, department)
    if not list_type.initiating_departments.filter(pk=department.pk).exists():
        allowed = "、".join(list_type.initiating_departments.values_list("name", flat=True)) or "尚未配置"
        raise PermissionDenied(
            f"“{department.name}”不是“{list_type.name}”的认定部门（认定部门：{allowed}）。"
        )
    checked = _entry_input(
        list_type=list_type,
        name=name,
        reason=reason,
        legal_basis=legal_basis,
        document_no=document_no,
        document_required=False,
        kind=kind,
    )
    name, reason, legal_basis, document_no = (
        checked.name,
        checked.reason,
        checked.legal_basis,
        checked.document_no,
    )
    if list_type.color == ListColor.RED and decided_on is None:
        raise ValidationFailed.single("decided_on", "required", "红名单条目必须填写认定日期（decided_on）。")
    valid_until = _validate_dates(list_type=list_type, decided_on=decided_on, valid_until=valid_until)
    _ensure_not_past(valid_until, "不能列入已到期的条目。")

    with transaction.atomic():
        subject = _subject_locked(actor=actor, identifier=identifier, name=name, kind=kind)
        if list_type.color == ListColor.RED:
            _ensure_not_black_listed(subject, _today())
        _ensure_no_overlap(subject=subject, list_type=list_type, start=decided_on, end=valid_until)
        entry = ListEntry.objects.create(
            list_type=list_type,
            subject=subject,
            subject_name=name,
            department=department,
            reason=reason,
            legal_basis=legal_basis,
            document_no=document_no,
            decided_on=decided_on,
            valid_from=decided_on,
            valid_until=valid_until,
            created_by=actor,
        )
        entry_step(
            entry=entry,
            event=ChangeEvent.CREATED,
            action="list_entry.create",
            actor=actor,
            before=None,
            after={**entry_snapshot(entry), "list_type": list_type.code, "identifier": subject.identifier},
            reason=reason,
        )
    return entry


def list_entry_update(
    *,
    entry: ListEntry,
    actor,
    reason: str | None = None,
    legal_basis: str | None = None,
    decided_on: date | None = None,
    valid_until: date | None = None,
    document_no: str | None = None,
) -> ListEntry:
    """Edit a draft before the notice goes out (after it, the notice's content is fixed)."""
    ensure_can_write(actor, entry.department)
    with transaction.atomic():
        entry = _lock(entry)
        if entry.state != EntryState.DRAFT:
            raise _conflict(
                entry, f"条目当前状态为“{_state_label(entry.state)}”，只有拟列入（草稿）状态可以修改。"
            )
        before = entry_snapshot(entry)
        if reason is not None:
            entry.reason = _text(reason, "reason", "列入事由", required=True)
        if legal_basis is not None:
            entry.legal_basis = _text(legal_basis, "legal_basis", "认定依据", required=True)
        if document_no is not None:
            entry.document_no = _text(
                document_no, "document_no", "认定文书号", required=False, limit=DOC_NO_MAX
            )
        if decided_on is not None or valid_until is not None:
            new_decided = decided_on or entry.decided_on
            entry.valid_until = _validate_dates(
                list_type=entry.list_type, decided_on=new_decided, valid_until=valid_until
            )
            entry.decided_on = entry.valid_from = new_decided
            _ensure_no_overlap(
                subject=entry.subject,
                list_type=entry.list_type,
                start=entry.decided_on,
                end=entry.valid_until,
                exclude_pk=entry.pk,
            )
        entry.save()
        audit_record(
            actor=actor,
            action="list_entry.update",
            obj=entry,
            department=entry.department,
            before=before,
            after=entry_snapshot(entry),
        )
    return entry


# --- black: notice, statement, decision ----------------------------------------------------------
def list_entry_notify(
    *,
    entry: ListEntry,
    actor,
    notified_on: date | None = None,
    statement_working_days: int | None = None,
    notice_no: str = "",
) -> ListEntry:
    """告知: the 告知书 is served; the subject may 陈述申辩 within N working days (calendar)."""
    ensure_can_write(actor, entry.department)
    notified_on = notified_on or _today()
    if notified_on > _today():
        raise ValidationFailed.single(
            "notified_on", "not_future", f"告知日期（notified_on）{notified_on} 不能晚于今天。"
        )
    notice_no = _text(notice_no, "notice_no", "告知书文号", required=False, limit=DOC_NO_MAX)
    with transaction.atomic():
        entry = _lock(entry)
        if not entry.is_black:
            raise _conflict(entry, "红名单条目无需事先告知，请直接发布。", rule="black_only")
        if entry.state != EntryState.DRAFT:
            raise _conflict(entry, f"条目当前状态为“{_state_label(entry.state)}”，只有拟列入状态可以告知。")
        days = (
            statement_working_days
            if statement_working_days is not None
            else entry.list_type.statement_working_days
        )
        if not 1 <= days <= MAX_STATEMENT_DAYS:
            raise ValidationFailed.single(
                "statement_working_days",
                "range",
                f"陈述申辩期限（statement_working_days）必须在 1 到 {MAX_STATEMENT_DAYS} 个工作日之间。",
            )
        before = entry_snapshot(entry)
        _run(entry, "notify")
        entry.notified_on = notified_on
        entry.notified_at = clock.now()
        entry.statement_working_days = days
        entry.statement_deadline = deadline_or_pending(notified_on, days)  # None = 待配置节假日
        entry.notice_no = notice_no or document_number_next(
            department=entry.department, kind="失信告", year=notified_on.year
        )
        entry.save()
        entry_step(
            entry=entry,
            event=ChangeEvent.NOTIFIED,
            action="list_entry.notify",
            actor=actor,
            before=before,
            reason=f"送达告知书 {entry.notice_no}",
            effective_on=notified_on,
        )
    return entry


def list_entry_statement_record(
    *, entry: ListEntry, actor, outcome: str, content: str = "", handling: str = ""
) -> ListEntry:
    """登记陈述申辩及处理意见 (or the subject's explicit waiver), so the decision need not wait for
    the deadline. ``adopted`` means the department will not list the subject: the entry then can
    only be removed (revoked)."""
    ensure_can_write(actor, entry.department)
    if outcome not in StatementOutcome.values:
        raise ValidationFailed.single(
            "outcome",
            "choice",
            "处理结果（outcome）必须是 waived（放弃）、not_adopted（不予采纳）或 adopted（予以采纳）。",
        )
    waived = outcome == StatementOutcome.WAIVED
    content = _text(content, "content", "陈述申辩内容", required=not waived)
    handling = _text(handling, "handling", "处理意见", required=not waived)
    with transaction.atomic():
        entry = _lock(entry)
        if entry.state != EntryState.NOTIFIED:
            raise _conflict(
                entry, f"条目当前状态为“{_state_label(entry.state)}”，只有已告知状态可以登记陈述申辩。"
            )
        before = entry_snapshot(entry)
        entry.statement_outcome, entry.statement_content, entry.statement_handling = (
            outcome,
            content,
            handling,
        )
        entry.statement_recorded_at = clock.now()
        entry.save()
        audit_record(
            actor=actor,
            action="list_entry.statement_record",
            obj=entry,
            department=entry.department,
            before=before,
            after={**entry_snapshot(entry), "statement_content": content, "statement_handling": handling},
        )
    return entry


def decision_blocker(entry: ListEntry, today: date) -> str | None:
    """Why a notified black entry cannot be decided yet (None = it can). Shared by the service and the
    staff page, which greys the button out with this text."""
    if entry.state != EntryState.NOTIFIED:
        return f"条目当前状态为“{_state_label(entry.state)}”，只有已告知状态可以认定。"
    if entry.statement_outcome == StatementOutcome.ADOPTED:
        return "陈述申辩理由已予采纳，不能认定列入；请移出该条目（原因：撤销）。"
    if entry.statement_outcome in (StatementOutcome.WAIVED, StatementOutcome.NOT_ADOPTED):
        return None
    if entry.statement_deadline is None:
        return (
            "陈述申辩截止日待配置节假日（截止日所在年度的节假日安排尚未录入），期限届满前不能认定；"
            "如当事人已陈述申辩或明确放弃，请先登记处理结果。"
        )
    if today <= entry.statement_deadline:
        return (
            f"陈述申辩期限至 {entry.statement_deadline} 止，期满前不能认定；"
            "如当事人已陈述申辩或明确放弃，请先登记处理结果。"
        )
    return None


def list_entry_decide(
    *,
    entry: ListEntry,
    actor,
    decided_on: date | None = None,
    valid_until: date | None = None,
    document_no: str = "",
    responsible_persons: list[int] | None = None,
) -> ListEntry:
    """认定 (决定书): the approver decides after the 陈述申辩 period, or once the statement is handled.

    ``responsible_persons`` (ADR 0046): the related persons of the subject, in force on the decision
    date, who bear direct responsibility (对失信行为负有直接责任) — a list, possibly empty, is the
    approver's choice and measures limited to directly responsible persons reach exactly them;
    ``None`` leaves the choice unmade (each link's own flag applies)."""
    ensure_can_decide(actor, entry.department)
    today = _today()
    decided_on = decided_on or today
    document_no = _text(document_no, "document_no", "认定文书号", required=False, limit=DOC_NO_MAX)
    with transaction.atomic():
        entry = _lock(entry)
        if not entry.is_black:
            raise _conflict(entry, "红名单条目无需认定步骤，请直接发布。", rule="black_only")
        blocker = decision_blocker(entry, today)
        if blocker:
            raise _conflict(entry, blocker, rule="statement_period")
        if entry.notified_on and decided_on < entry.notified_on:
            raise ValidationFailed.single(
                "decided_on",
                "after_notice",
                f"认定日期（decided_on）{decided_on} 不能早于告知日期 {entry.notified_on}。",
            )
        if (
            not entry.statement_outcome
            and entry.statement_deadline
            and decided_on <= entry.statement_deadline
        ):
            raise ValidationFailed.single(
                "decided_on",
                "after_statement_deadline",
                f"认定日期（decided_on）{decided_on} 必须晚于陈述申辩截止日 {entry.statement_deadline}。",
            )
        if (
            valid_until is None
            and entry.valid_until
            and entry.valid_until > decided_on
            and (entry.valid_until <= decided_on + timedelta(days=entry.list_type.validity_days))
        ):
            valid_until = entry.valid_until
        valid_until = _validate_dates(
            list_type=entry.list_type, decided_on=decided_on, valid_until=valid_until
        )
        _ensure_no_overlap(
            subject=entry.subject,
            list_type=entry.list_type,
            start=decided_on,
            end=valid_until,
            exclude_pk=entry.pk,
        )
        before = entry_snapshot(entry)
        _run(entry, "decide")
        entry.decided_on = entry.valid_from = decided_on
        entry.valid_until = valid_until
        entry.document_no = (
            document_no
            or entry.document_no
            or document_number_next(department=entry.department, kind="失信认", year=decided_on.year)
        )
        chosen = (
            None
            if responsible_persons is None
            else _responsible_validate(entry, responsible_persons, on=decided_on)
        )
        if chosen is not None:
            entry.responsible_chosen = True
        entry.save()
        entry_step(
            entry=entry,
            event=ChangeEvent.DECIDED,
            action="list_entry.decide",
            actor=actor,
            before=before,
            reason=f"认定文书 {entry.document_no}",
            effective_on=decided_on,
        )
        if chosen is not None:
            entry.responsible_persons.set(chosen)
            audit_record(
                actor=actor,
                action="list_entry.responsible_persons_set",
                obj=entry,
                after={
                    "responsible_persons": [
                        {"identifier": link.person.identifier, "role": link.role} for link in chosen
                    ]
                },
            )
    return entry


def _responsible_validate(entry: ListEntry, ids: list[int], *, on: date) -> list[RelatedPerson]:
    """The chosen links: each a related person of the entry's subject in force on ``on``."""
    in_force = {link.pk: link for link in related_persons_in_force(subject=entry.subject, on=on)}
    unknown = [i for i in dict.fromkeys(ids) if i not in in_force]
    if unknown:
        raise ValidationFailed.single(
            "responsible_persons",
            "in_force",
            f"负有直接责任的人员（responsible_persons）只能从{entry.subject.name}于 {on} 在任的关联人中选择；"
            f"编号 {'、'.join(str(i) for i in unknown)} 不是。",
        )
    return [in_force[i] for i in dict.fromkeys(ids)]


# --- publish, remove, correct, objection ----------------------------------------------------------
def _remove_locked(entry: ListEntry, *, actor, reason: str, note: str, action: str) -> None:
    was_published = entry.state == EntryState.PUBLISHED
    before = entry_snapshot(entry)
    _run(entry, "remove")
    entry.removal_reason, entry.removal_note = reason, note
    entry.removed_at = clock.now()
    entry.save()
    # Valid time: the day of the removal; an expired entry closed by hand ended the day after its end.
    expired_on = (
        entry.valid_until + timedelta(days=1)
        if reason == RemovalReason.EXPIRED and entry.valid_until is not None
        else None
    )
    entry_step(
        entry=entry,
        event=ChangeEvent.REMOVED,
        action=action,
        actor=actor,
        before=before,
        reason=note,
        effective_on=expired_on,
    )
    if was_published:
        # Consumers only ever saw published entries; drafts leave silently (audit only).
        _emit("list_entry.removed", entry)


def list_entry_publish(*, entry: ListEntry, actor) -> ListEntry:
    """发布: on the portal and pushed to cooperating departments. Publishing a black entry takes the
    subject off every red list at once (reason superseded)."""
    ensure_can_decide(actor, entry.department)
    today = _today()
    with transaction.atomic():
        entry = _lock(entry)
        expected = EntryState.DECIDED if entry.is_black else EntryState.DRAFT
        if entry.state != expected:
            hint = "黑名单须经告知、认定后发布" if entry.is_black else "红名单由拟列入状态直接发布"
            raise _conflict(entry, f"条目当前状态为“{_state_label(entry.state)}”，不能发布（{hint}）。")
        if entry.valid_until and entry.valid_until < today:
            raise _conflict(entry, f"条目有效期已于 {entry.valid_until} 届满，不能发布。", rule="not_expired")
        if not entry.is_black:
            _ensure_not_black_listed(entry.subject, today)
        before = entry_snapshot(entry)
        _run(entry, "publish")
        entry.published_at = clock.now()
        entry.save()
        entry_step(
            entry=entry, event=ChangeEvent.PUBLISHED, action="list_entry.publish", actor=actor, before=before
        )
        _emit("list_entry.published", entry)
        if entry.is_black:
            _supersede_reds(entry, actor=actor)
    return entry


def repair_blocker(entry: ListEntry, today: date) -> tuple[str, str] | None:
    """Why ``entry`` cannot be removed for 信用修复 now, as (rule, Chinese message); None = it can.
    Only a published black entry of a repairable type is repaired: an entry that is merely 已告知 or
    已认定 was never listed in public, so there is nothing to repair (issue #19 §5) — it leaves by
    撤销 or 更正. Shared by the service and the entry page's 移出 form."""
    if not entry.is_black:
        return "black_only", "信用修复仅适用于黑名单条目。"
    if not entry.list_type.repairable:
        return "repairable", f"“{entry.list_type.name}”不适用信用修复。"
    if entry.state != EntryState.PUBLISHED:
        return (
            "published_only",
            f"条目当前状态为“{_state_label(entry.state)}”，尚未发布：信用修复只适用于已发布的黑名单条目，"
            "未发布的条目请以“撤销”或“更正”移出。",
        )
    earliest = (entry.decided_on or today) + timedelta(days=entry.list_type.min_repair_days)
    if today < earliest:
        return (
            "min_repair_period",
            f"“{entry.list_type.name}”须自认定日起满 {entry.list_type.min_repair_days} 天"
            f"（{earliest} 起）方可信用修复。",
        )
    return None


def list_entry_remove(*, entry: ListEntry, actor, reason: str, note: str = "") -> ListEntry:
    """移出: expired (after valid_until) | repaired (信用修复) | revoked (撤销, e.g. objection upheld for
    the subject or statement adopted) | corrected (更正)."""
    ensure_can_decide(actor, entry.department)
    if reason not in MANUAL_REASONS:
        raise ValidationFailed.single(
            "reason",
            "choice",
            "移出原因（reason）必须是 expired（有效期届满）、repaired（信用修复）、"
            "revoked（撤销）或 corrected（更正）。",
        )
    note = _text(note, "note", "移出说明", required=False)
    today = _today()
    with transaction.atomic():
        entry = _lock(entry)
        if entry.state == EntryState.REMOVED:
            raise _conflict(
                entry,
                f"条目已于 {timezone.localtime(entry.removed_at):%Y-%m-%d} 移出"
                f"（{entry.get_removal_reason_display()}），不能重复移出。",
            )
        if reason == RemovalReason.EXPIRED and not entry.is_expired(today):
            raise ValidationFailed.single(
                "reason",
                "expired",
                f"条目有效期至 {entry.valid_until or '未定'}，尚未届满，不能以“有效期届满”移出。",
            )
        if reason == RemovalReason.REPAIRED and (blocked := repair_blocker(entry, today)):
            raise ValidationFailed.single("reason", *blocked)
        _remove_locked(entry, actor=actor, reason=reason, note=note, action="list_entry.remove")
    return entry


def list_entry_correct(
    *,
    entry: ListEntry,
    actor,
    reason: str | None = None,
    legal_basis: str | None = None,
    valid_until: date | None = None,
    document_no: str | None = None,
    note: str = "",
) -> ListEntry:
    """更正 a decided or published entry (e.g. after an objection finds an error in the facts or the
    period); consumers receive list_entry.changed with the changed fields."""
    ensure_can_decide(actor, entry.department)
    note = _text(note, "note", "更正说明", required=True)
    with transaction.atomic():
        entry = _lock(entry)
        if entry.state not in (EntryState.DECIDED, EntryState.PUBLISHED):
            raise _conflict(
                entry, f"条目当前状态为“{_state_label(entry.state)}”，只有已认定或已发布的条目可以更正。"
            )
        before = entry_snapshot(entry)
        if reason is not None:
            entry.reason = _text(reason, "reason", "列入事由", required=True)
        if legal_basis is not None:
            entry.legal_basis = _text(legal_basis, "legal_basis", "认定依据", required=True)
        if document_no is not None:
            entry.document_no = _text(
                document_no, "document_no", "认定文书号", required=False, limit=DOC_NO_MAX
            )
        if valid_until is not None:
            entry.valid_until = _validate_dates(
                list_type=entry.list_type, decided_on=entry.decided_on, valid_until=valid_until
            )
            _ensure_no_overlap(
                subject=entry.subject,
                list_type=entry.list_type,
                start=entry.valid_from,
                end=entry.valid_until,
                exclude_pk=entry.pk,
            )
        after = entry_snapshot(entry)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if not changes:
            raise ValidationFailed.single("reason", "changed", "没有需要更正的内容。")
        entry.save()
        entry_step(
            entry=entry,
            event=ChangeEvent.CORRECTED,
            action="list_entry.correct",
            actor=actor,
            before=before,
            after={**after, "note": note},
            reason=note,
        )
        if entry.state == EntryState.PUBLISHED:
            _emit("list_entry.changed", entry, changes=changes, note=note)
    return entry


def _objection_periods(periods, opening: bool, today: date) -> list:
    """The entry's objection periods after opening or closing one: [opened_on, closed_on) as ISO dates
    (the state at the end of each day, as the as-of check reads it)."""
    periods = [list(p) for p in periods] if isinstance(periods, list) else []
    if opening:
        return [*periods, [today.isoformat(), None]]
    if periods and periods[-1][1] is None:
        periods[-1][1] = today.isoformat()
    return periods


def list_entry_set_objection(*, entry: ListEntry, under_objection: bool, actor, note: str = "") -> ListEntry:
    """Mark or unmark 异议中 (called by the objections app when an objection is accepted / closed).

    ``actor`` is the department user acting on the objection; ``None`` is accepted for system
    callers that have authorised the step themselves. Idempotent: no change, no event.
    """
    if actor is not None:
        ensure_can_write(actor, entry.department)
    with transaction.atomic():
        entry = _lock(entry)
        if entry.under_objection == under_objection:
            return entry
        if under_objection and entry.state not in (
            EntryState.NOTIFIED,
            EntryState.DECIDED,
            EntryState.PUBLISHED,
        ):
            raise _conflict(entry, f"条目当前状态为“{_state_label(entry.state)}”，不能标记为异议中。")
        before = entry_snapshot(entry)
        entry.under_objection = under_objection
        entry.objection_periods = _objection_periods(entry.objection_periods, under_objection, _today())
        entry.save(update_fields=["under_objection", "objection_periods", "updated_at"])
        step = "objection_opened" if under_objection else "objection_closed"
        entry_step(
            entry=entry, event=step, action=f"list_entry.{step}", actor=actor, before=before, reason=note
        )
        if entry.state == EntryState.PUBLISHED:
            _emit(f"list_entry.{step}", entry)
    return entry


# --- calendar ------------------------------------------------------------------------------------
def list_entry_deadlines_recompute(*, years: set[int] | None = None) -> int:
    """Recompute 陈述申辩 deadlines of notified entries that are pending (待配置节假日) or could be
    affected by a calendar change in ``years``. Returns how many changed."""
    from django.db.models import Q

    cond = Q(statement_deadline__isnull=True)
    if years:
        for year in years:
            cond |= Q(statement_deadline__year=year) | Q(notified_on__year=year)
    calendar = WorkingCalendar.load()
    changed = 0
    candidates = (
        ListEntry.objects.filter(state=EntryState.NOTIFIED, notified_on__isnull=False)
        .filter(cond)
        .values_list("pk", flat=True)
    )
    for pk in list(candidates):
        with transaction.atomic():
            entry = ListEntry.objects.select_for_update().filter(pk=pk, state=EntryState.NOTIFIED).first()
            if entry is None:
                continue
            days = entry.statement_working_days or entry.list_type.statement_working_days
            new = deadline_or_pending(entry.notified_on, days, calendar=calendar)
            if new == entry.statement_deadline:
                continue
            before = {"statement_deadline": entry.statement_deadline}
            entry.statement_deadline = new
            entry.save(update_fields=["statement_deadline", "updated_at"])
            audit_record(
                actor=None,
                action="list_entry.deadline_recompute",
                obj=entry,
                department=entry.department,
                before=before,
                after={"statement_deadline": new},
            )
            changed += 1
    return changed


def on_calendar_changed(sender, years=None, **kwargs) -> None:
    list_entry_deadlines_recompute(years=set(years or ()))


# --- list types (office) ---------------------------------------------------------------------------
def list_types_seed(*, actor=None) -> dict[str, int]:
    """Ship the seed's list types; link default departments that exist (idempotent)."""
    from jointcredit.accounts.models import Department

    from .defaults import seed_list_types

    # The memorandum model through the list type's own foreign key: ``measures`` sits above ``lists``
    # (its check reads list entries), so lists never imports it (ADR 0016).
    memorandum_model = ListType._meta.get_field("memorandum").related_model
    with transaction.atomic():
        result = seed_list_types(ListType, Department, memorandum_model)
        if result["created"] or result["linked"]:
            audit_record(
                actor=actor,
                action="list_type.seed",
                object_type="lists.listtype",
                object_id="*",
                after=result,
            )
    return result


LIST_TYPE_FIELDS = (
    "name",
    "color",
    "category",
    "legal_basis",
    "validity_days",
    "min_repair_days",
    "repairable",
    "statement_working_days",
    "is_active",
)


def _list_type_snapshot(lt: ListType) -> dict:
    return {
        "code": lt.code,
        **{f: getattr(lt, f) for f in LIST_TYPE_FIELDS},
        "memorandum": lt.memorandum.code if lt.memorandum is not None else "",
        "initiating_departments": sorted(lt.initiating_departments.values_list("code", flat=True)),
    }


def _list_type_clean(
    *,
    name: str,
    color: str,
    category: str,
    legal_basis: str,
    validity_days,
    min_repair_days,
    statement_working_days,
    memorandum_code: str,
    department_codes: list[str],
) -> dict:
    """Every field of a list type checked, every problem reported at once with its field."""
    from jointcredit.accounts.models import Department

    details: list[dict] = []

    def bad(field: str, rule: str, message: str) -> None:
        details.append({"field": field, "rule": rule, "message": message})

    def days(field: str, label: str, value, low: int, high: int) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            bad(field, "integer", f"{label}必须是整数。")
            return low
        if not low <= number <= high:
            bad(field, "range", f"{label}必须在 {low} 到 {high} 之间。")
        return number

    out: dict = {"name": (name or "").strip(), "legal_basis": (legal_basis or "").strip()}
    if not out["name"] or len(out["name"]) > 200:
        bad("name", "length", "名单名称不能为空且不超过 200 个字符。")
    if not out["legal_basis"]:
        bad("legal_basis", "required", "认定依据（文件名称+条款）不能为空。")
    if color not in ListColor.values:
        bad("color", "choice", "颜色必须是红名单或黑名单。")
    elif category not in ListCategory.values or not category.startswith(f"{color}_"):
        bad("category", "choice", "类别/来源必须是所选颜色（红名单/黑名单）下的类别之一。")
    out["color"], out["category"] = color, category
    out["validity_days"] = days("validity_days", "最长有效期（天）", validity_days, 1, 3650)
    out["min_repair_days"] = days("min_repair_days", "最短公示期（天）", min_repair_days, 0, 3650)
    out["statement_working_days"] = days(
        "statement_working_days", "陈述申辩期限（工作日）", statement_working_days, 1, 60
    )
    if out["min_repair_days"] > out["validity_days"]:
        bad("min_repair_days", "not_after_validity", "最短公示期不能长于最长有效期。")
    memorandum_model = ListType._meta.get_field("memorandum").related_model
    out["memorandum"] = None
    if memorandum_code:
        out["memorandum"] = memorandum_model._default_manager.filter(code=memorandum_code).first()
        if out["memorandum"] is None:
            bad("memorandum", "exists", f"备忘录“{memorandum_code}”不存在。")
    codes = sorted(set(department_codes))
    out["departments"] = list(Department.objects.filter(code__in=codes))
    missing = set(codes) - {d.code for d in out["departments"]}
    if missing:
        bad("initiating_departments", "exists", f"部门代码不存在：{'、'.join(sorted(missing))}。")
    if not codes:
        bad("initiating_departments", "required", "至少选择一个认定部门。")
    if details:
        raise ValidationFailed(details[0]["message"], details=details)
    return out


def list_type_save(
    *,
    actor,
    code: str,
    create: bool,
    name: str,
    color: str,
    category: str,
    legal_basis: str,
    validity_days,
    min_repair_days,
    repairable: bool,
    statement_working_days,
    memorandum_code: str = "",
    department_codes: list[str],
    is_active: bool = True,
) -> ListType:
    """The office creates or changes a list type (名单类型): who may decide it, on what basis, for how
    long, which memorandum's measures apply. The code never changes once created. Entries already
    decided keep their own stored dates; a new validity applies to entries decided afterwards."""
    from jointcredit.accounts.permissions import ensure_office_admin

    ensure_office_admin(actor)
    code = (code or "").strip()
    if create and (
        not code
        or len(code) > 64
        or not code.isascii()
        or not code.replace("_", "").replace("-", "").isalnum()
    ):
        raise ValidationFailed.single("code", "slug", "名单代码须为 1–64 位英文字母、数字、连字符或下划线。")
    values = _list_type_clean(
        name=name,
        color=color,
        category=category,
        legal_basis=legal_basis,
        validity_days=validity_days,
        min_repair_days=min_repair_days,
        statement_working_days=statement_working_days,
        memorandum_code=memorandum_code,
        department_codes=department_codes,
    )
    with transaction.atomic():
        if create:
            if ListType.objects.filter(code=code).exists():
                raise Conflict(f"名单代码“{code}”已存在。")
            lt = ListType(code=code)
            before = None
        else:
            found = ListType.objects.select_for_update().filter(code=code).first()
            if found is None:
                raise NotFound(f"名单类型“{code}”不存在。")
            lt = found
            before = _list_type_snapshot(lt)
            if lt.color != values["color"] and lt.entries.exists():
                raise ValidationFailed.single("color", "in_use", "已有名单条目的类型不能改变红黑颜色。")
        for field in ("name", "color", "category", "legal_basis", "validity_days", "min_repair_days"):
            setattr(lt, field, values[field])
        lt.statement_working_days = values["statement_working_days"]
        lt.repairable, lt.is_active, lt.memorandum = repairable, is_active, values["memorandum"]
        lt.save()
        lt.initiating_departments.set(values["departments"])
        after = _list_type_snapshot(lt)
        if after != before:
            audit_record(
                actor=actor,
                action="list_type.create" if create else "list_type.update",
                obj=lt,
                before=before,
                after=after,
            )
    return lt


# --- 主体合并 (subjects.services.subject_merge, registered in apps.py) ----------------------------
def list_entries_subject_merge(*, source: Subject, target: Subject) -> int:
    """The duplicate's entries move to the subject that stays (inside the merge transaction). A
    published entry is announced as ``list_entry.changed`` with the new subject identifier, so
    cooperating departments that keyed the entry on the old identifier follow it."""
    entries = list(
        ListEntry.objects.filter(subject=source).select_related("list_type__memorandum", "department")
    )
    if not entries:
        return 0
    ListEntry.objects.filter(pk__in=[e.pk for e in entries]).update(subject=target)
    for entry in entries:
        entry.subject = target
        if entry.state == EntryState.PUBLISHED:
            _emit(
                "list_entry.changed",
                entry,
                changes={"subject_identifier": [source.identifier, target.identifier]},
                note=f"主体合并：“{source.identifier}”为重复登记，已合并至“{target.identifier}”。",
            )
    return len(entries)


def _supersede_reds(entry: ListEntry, *, actor) -> None:
    """A published black entry takes its subject off every red list at once (reason superseded)."""
    reds = (
        ListEntry.objects.select_for_update(of=("self",))
        .select_related("list_type", "list_type__memorandum", "subject", "department")
        .filter(subject_id=entry.subject_id, list_type__color=ListColor.RED)
        .exclude(state=EntryState.REMOVED)
    )
    for red in reds:
        _remove_locked(
            red,
            actor=actor,
            reason=RemovalReason.SUPERSEDED,
            note=f"主体被列入“{entry.list_type.name}”（条目 {entry.pk}），依规移出红名单。",
            action="list_entry.supersede",
        )


# --- entries from outside authorities (上下联动, ADR 0038) -------------------------------------------
UPSTREAM_END_REASONS = (RemovalReason.REPAIRED, RemovalReason.REVOKED, RemovalReason.CORRECTED)


def outside_authority_upsert(
    *, actor, code: str, name: str, level: str, region_code: str
) -> OutsideAuthority:
    """Register (or rename) an outside authority by its code: upstream items name their issuer."""
    code = _text(code, "authority_code", "认定单位代码", required=True, limit=32)
    name = _text(name, "authority_name", "认定单位名称", required=True, limit=200)
    region_code = _text(region_code, "region_code", "地方编码（DFBM）", required=True, limit=12)
    if level not in AuthorityLevel.values:
        raise ValidationFailed.single(
            "authority_level", "choice", "认定单位层级必须是 city、province、national、court 或 tax。"
        )
    with transaction.atomic():
        authority = OutsideAuthority.objects.select_for_update().filter(code=code).first()
        before = None
        if authority is None:
            authority = OutsideAuthority(code=code)
        else:
            before = {"name": authority.name, "level": authority.level, "region_code": authority.region_code}
            if before == {"name": name, "level": level, "region_code": region_code}:
                return authority
        authority.name, authority.level, authority.region_code = name, level, region_code
        authority.save()
        audit_record(
            actor=actor,
            action="outside_authority.upsert",
            obj=authority,
            before=before,
            after={"code": code, "name": name, "level": level, "region_code": region_code},
        )
    return authority


# Above this many new entries in one batch, one summary audit row instead of one per entry (ADR 0024;
# each entry keeps its history row and its event).
PER_ENTRY_AUDIT_MAX = 100
LOOKUP_CHUNK = 5000


@dataclass
class UpstreamItem:
    """One entry decided by an outside authority, as the platform delivered it."""

    authority: OutsideAuthority
    list_type: ListType | str
    identifier: str
    name: str
    reason: str
    document_no: str
    decided_on: date | None
    legal_basis: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    kind: str | None = None


@dataclass
class UpstreamOutcome:
    """What became of one item: a new entry (``created``), the entry standing for the same act
    (linked), or the error that holds it for a clerk."""

    entry: ListEntry | None = None
    created: bool = False
    error: DomainError | None = None


@dataclass
class _Standing:
    """An entry of one subject and list type that a new one must not double (not removed, not
    expired): already on file, or created earlier in the same batch."""

    pk: int | None
    color: str
    state: str
    document_no: str
    start: date | None
    end: date | None
    type_name: str
    entry: ListEntry | None = None

    def same_act(self, document_no: str, start: date, end: date) -> bool:
        """The same act: the same 文书号, or an overlapping period (one subject is never twice on one
        list over the same days, see ``_ensure_no_overlap``)."""
        if document_no and self.document_no == document_no:
            return True
        return None in (self.start, self.end) or (self.start <= end and self.end >= start)  # type: ignore[operator]

    @property
    def black_listing(self) -> bool:
        return self.color == ListColor.BLACK and self.state in (EntryState.DECIDED, EntryState.PUBLISHED)


@dataclass
class _Clean:
    index: int
    item: UpstreamItem
    input: EntryInput
    kind: str
    id_type: str
    identifier: str
    decided_on: date
    valid_from: date
    valid_until: date
    subject_id: int = 0
    linked_id: int | None = None  # the entry already on file that stands for the same act
    outcome: UpstreamOutcome = field(default_factory=UpstreamOutcome)


def _upstream_clean(index: int, item: UpstreamItem, today: date) -> _Clean:
    """Every rule an upstream item must pass before anything is written (raises ValidationFailed)."""
    list_type = _resolve_list_type(item.list_type)
    if not item.authority.is_active:
        raise ValidationFailed.single("authority_code", "active", f"认定单位“{item.authority.name}”已停用。")
    checked = _entry_input(
        list_type=list_type,
        name=item.name,
        reason=item.reason,
        legal_basis=item.legal_basis,
        document_no=item.document_no,
        document_required=True,
        kind=item.kind,
    )
    decided_on = item.decided_on
    if decided_on is None:
        raise ValidationFailed.single(
            "decided_on", "required", "上级平台下发的条目必须有认定日期（decided_on）。"
        )
    if decided_on > today:
        raise ValidationFailed.single(
            "decided_on", "not_future", f"认定日期（decided_on）{decided_on} 不能晚于今天。"
        )
    valid_from = item.valid_from or decided_on
    valid_until = item.valid_until or decided_on + timedelta(days=list_type.validity_days)
    if valid_until < valid_from or valid_from < decided_on:
        raise ValidationFailed.single(
            "valid_until",
            "order",
            f"有效期（{valid_from} 至 {valid_until}）须不早于认定日期 {decided_on} 且起止顺序正确。",
        )
    _ensure_not_past(valid_until, "条目已不在有效期内。")
    kind, id_type, code = _subject_key(item.identifier, item.kind)
    return _Clean(index, item, checked, kind, id_type, code, decided_on, valid_from, valid_until)


def _subjects_of(cleans: list[_Clean], *, actor) -> None:
    """Subjects found or registered for the whole batch at once (``subjects_resolve``: identifier,
    then alias; unknown ones created, in bulk for large batches); a subject that cannot be registered
    holds its item with the reason."""
    from jointcredit.subjects.services import subjects_resolve

    frame = pl.DataFrame(
        {
            "_row": [c.index for c in cleans],
            "subject_identifier": [c.identifier for c in cleans],
            "subject_kind": [c.kind for c in cleans],
            "subject_name": [c.input.name for c in cleans],
            "id_type": ["" if c.id_type == IdType.USCC else c.id_type for c in cleans],
            "id_number": [""] * len(cleans),
            "uscc": [c.identifier if c.id_type == IdType.USCC else "" for c in cleans],
        },
        schema={
            "_row": pl.Int64,
            "subject_identifier": pl.String,
            "subject_kind": pl.String,
            "subject_name": pl.String,
            "id_type": pl.String,
            "id_number": pl.String,
            "uscc": pl.String,
        },
    )
    resolved, errors = subjects_resolve(
        frame, actor=actor, batch=None, source="上级平台下发", batch_type="lists.upstream_batch"
    )
    by_index = {c.index: c for c in cleans}
    for error in errors:
        message = re.sub(r"^第 \d+ 行：", "", error["message"])  # an item, not a file row
        by_index[error["row"]].outcome.error = ValidationFailed(
            message, details=[{"field": error["field"], "rule": error["rule"], "message": message}]
        )
    for row, subject_id in resolved.select("_row", "subject_id").iter_rows():
        by_index[row].subject_id = subject_id


def _standing_of(subject_ids: list[int], today: date) -> dict[tuple[int, int], list[_Standing]]:
    """(subject, list type) → the entries a new one must not double, read in chunks."""
    standing: dict[tuple[int, int], list[_Standing]] = defaultdict(list)
    for chunk in chunks(subject_ids, LOOKUP_CHUNK):
        for pk, subject_id, type_id, color, type_name, state, doc, v_from, decided, v_until in (
            ListEntry.objects.filter(subject_id__in=chunk)
            .exclude(state=EntryState.REMOVED)
            .values_list(
                "pk",
                "subject_id",
                "list_type_id",
                "list_type__color",
                "list_type__name",
                "state",
                "document_no",
                "valid_from",
                "decided_on",
                "valid_until",
            )
        ):
            if state == EntryState.PUBLISHED and v_until is not None and today > v_until:
                continue  # expired: neither a duplicate nor a black-listing
            standing[(subject_id, type_id)].append(
                _Standing(pk, color, state, doc, v_from or decided, v_until, type_name)
            )
    return standing


def list_entries_receive_upstream(*, actor, department, items: list[UpstreamItem]) -> list[UpstreamOutcome]:
    """A batch of entries decided by outside authorities enters published (notice and statement
    happened upstream), recorded by ``department`` (the platform's 承接部门); one outcome per item,
    in order. Set-based: all items checked first; subjects resolved in bulk; the subjects locked (in
    id order, so two batches never deadlock); the entries, their history rows and their
    ``list_entry.published`` events inserted in bulk; audit per entry up to ``PER_ENTRY_AUDIT_MAX``
    new entries, else one summary row (ADR 0024).

    The rules are the single item's (``list_entry_receive_upstream`` calls this): an item standing
    for the same act as an entry already here (same subject and list type, same 文书号 or an
    overlapping period; also an earlier item of the batch) is linked, not doubled; a red entry for
    a black-listed subject, an identifier that fails validation or any other broken rule holds the
    item with the reason (``outcome.error``), never dropping it; a black entry takes its subject off
    the red lists. ``actor`` None is the exchange worker applying what the platform delivered."""
    if actor is not None:
        ensure_can_write(actor, department)
    today = _today()
    outcomes = [UpstreamOutcome() for _ in items]
    cleans: list[_Clean] = []
    for index, item in enumerate(items):
        try:
            clean = _upstream_clean(index, item, today)
        except DomainError as exc:
            outcomes[index].error = exc
            continue
        clean.outcome = outcomes[index]
        cleans.append(clean)
    if not cleans:
        return outcomes
    with transaction.atomic():
        _subjects_of(cleans, actor=actor)
        cleans = [c for c in cleans if c.outcome.error is None]
        subject_ids = sorted({c.subject_id for c in cleans})
        subjects: dict[int, Subject] = {}
        for chunk in chunks(subject_ids, LOOKUP_CHUNK):
            subjects.update(
                (s.pk, s) for s in Subject.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            )
        standing = _standing_of(subject_ids, today)
        blacks = {sid: s for (sid, _), ss in standing.items() for s in ss if s.black_listing}
        now = clock.now()
        created: list[tuple[_Clean, ListEntry]] = []
        for c in cleans:
            list_type, subject = c.input.list_type, subjects[c.subject_id]
            mine = standing[(c.subject_id, list_type.pk)]
            same = next(
                (s for s in mine if s.same_act(c.input.document_no, c.valid_from, c.valid_until)), None
            )
            if same is not None:
                c.outcome.entry, c.linked_id = same.entry, same.pk
                continue
            black = blacks.get(c.subject_id)
            if list_type.color == ListColor.RED and black is not None:
                c.outcome.error = _black_listed_conflict(subject, black.type_name, black.pk, black.state)
                continue
            entry = ListEntry(
                list_type=list_type,
                subject=subject,
                subject_name=c.input.name,
                subject_kind=subject.kind,
                department=department,
                source_authority=c.item.authority,
                state=EntryState.PUBLISHED,
                reason=c.input.reason,
                legal_basis=c.input.legal_basis,
                document_no=c.input.document_no,
                decided_on=c.decided_on,
                valid_from=c.valid_from,
                valid_until=c.valid_until,
                published_at=now,
            )
            created.append((c, entry))
            now_standing = _Standing(
                None,
                list_type.color,
                EntryState.PUBLISHED,
                entry.document_no,
                c.valid_from,
                c.valid_until,
                list_type.name,
                entry,
            )
            mine.append(now_standing)
            if now_standing.black_listing:
                blacks.setdefault(c.subject_id, now_standing)
            c.outcome.entry, c.outcome.created = entry, True
        _upstream_write(created, actor=actor, department=department)
        linked = {c.linked_id for c in cleans if c.linked_id is not None}
        if linked:
            found = ListEntry.objects.select_related(
                "list_type", "subject", "department", "source_authority"
            ).in_bulk(linked)
            for c in cleans:
                if c.linked_id is not None:
                    c.outcome.entry = found[c.linked_id]
    return outcomes


def _upstream_write(created: list[tuple[_Clean, ListEntry]], *, actor, department) -> None:
    """The new entries, their history rows, audit and events, in the caller's transaction."""
    if not created:
        return
    entries = models_insert([e for _, e in created])
    models_insert(
        [
            ListEntryChange(
                entry=entry,
                **change_fields(
                    event=ChangeEvent.PUBLISHED,
                    state_before="",
                    state_after=EntryState.PUBLISHED,
                    actor=actor,
                    reason=f"上级平台下发：{c.item.authority.name}（{entry.document_no}）",
                ),
            )
            for c, entry in created
        ]
    )
    if len(entries) <= PER_ENTRY_AUDIT_MAX:
        for entry in entries:
            audit_record(
                actor=actor,
                action="list_entry.receive_upstream",
                obj=entry,
                department=department,
                before=None,
                after={
                    **entry_snapshot(entry),
                    "list_type": entry.list_type.code,
                    "identifier": entry.subject.identifier,
                    "source_authority": entry.source_authority.code if entry.source_authority else "",
                },
            )
    else:
        ids = [e.pk for e in entries]
        audit_record(
            actor=actor,
            action="list_entry.receive_upstream_batch",
            object_type=ListEntry._meta.label_lower,
            object_id=f"{min(ids)}-{max(ids)}",
            object_repr=f"上级平台下发 {len(ids)} 条",
            department=department,
            after={
                "count": len(ids),
                "authorities": sorted({c.item.authority.code for c, _ in created}),
                "entry_ids": ids,
            },
        )
    events_emit_bulk(
        [
            {
                "kind": "list_entry.published",
                "aggregate_type": "list_entry",
                "aggregate_id": entry.pk,
                "data": entry_event_data(entry),
                "department": department,
                "list_type_code": entry.list_type.code,
            }
            for entry in entries
        ]
    )
    black_subjects = {e.subject_id for e in entries if e.is_black}
    if black_subjects:
        with_reds = set(
            ListEntry.objects.filter(subject_id__in=black_subjects, list_type__color=ListColor.RED)
            .exclude(state=EntryState.REMOVED)
            .values_list("subject_id", flat=True)
        )
        for entry in entries:
            if entry.is_black and entry.subject_id in with_reds:
                _supersede_reds(entry, actor=actor)
                with_reds.discard(entry.subject_id)


def list_entry_receive_upstream(
    *,
    actor,
    authority: OutsideAuthority,
    department,
    list_type: ListType | str,
    identifier: str,
    name: str,
    reason: str,
    document_no: str,
    decided_on: date | None,
    legal_basis: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    kind: str | None = None,
) -> tuple[ListEntry, bool]:
    """One entry decided by an outside authority (a batch of one of ``list_entries_receive_upstream``,
    the only place the rules live). Returns ``(entry, created)``; raises the error that would hold
    the item. ``actor`` is a clerk re-applying a held item (rights of the recording department) or
    None for the exchange worker."""
    (outcome,) = list_entries_receive_upstream(
        actor=actor,
        department=department,
        items=[
            UpstreamItem(
                authority=authority,
                list_type=list_type,
                identifier=identifier,
                name=name,
                reason=reason,
                document_no=document_no,
                decided_on=decided_on,
                legal_basis=legal_basis,
                valid_from=valid_from,
                valid_until=valid_until,
                kind=kind,
            )
        ],
    )
    if outcome.error is not None:
        raise outcome.error
    assert outcome.entry is not None
    return outcome.entry, outcome.created


def list_entry_end_upstream(
    *, entry: ListEntry, actor, authority: OutsideAuthority, reason: str, note: str = ""
) -> tuple[ListEntry, bool]:
    """An outside authority removed, corrected or repaired (e.g. on 信用中国) the act behind
    ``entry``: it leaves the lists here as a local removal does (history, audit, the
    ``list_entry.removed`` event; pushes withdrawn at read time, ADR 0026). The district's waiting
    periods do not apply — the decision was made upstream. Returns ``(entry, ended)``; an entry
    already out of the lists is left as it is."""
    if actor is not None:
        ensure_can_decide(actor, entry.department)
    if reason not in UPSTREAM_END_REASONS:
        raise ValidationFailed.single(
            "reason",
            "choice",
            "上级平台移出原因必须是 repaired（信用修复）、revoked（撤销）或 corrected（更正）。",
        )
    note = _text(note, "note", "移出说明", required=False)
    with transaction.atomic():
        entry = _lock(entry)
        if entry.state == EntryState.REMOVED:
            return entry, False
        _remove_locked(
            entry,
            actor=actor,
            reason=reason,
            note=f"{authority.name}：{note}" if note else authority.name,
            action="list_entry.remove_upstream",
        )
    return entry, True
