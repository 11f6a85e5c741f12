"""Reads on objections and result-sync receipts."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils import timezone

from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.pagination import Page, paginate

from .models import OPEN_OBJECTION_STATES, Objection, ObjectionState, SyncReceipt, TargetType


def objection_get(pk) -> Objection:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("异议申请不存在。") from None
    o = Objection.objects.select_related("department", "subject", "accepted_by", "decided_by").filter(pk=pk).first()
    if o is None:
        raise NotFound(f"异议申请 {pk} 不存在。")
    return o


def objection_list(*, department=None, state: str | None = None, identifier: str | None = None,
                   overdue: bool = False, page: int = 1, page_size: int = 20) -> Page:
    qs = Objection.objects.select_related("department", "subject").order_by("-created_at", "-id")
    if department is not None:
        qs = qs.filter(department=department)
    if state:
        if state not in ObjectionState.values:
            raise ValidationFailed.single("state", "choice", f"状态（state）必须是 {'、'.join(ObjectionState.values)} 之一。")
        qs = qs.filter(state=state)
    if identifier:
        qs = qs.filter(subject__identifier=identifier.strip().upper())
    if overdue:
        qs = qs.filter(overdue_q(timezone.localdate()))
    return paginate(qs, page=page, page_size=page_size)


def overdue_q(today: date) -> Q:
    return (Q(state=ObjectionState.SUBMITTED, accept_due__lt=today)
            | Q(state__in=[ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW], decide_due__lt=today))


def objections_overdue(*, today: date, department=None):
    qs = Objection.objects.filter(overdue_q(today))
    if department is not None:
        qs = qs.filter(department=department)
    return qs


def is_overdue(o: Objection, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    if o.state == ObjectionState.SUBMITTED:
        return bool(o.accept_due and o.accept_due < today)
    if o.state in (ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW):
        return bool(o.decide_due and o.decide_due < today)
    return False


def open_objection_for(target_type: str, target_id: int) -> Objection | None:
    return Objection.objects.filter(target_key=f"{target_type}:{target_id}", state__in=OPEN_OBJECTION_STATES).first()


def records_under_objection(record_type: str, ids) -> set[int]:
    """双公示 records shown as 异议中 (accepted or under review), for pages and APIs of records."""
    if record_type not in (TargetType.PENALTY, TargetType.LICENSE):
        return set()
    return set(Objection.objects.filter(target_type=record_type, target_id__in=list(ids),
                                        state__in=[ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW])
               .values_list("target_id", flat=True))


def objections_for_subject(identifier: str):
    return Objection.objects.filter(subject__identifier=identifier).select_related("department").order_by("-created_at")


# --- receipts -------------------------------------------------------------------------------------
def receipt_get(pk) -> SyncReceipt:
    r = SyncReceipt.objects.select_related("department").filter(pk=pk).first()
    if r is None:
        raise NotFound(f"回执 {pk} 不存在。")
    return r


def receipt_list(*, department=None, source_type: str | None = None, source_id: int | None = None,
                 pending: bool | None = None, page: int = 1, page_size: int = 20) -> Page:
    qs = SyncReceipt.objects.select_related("department", "acknowledged_by").order_by("acknowledged_at", "-created_at")
    if department is not None:
        qs = qs.filter(department=department)
    if source_type:
        qs = qs.filter(source_type=source_type)
    if source_id is not None:
        qs = qs.filter(source_id=source_id)
    if pending is not None:
        qs = qs.filter(acknowledged_at__isnull=pending)
    return paginate(qs, page=page, page_size=page_size)


def receipts_of(source_type: str, source_id: int):
    return SyncReceipt.objects.filter(source_type=source_type, source_id=source_id).select_related(
        "department", "acknowledged_by").order_by("department__name")


def subject_cases_section(subject, *, public: bool = False) -> list[dict]:
    """Subject detail section “objections”: objections and repairs of the subject (staff only)."""
    if public:
        return []
    from jointcredit.repairs.models import RepairApplication

    rows = [{"kind": "objection", "id": o.pk, "case_no": o.case_no, "target": o.target_label, "state": o.state,
             "state_label": o.get_state_display(), "department": o.department.name, "created_at": o.created_at}
            for o in Objection.objects.filter(subject=subject).select_related("department")[:50]]
    rows += [{"kind": "repair", "id": r.pk, "case_no": r.case_no, "target": r.target_label, "state": r.state,
              "state_label": r.get_state_display(), "department": r.department.name, "created_at": r.created_at}
             for r in RepairApplication.objects.filter(subject=subject).select_related("department")[:50]]
    return rows
