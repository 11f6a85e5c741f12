"""Workbench to-dos: objections to handle in my department, overdue ones for the office, receipts to confirm."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jointcredit.accounts.models import Role

from .models import Objection, ObjectionState, SyncReceipt
from .selectors import objections_overdue


def objections_todo(user) -> dict | None:
    if not getattr(user, "department_id", None):
        return None
    qs = Objection.objects.filter(department_id=user.department_id)
    if user.has_role(Role.APPROVER):
        count = qs.filter(state__in=[ObjectionState.SUBMITTED, ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW]).count()
        label = "本部门待办理/待决定的异议"
    elif user.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN):
        count = qs.filter(state__in=[ObjectionState.SUBMITTED, ObjectionState.ACCEPTED]).count()
        label = "本部门待受理/待核查的异议"
    else:
        return None
    if not count:
        return None
    return {"label": label, "count": count, "url": reverse("objections:list") + "?mine=1"}


def overdue_office_todo(user) -> dict | None:
    if not (getattr(user, "is_office_admin", False) or getattr(user, "is_superuser", False)):
        return None
    count = objections_overdue(today=timezone.localdate()).count()
    if not count:
        return None
    return {"label": "逾期未办结的异议（可催办）", "count": count, "url": reverse("objections:list") + "?overdue=1"}


def receipts_todo(user) -> dict | None:
    if not getattr(user, "department_id", None) or not user.has_role(Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN):
        return None
    count = SyncReceipt.objects.filter(department_id=user.department_id, acknowledged_at__isnull=True).count()
    if not count:
        return None
    return {"label": "待确认的修复/更正结果同步回执", "count": count, "url": reverse("objections:receipts") + "?mine=1&pending=1"}
