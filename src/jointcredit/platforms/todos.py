"""Workbench to-dos: held inbound items (receiving department) and rejected outgoing items."""

from __future__ import annotations

from jointcredit.accounts.models import Role

from .selectors import department_scope, held_items_filter, rejected_items_filter


def _writer(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.department_id is not None
        and user.has_role(Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN)
    )


def held_items_todo(user) -> dict | None:
    from jointcredit.common.workbench_registry import todo_card

    if not _writer(user):
        return None
    count = held_items_filter(department_id=department_scope(user)).count()
    return todo_card(label="上级平台下发待处理（暂挂）", count=count, url_name="platforms:held", filters={})


def rejected_items_todo(user) -> dict | None:
    from jointcredit.common.workbench_registry import todo_card

    if not _writer(user):
        return None
    count = rejected_items_filter(department_id=department_scope(user)).count()
    return todo_card(label="上报被上级平台退回", count=count, url_name="platforms:rejected", filters={})
