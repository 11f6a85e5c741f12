"""Workbench to-do: unfinished entries of the user's department that need this user's step."""

from __future__ import annotations

from jointcredit.accounts.models import Role

from .selectors import list_entry_filter


def entries_awaiting_todo(user) -> dict | None:
    from jointcredit.common.workbench_registry import todo_card

    if not getattr(user, "is_authenticated", False) or user.department_id is None:
        return None
    if user.has_role(Role.APPROVER):
        status, label = "to_decide", "待认定/发布的名单条目"
    elif user.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN):
        status, label = "to_notify", "待告知的黑名单草稿"
    else:
        return None
    filters = {"department": user.department.code, "status": status}
    return todo_card(
        label=label, count=list_entry_filter(**filters).count(), url_name="lists:entry_list", filters=filters
    )
