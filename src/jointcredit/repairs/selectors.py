"""Reads on repair applications."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.pagination import Page, paginate

from .models import RepairApplication, RepairState


def repair_get(pk) -> RepairApplication:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("信用修复申请不存在。") from None
    r = RepairApplication.objects.select_related("department", "subject", "decided_by").filter(pk=pk).first()
    if r is None:
        raise NotFound(f"信用修复申请 {pk} 不存在。")
    return r


def repairs_overdue(*, today: date, department=None):
    qs = RepairApplication.objects.filter(state=RepairState.UNDER_REVIEW, decide_due__lt=today)
    if department is not None:
        qs = qs.filter(department=department)
    return qs


def is_overdue(r: RepairApplication, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return r.state == RepairState.UNDER_REVIEW and bool(r.decide_due and r.decide_due < today)


def repair_list(*, department=None, state: str | None = None, identifier: str | None = None,
                overdue: bool = False, page: int = 1, page_size: int = 20) -> Page:
    qs = RepairApplication.objects.select_related("department", "subject").order_by("-created_at", "-id")
    if department is not None:
        qs = qs.filter(department=department)
    if state:
        if state not in RepairState.values:
            raise ValidationFailed.single("state", "choice", f"状态（state）必须是 {'、'.join(RepairState.values)} 之一。")
        qs = qs.filter(state=state)
    if identifier:
        qs = qs.filter(subject__identifier=identifier.strip().upper())
    if overdue:
        qs = qs.filter(state=RepairState.UNDER_REVIEW, decide_due__lt=timezone.localdate())
    return paginate(qs, page=page, page_size=page_size)


def repairs_for_subject(identifier: str):
    return (RepairApplication.objects.filter(subject__identifier=identifier).select_related("department")
            .order_by("-created_at"))
