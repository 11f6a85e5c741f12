"""Reads on red and black lists. Expiry is derived here from ``valid_until`` at read time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.fastpath import CompiledQuery
from jointcredit.common.history import timeline_step
from jointcredit.common.pagination import Page, paginate
from jointcredit.subjects import privacy
from jointcredit.subjects.identifiers import normalize
from jointcredit.subjects.selectors import subject_find

from .asof import entry_as_of
from .models import PUBLIC_EVENTS, ChangeEvent, EntryState, ListColor, ListEntry, ListType

STATUS_FILTERS = {
    "effective": "生效中",
    "expired": "已到期（未移出）",
    "pending": "办理中（拟列入/已告知/已认定）",
    "to_notify": "待告知（黑名单草稿）",
    "to_decide": "待认定/发布（已告知、已认定、红名单草稿）",
    "ended": "已移出或已到期",
}
UNFINISHED = (EntryState.DRAFT, EntryState.NOTIFIED, EntryState.DECIDED)


def _today() -> date:
    return clock.today()


def list_type_list(*, active_only: bool = False, color: str | None = None) -> QuerySet[ListType]:
    qs = ListType.objects.select_related("memorandum").prefetch_related("initiating_departments")
    if active_only:
        qs = qs.filter(is_active=True)
    if color:
        qs = qs.filter(color=color)
    return qs.order_by("color", "code")


def list_type_get(code: str) -> ListType:
    found = list_type_list().filter(code=code).first()
    if found is None:
        raise NotFound(f"名单类型“{code}”不存在。")
    return found


def list_type_codes_existing(codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` are configured list types (a webhook subscription's filter)."""
    return set(ListType.objects.filter(code__in=list(codes)).values_list("code", flat=True))


def list_types_for_department(department) -> QuerySet[ListType]:
    return list_type_list(active_only=True).filter(initiating_departments=department)


def _entries() -> QuerySet[ListEntry]:
    return ListEntry.objects.select_related(
        "list_type", "list_type__memorandum", "subject", "department", "source_authority"
    )


def list_entry_get(pk: int) -> ListEntry:
    entry = _entries().filter(pk=pk).first()
    if entry is None:
        raise NotFound(f"名单条目 {pk} 不存在。")
    return entry


def effective_q(on: date, prefix: str = "") -> Q:
    """Published and within validity on ``on`` (the derived status, as a query)."""
    p = prefix
    return (
        Q(**{f"{p}state": EntryState.PUBLISHED})
        & (Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": on}))
        & (Q(**{f"{p}valid_until__isnull": True}) | Q(**{f"{p}valid_until__gte": on}))
    )


def ended_q(on: date, prefix: str = "") -> Q:
    """Out of force for good on ``on``: removed, or published and past ``valid_until`` (expiry is
    derived from the date, whether or not the sweep has announced it). Registered with the exchange
    (``exchange.extensions.register_entry_ended_q``), which uses it with ``prefix="entry__"`` to
    withdraw the pushes of such entries at read time."""
    p = prefix
    return Q(**{f"{p}state": EntryState.REMOVED}) | Q(
        **{f"{p}state": EntryState.PUBLISHED, f"{p}valid_until__lt": on}
    )


def status_q(status: str, on: date) -> Q:
    """The derived status filters (``STATUS_FILTERS``) as queries: one definition for the staff list,
    the API and the workbench to-do cards that link to it."""
    if status == "effective":
        return effective_q(on)
    if status == "expired":
        return Q(state=EntryState.PUBLISHED, valid_until__lt=on)
    if status == "pending":
        return Q(state__in=UNFINISHED)
    if status == "to_notify":
        # Clerks send the prior notice (告知) of black drafts.
        return Q(state=EntryState.DRAFT, list_type__color=ListColor.BLACK)
    if status == "to_decide":
        # Approvers decide notified entries and publish decided ones and red drafts.
        return Q(state__in=[EntryState.NOTIFIED, EntryState.DECIDED]) | Q(
            state=EntryState.DRAFT, list_type__color=ListColor.RED
        )
    if status == "ended":
        return ended_q(on)
    raise ValidationFailed.single(
        "status", "choice", "状态筛选（status）必须是 " + "、".join(STATUS_FILTERS) + " 之一。"
    )


def list_entry_list(
    *,
    identifier: str | None = None,
    state: str | None = None,
    list_type: str | None = None,
    color: str | None = None,
    department: str | None = None,
    status: str | None = None,
    q: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """Staff/machine listing with filters; newest first."""
    qs = list_entry_filter(
        identifier=identifier,
        state=state,
        list_type=list_type,
        color=color,
        department=department,
        status=status,
        q=q,
    )
    return paginate(qs.order_by("-created_at", "-id"), page=page, page_size=page_size)


def list_entry_filter(
    *,
    identifier: str | None = None,
    state: str | None = None,
    list_type: str | None = None,
    color: str | None = None,
    department: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> QuerySet[ListEntry]:
    """The entries ``list_entry_list`` pages through (the to-do cards count this very queryset)."""
    qs = _entries()
    if identifier:
        subject = subject_find(identifier)  # malformed → 422
        if subject is None:
            return qs.none()
        qs = qs.filter(subject=subject)
    if state:
        if state not in EntryState.values:
            raise ValidationFailed.single(
                "state",
                "choice",
                "状态（state）必须是 "
                + "、".join(f"{v}（{label}）" for v, label in EntryState.choices)
                + " 之一。",
            )
        qs = qs.filter(state=state)
    if list_type:
        qs = qs.filter(list_type__code=list_type)
    if color:
        if color not in ListColor.values:
            raise ValidationFailed.single("color", "choice", "颜色（color）必须是 red 或 black。")
        qs = qs.filter(list_type__color=color)
    if department:
        qs = qs.filter(department__code=department)
    if status:
        qs = qs.filter(status_q(status, _today()))
    if q:
        q = q.strip()
        if len(q) > 100:
            raise ValidationFailed.single("q", "max_length", "查询内容不能超过 100 个字符。")
        qs = qs.filter(Q(subject_name__icontains=q) | Q(subject__identifier=q.upper()))
    return qs


def entries_effective_for_subjects(subject_ids: Iterable[int], on: date | None = None) -> QuerySet[ListEntry]:
    """Entries in force on ``on`` for a set of subjects — the check engine's lookup. One query using
    the (subject, state) index; list type, memorandum and department come along by join."""
    on = on or _today()
    return _entries().filter(subject_id__in=list(subject_ids)).filter(effective_q(on))


def entries_awaiting_action(department) -> QuerySet[ListEntry]:
    """草稿、已告知、已认定: unfinished entries of a department."""
    return ListEntry.objects.filter(department=department, state__in=UNFINISHED)


def list_entry_timeline(entry: ListEntry) -> list[dict]:
    """The entry's status history (ADR 0032), oldest first: each change with the state before and
    after, the reason, who, when it was recorded and from which day it takes effect. An expiry the
    sweep has not announced yet is added as a derived step (``derived``), as every read derives it."""
    steps = [
        timeline_step(c, label=c.label, state_labels=_STATE_LABELS, removal_reason=c.removal_reason)
        for c in entry.changes.order_by("recorded_at", "pk")
    ]
    today = _today()
    if entry.is_expired(today) and not any(s["event"] == ChangeEvent.EXPIRED for s in steps):
        steps.append(
            {
                "event": ChangeEvent.EXPIRED.value,
                "label": ChangeEvent.EXPIRED.label,
                "state_before": entry.state,
                "state_after": entry.state,
                "state_before_label": _STATE_LABELS.get(entry.state, entry.state),
                "state_after_label": _STATE_LABELS.get(entry.state, entry.state),
                "removal_reason": "",
                "reason": f"有效期已于 {entry.valid_until} 届满",
                "actor": "系统",
                "recorded_at": None,
                "effective_on": entry.valid_until + timedelta(days=1),  # type: ignore[operator]  # expired
                "backfilled": False,
                "derived": True,
            }
        )
    return steps


def list_entry_public_timeline(entry: ListEntry) -> list[dict]:
    """What the portal shows of the history: the public steps, dated, without who or why."""
    return privacy.public_timeline(list_entry_timeline(entry), events=PUBLIC_EVENTS)


def entry_history(entry: ListEntry) -> list:
    """The entry's audit rows, each with the Chinese name of the state it left the entry in."""
    from jointcredit.audit.models import AuditEvent

    states: dict[str, str] = dict(EntryState.choices)
    rows = list(
        AuditEvent.objects.filter(object_type="lists.listentry", object_id=str(entry.pk)).order_by("seq")
    )
    for row in rows:
        state = str((row.after or {}).get("state") or "")
        row.state_label = states.get(state, "")  # type: ignore[attr-defined]
    return rows


# --- public surfaces --------------------------------------------------------------------------------
def public_subject_name(entry: ListEntry) -> str:
    return privacy.public_name_of(entry.subject_name, entry.subject.kind)


def public_identifier(entry: ListEntry) -> str:
    return privacy.public_identifier(entry.subject)


def public_entry_out(entry: ListEntry) -> dict:
    return {
        "id": entry.pk,
        "list_type": entry.list_type.code,
        "list_type_name": entry.list_type.name,
        "color": entry.list_type.color,
        "subject_name": public_subject_name(entry),
        "identifier": public_identifier(entry),
        "subject_kind": entry.subject.get_kind_display(),
        "department": entry.department.name,
        "issuer": entry.issuer_name,
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "document_no": entry.document_no,
        "decided_on": entry.decided_on,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "under_objection": entry.under_objection,
    }


def public_entry_list(
    *, color: str, q: str = "", list_type: str | None = None, page: int = 1, page_size: int = 20
) -> Page:
    """Portal: only entries in force today. Removed and expired entries disappear at once because
    the filter is evaluated on every read. Natural persons are found by full name or full ID only,
    never by name fragment (``subjects.privacy``), so a masked name cannot be unmasked by probing."""
    if color not in ListColor.values:
        raise ValidationFailed.single("color", "choice", "颜色（color）必须是 red 或 black。")
    qs = _entries().filter(list_type__color=color).filter(effective_q(_today()))
    if list_type:
        qs = qs.filter(list_type__code=list_type)
    q = (q or "").strip()
    if len(q) > 100:
        raise ValidationFailed.single("q", "max_length", "查询内容不能超过 100 个字符。")
    if q:
        qs = qs.filter(
            Q(subject__identifier=normalize(q))
            | privacy.name_match(q, name_field="subject_name", kind_field="subject_kind")
        )
    return paginate(qs.order_by("-decided_on", "-id"), page=page, page_size=page_size)


def public_extract_entries(*, color: str, on: date) -> QuerySet[ListEntry]:
    """The daily public extract (``lists.extracts``): the entries the portal shows on ``on`` — in
    force that day and published by the end of it — oldest first (a stable order: the same data
    gives the same file)."""
    end_of_day = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
    return (
        _entries()
        .filter(list_type__color=color)
        .filter(effective_q(on))
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=end_of_day))
        .order_by("pk")
    )


def public_entry_get(pk: int) -> ListEntry:
    entry = _entries().filter(pk=pk).filter(effective_q(_today())).first()
    if entry is None:
        raise NotFound("该名单信息不存在或已移出公示。")
    return entry


# --- subject detail section ---------------------------------------------------------------------
# Hot path (GET /api/v1/subjects/{identifier}, bench/bench_subjects.py): compiled once per process;
# the date rules are applied in Python on the subject's few non-removed entries.
_SUBJECT_ENTRY_ROWS = CompiledQuery(
    lambda subject_id: (
        ListEntry.objects.filter(subject_id=subject_id)
        .exclude(state=EntryState.REMOVED)
        .order_by("-created_at")
        .values_list(
            "id",
            "list_type__code",
            "list_type__name",
            "list_type__color",
            "state",
            "department__name",
            "department__code",
            "decided_on",
            "valid_from",
            "valid_until",
            "under_objection",
        )
    ),
    arg_types=(int,),
)
# As of a past date (ADR 0036): the published and removed entries, through the (subject, state)
# index like the check; the rule (asof.entry_as_of) is applied in Python on the few rows.
_SUBJECT_ENTRY_ROWS_AS_OF = CompiledQuery(
    lambda subject_id: (
        ListEntry.objects.filter(subject_id=subject_id, state__in=(EntryState.PUBLISHED, EntryState.REMOVED))
        .order_by("-created_at")
        .values_list(
            "id",
            "list_type__code",
            "list_type__name",
            "list_type__color",
            "department__name",
            "department__code",
            "decided_on",
            "valid_from",
            "valid_until",
            "under_objection",
            "state",
            "published_at",
            "removed_at",
            "removal_reason",
            "objection_periods",
            "subject_name",
        )
    ),
    arg_types=(int,),
)
_STATE_LABELS = dict(EntryState.choices)


def subject_entries_section(subject, *, public: bool = False, on: date | None = None) -> list[dict]:
    """Entries of a subject for GET /subjects/{identifier} (provider "entries", as-of).

    Today (``on`` None or today): staff see unfinished and effective entries (not removed, not
    expired); the public sees only effective ones, masked. For a past ``on``: the entries in force at
    the end of that day (``asof.entry_as_of``) for staff and public alike, each with ``removed_on``,
    ``removal_reason`` and ``later_revoked`` when removed since, and ``under_objection`` as of then."""
    today = _today()
    if on is not None and on < today:
        return _subject_entries_as_of(subject, on=on, today=today, public=public)
    if public:
        return _public_subject_entries(subject, today)
    out = []
    for (
        pk,
        type_code,
        type_name,
        color,
        state,
        dept_name,
        dept_code,
        decided_on,
        valid_from,
        valid_until,
        under_objection,
    ) in _SUBJECT_ENTRY_ROWS.rows(subject.pk):
        published = state == EntryState.PUBLISHED
        expired = published and valid_until is not None and today > valid_until
        if expired:
            continue
        not_started = published and valid_from is not None and today < valid_from
        out.append(
            {
                "id": pk,
                "list_type": type_code,
                "list_type_name": type_name,
                "color": color,
                "state": state,
                # Same wording as ListEntry.display_status (tested against it).
                "state_label": "已发布（未生效）" if not_started else _STATE_LABELS.get(state, state),
                "department": dept_name,
                "department_code": dept_code,
                "decided_on": decided_on,
                "valid_until": valid_until,
                "under_objection": under_objection,
                "effective": published and not not_started,
            }
        )
    return out


def _subject_entries_as_of(subject, *, on: date, today: date, public: bool) -> list[dict]:
    out = []
    for (
        pk,
        type_code,
        type_name,
        color,
        dept_name,
        dept_code,
        decided_on,
        valid_from,
        valid_until,
        under_objection,
        state,
        published_at,
        removed_at,
        removal_reason,
        objection_periods,
        subject_name,
    ) in _SUBJECT_ENTRY_ROWS_AS_OF.rows(subject.pk):
        found = entry_as_of(
            state=state,
            valid_from=valid_from,
            valid_until=valid_until,
            published_at=published_at,
            removed_at=removed_at,
            removal_reason=removal_reason,
            objection_periods=objection_periods,
            under_objection=under_objection,
            on=on,
            today=today,
        )
        if found is None:
            continue
        item = {
            "id": pk,
            "list_type": type_code,
            "list_type_name": type_name,
            "color": color,
            # As it stood on the date: published and in force.
            "state": EntryState.PUBLISHED,
            "state_label": _STATE_LABELS[EntryState.PUBLISHED],
            "department": dept_name,
            "department_code": dept_code,
            "decided_on": decided_on,
            "valid_until": valid_until,
            "under_objection": found.under_objection,
            "effective": True,
            "removed_on": found.removed_on,
            "removal_reason": found.removal_reason,
            "later_revoked": found.later_revoked,
        }
        if public:
            item["subject_name"] = privacy.public_name_of(subject_name, subject.kind)
        out.append(item)
    return out


def _public_subject_entries(subject, today: date) -> list[dict]:
    qs = _entries().filter(subject=subject).exclude(state=EntryState.REMOVED).filter(effective_q(today))
    out = []
    for entry in qs.order_by("-created_at"):
        out.append(
            {
                "id": entry.pk,
                "list_type": entry.list_type.code,
                "list_type_name": entry.list_type.name,
                "color": entry.list_type.color,
                "state": entry.state,
                "state_label": entry.display_status(today),
                "department": entry.department.name,
                "department_code": entry.department.code,
                "issuer": entry.issuer_name,
                "decided_on": entry.decided_on,
                "valid_until": entry.valid_until,
                "under_objection": entry.under_objection,
                "effective": entry.is_effective(today),
                "subject_name": public_subject_name(entry),
            }
        )
    return out
