"""Workbench to-dos of a kind of case: open cases of my department by role, overdue ones for the office."""

from __future__ import annotations

from django.urls import reverse

from jointcredit.accounts.models import Role
from jointcredit.common import clock

from .dashboard import is_office
from .kinds import CaseKind
from .selectors import cases_overdue


def department_todo(
    kind: CaseKind, user, *, approver: tuple[tuple, str], clerk: tuple[tuple, str]
) -> dict | None:
    """Cases of the user's department in the states its role acts on: (states, label) for approvers,
    and for clerks and department admins."""
    if not getattr(user, "department_id", None):
        return None
    if user.has_role(Role.APPROVER):
        states, label = approver
    elif user.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN):
        states, label = clerk
    else:
        return None
    count = kind.model.objects.filter(department_id=user.department_id, state__in=states).count()
    if not count:
        return None
    return {"label": label, "count": count, "url": reverse(f"{kind.namespace}:list") + "?mine=1"}


def overdue_todo(kind: CaseKind, user, *, label: str) -> dict | None:
    """Overdue cases of every department, for the credit office (催办)."""
    if not is_office(user):
        return None
    count = cases_overdue(kind, today=clock.today()).count()
    if not count:
        return None
    return {"label": label, "count": count, "url": reverse(f"{kind.namespace}:list") + "?overdue=1"}
