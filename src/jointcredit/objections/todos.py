"""Workbench to-dos: objections to handle in my department, overdue ones for the office,
receipts to confirm."""

from __future__ import annotations

from jointcredit.accounts.models import Role
from jointcredit.casework.todos import department_todo, overdue_todo

from .kind import OBJECTION
from .models import ObjectionState


def objections_todo(user) -> dict | None:
    return department_todo(
        OBJECTION,
        user,
        approver=(
            (ObjectionState.SUBMITTED, ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW),
            "本部门待办理/待决定的异议",
        ),
        clerk=((ObjectionState.SUBMITTED, ObjectionState.ACCEPTED), "本部门待受理/待核查的异议"),
    )


def overdue_office_todo(user) -> dict | None:
    return overdue_todo(OBJECTION, user, label="逾期未办结的异议（可催办）")


def receipts_todo(user) -> dict | None:
    if not getattr(user, "department_id", None) or not user.has_role(
        Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN
    ):
        return None
    from jointcredit.casework.selectors import receipt_filter
    from jointcredit.common.workbench_registry import todo_card

    # ``mine=1`` is the receipts page's "my department" (request.user.department).
    count = receipt_filter(department=user.department, pending=True).count()
    return todo_card(
        label="待确认的修复/更正结果同步回执",
        count=count,
        url_name="objections:receipts",
        filters={"mine": 1, "pending": 1},
    )
