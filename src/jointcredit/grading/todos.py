"""Workbench to-dos of grading (registered in apps.ready)."""

from __future__ import annotations


def honours_to_revoke_todo(user) -> dict | None:
    from jointcredit.common.workbench_registry import todo_card

    from .honours import honours_to_revoke

    if not getattr(user, "department_id", None):
        return None
    # The honours page's worklist is ``honours_to_revoke`` of the user's own department: no filters.
    return todo_card(
        label="荣誉称号待撤销（获得者已被列入黑名单）",
        count=len(honours_to_revoke(department=user.department)),
        url_name="grading:honours",
        filters={},
    )
