from __future__ import annotations


def due_soon_todo(user) -> dict | None:
    from jointcredit.common.workbench_registry import todo_card

    from .selectors import commitment_filter

    if not getattr(user, "department_id", None):
        return None
    # The list page always shows the user's own department; ``due_soon`` is the counted filter.
    return todo_card(
        label="容缺受理承诺即将到期（待补齐材料）",
        count=commitment_filter(department=user.department, due_soon=True).count(),
        url_name="commitments:list",
        filters={"due_soon": 1},
    )
