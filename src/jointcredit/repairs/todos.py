from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jointcredit.accounts.models import Role

from .models import RepairApplication, RepairState
from .selectors import repairs_overdue


def repairs_todo(user) -> dict | None:
    if not getattr(user, "department_id", None):
        return None
    qs = RepairApplication.objects.filter(department_id=user.department_id)
    if user.has_role(Role.APPROVER):
        count, label = qs.filter(state__in=[RepairState.SUBMITTED, RepairState.UNDER_REVIEW]).count(), "本部门待受理/待决定的信用修复申请"
    elif user.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN):
        count, label = qs.filter(state=RepairState.SUBMITTED).count(), "本部门待受理的信用修复申请"
    else:
        return None
    if not count:
        return None
    return {"label": label, "count": count, "url": reverse("repairs:list") + "?mine=1"}


def overdue_office_todo(user) -> dict | None:
    if not (getattr(user, "is_office_admin", False) or getattr(user, "is_superuser", False)):
        return None
    count = repairs_overdue(today=timezone.localdate()).count()
    if not count:
        return None
    return {"label": "逾期未决定的信用修复申请（可催办）", "count": count, "url": reverse("repairs:list") + "?overdue=1"}
