"""Workbench to-dos of a kind of case: open cases of my department by role, overdue ones for the office.

Each card's link carries the filters its count was computed with (``case_filter``, the list's own
queryset), so the list shows exactly the counted cases."""

from __future__ import annotations

from jointcredit.accounts.models import Role

from .dashboard import is_office
from .kinds import CaseKind
from .selectors import case_filter


def _card(kind: CaseKind, *, label: str, count: int, filters: dict) -> dict | None:
    from jointcredit.common.workbench_registry import todo_card

    return todo_card(label=label, count=count, url_name=f"{kind.namespace}:list", filters=filters)


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
    # ``mine=1`` is the list page's "my department" (request.user.department).
    state = ",".join(states)
    count = case_filter(kind, department=user.department, state=state).count()
    return _card(kind, label=label, count=count, filters={"mine": 1, "state": state})


def overdue_todo(kind: CaseKind, user, *, label: str) -> dict | None:
    """Overdue cases of every department, for the credit office (催办)."""
    if not is_office(user):
        return None
    return _card(kind, label=label, count=case_filter(kind, overdue=True).count(), filters={"overdue": 1})
