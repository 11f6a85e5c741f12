"""Reads shared by objections and repairs: one case, the filtered and paginated list, overdue."""

from __future__ import annotations

import operator
from datetime import date
from functools import reduce

from django.db.models import Q

from jointcredit.casework.models import SyncReceipt
from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.pagination import Page, paginate

from .kinds import CaseKind, case_kinds
from .models import IdentityApplication, IdentityState


def case_get(kind: CaseKind, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"{kind.noun}不存在。") from None
    case = kind.model.objects.select_related(*kind.get_related).filter(pk=pk).first()
    if case is None:
        raise NotFound(f"{kind.noun} {pk} 不存在。")
    return case


def overdue_q(kind: CaseKind, today: date) -> Q:
    """Open cases whose running deadline has passed (a pending deadline, NULL, never matches)."""
    by_field: dict[str, list] = {}
    for state, name in kind.due_fields.items():
        by_field.setdefault(name, []).append(state)
    return reduce(
        operator.or_, (Q(state__in=states, **{f"{name}__lt": today}) for name, states in by_field.items())
    )


def cases_overdue(kind: CaseKind, *, today: date, department=None):
    qs = kind.model.objects.filter(overdue_q(kind, today))
    if department is not None:
        qs = qs.filter(department=department)
    return qs


def case_is_overdue(kind: CaseKind, case, today: date | None = None) -> bool:
    due = kind.due_of(case)
    return bool(due and due < (today or clock.today()))


def case_list(
    kind: CaseKind,
    *,
    department=None,
    state: str | None = None,
    identifier: str | None = None,
    overdue: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    qs = case_filter(kind, department=department, state=state, identifier=identifier, overdue=overdue)
    return paginate(
        qs.select_related("department", "subject").order_by("-created_at", "-id"),
        page=page,
        page_size=page_size,
    )


def case_filter(
    kind: CaseKind, *, department=None, state: str | None = None, identifier: str | None = None, overdue=False
):
    """The cases ``case_list`` pages through; the workbench to-do cards count this very queryset.
    ``state`` may name several states separated by commas (``submitted,accepted``)."""
    qs = kind.model.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    if state:
        states = [s.strip() for s in state.split(",") if s.strip()]
        if not states or any(s not in kind.states.values for s in states):
            raise ValidationFailed.single(
                "state",
                "choice",
                f"状态（state）必须是 {'、'.join(kind.states.values)} 之一（多个用逗号分隔）。",
            )
        qs = qs.filter(state__in=states)
    if identifier:
        qs = qs.filter(subject__identifier=identifier.strip().upper())
    if overdue:
        qs = qs.filter(overdue_q(kind, clock.today()))
    return qs


def open_case_for(kind: CaseKind, target_key: str):
    """The open case on a target (at most one: partial unique index on ``target_key``)."""
    return kind.model.objects.filter(target_key=target_key, state__in=kind.open_states).first()


def cases_for_subject(kind: CaseKind, identifier: str):
    return (
        kind.model.objects.filter(subject__identifier=identifier)
        .select_related("department")
        .order_by("-created_at")
    )


# --- result-sync receipts (修复/更正结果同步回执) ------------------------------------------------------
def receipt_get(pk) -> SyncReceipt:
    r = SyncReceipt.objects.select_related("department").filter(pk=pk).first()
    if r is None:
        raise NotFound(f"回执 {pk} 不存在。")
    return r


def receipt_list(
    *,
    department=None,
    source_type: str | None = None,
    source_id: int | None = None,
    pending: bool | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    qs = receipt_filter(department=department, source_type=source_type, source_id=source_id, pending=pending)
    return paginate(
        qs.select_related("department", "acknowledged_by").order_by("acknowledged_at", "-created_at"),
        page=page,
        page_size=page_size,
    )


def receipt_filter(
    *,
    department=None,
    source_type: str | None = None,
    source_id: int | None = None,
    pending: bool | None = None,
):
    """The receipts ``receipt_list`` pages through (the workbench to-do card counts this queryset)."""
    qs = SyncReceipt.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    if source_type:
        qs = qs.filter(source_type=source_type)
    if source_id is not None:
        qs = qs.filter(source_id=source_id)
    if pending is not None:
        qs = qs.filter(acknowledged_at__isnull=pending)
    return qs


def receipts_of(source_type: str, source_id: int):
    return (
        SyncReceipt.objects.filter(source_type=source_type, source_id=source_id)
        .select_related("department", "acknowledged_by")
        .order_by("department__name")
    )


def subject_cases_section(subject, *, public: bool = False) -> list[dict]:
    """Subject detail section “objections”: every registered kind's cases of the subject (staff only)."""
    if public:
        return []
    return [
        {
            "kind": kind.key,
            "id": c.pk,
            "case_no": c.case_no,
            "target": c.target_label,
            "state": c.state,
            "state_label": c.get_state_display(),
            "department": c.department.name,
            "created_at": c.created_at,
        }
        for kind in case_kinds()
        for c in kind.model.objects.filter(subject=subject).select_related("department")[:50]
    ]


def subject_targets(subject, today: date) -> list[dict]:
    """The subject's own information that can be contested or repaired (我的信用信息)."""
    from jointcredit.lists.models import EntryState, ListEntry
    from jointcredit.records.models import Penalty, RecordState

    from .targets import Target, contestable_reason, repair_refusal

    out = []
    for e in ListEntry.objects.filter(
        subject=subject, state__in=[EntryState.NOTIFIED, EntryState.DECIDED, EntryState.PUBLISHED]
    ).select_related("list_type", "department", "subject"):
        t = Target("list_entry", e)
        if contestable_reason(t, today) is None:
            out.append({"t": t, "under_objection": e.under_objection, "repair": repair_refusal(t, today)})
    for p in Penalty.objects.filter(subject=subject, state=RecordState.PUBLISHED).select_related(
        "department", "subject"
    ):
        t = Target("penalty", p)
        if p.display_status(today) == "public":
            out.append({"t": t, "under_objection": False, "repair": repair_refusal(t, today)})
    return out


def identity_applications_pending(department) -> list:
    """Applications awaiting a clerk's identity check in ``department`` (待核验身份), oldest first."""
    return list(
        IdentityApplication.objects.filter(department=department, state=IdentityState.PENDING)
        .select_related("subject", "department")
        .order_by("created_at", "id")
    )


def identity_application_get(pk) -> IdentityApplication:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("身份核验申请不存在。") from None
    app = (
        IdentityApplication.objects.select_related("subject", "department", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if app is None:
        raise NotFound("身份核验申请不存在。")
    return app
