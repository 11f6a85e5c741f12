"""Workbench to-dos: repair applications to handle in my department, overdue ones for the office."""

from __future__ import annotations

from jointcredit.casework.todos import department_todo, overdue_todo

from .kind import REPAIR
from .models import RepairState


def repairs_todo(user) -> dict | None:
    return department_todo(
        REPAIR,
        user,
        approver=((RepairState.SUBMITTED, RepairState.UNDER_REVIEW), "本部门待受理/待决定的信用修复申请"),
        clerk=((RepairState.SUBMITTED,), "本部门待受理的信用修复申请"),
    )


def overdue_office_todo(user) -> dict | None:
    return overdue_todo(REPAIR, user, label="逾期未决定的信用修复申请（可催办）")
