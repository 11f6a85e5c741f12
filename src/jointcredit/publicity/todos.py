"""Workbench to-do of the reviewers (区委宣传部, the credit office): articles waiting for review."""

from __future__ import annotations

from jointcredit.common.workbench_registry import todo_card

from . import selectors


def articles_awaiting_review_todo(user):
    filters = selectors.awaiting_review_filters(user)
    if filters is None:
        return None
    return todo_card(
        label="待审核的诚信宣传稿件",
        count=selectors.article_filter(user=user, **filters).count(),
        url_name="publicity:list",
        filters=filters,
    )
