"""Workbench to-do: unfinished entries of the user's department that need this user's step."""

from __future__ import annotations

from django.urls import reverse

from jointcredit.accounts.models import Role

from .models import EntryState
from .selectors import entries_awaiting_action


def entries_awaiting_todo(user) -> dict | None:
    if not getattr(user, "is_authenticated", False) or user.department_id is None:
        return None
    qs = entries_awaiting_action(user.department)
    if user.has_role(Role.APPROVER):
        # Approvers act on notified (decide), decided (publish) and red drafts (publish).
        count = qs.exclude(state=EntryState.DRAFT, list_type__color="black").count()
        label = "待认定/发布的名单条目"
    elif user.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN):
        count = qs.filter(state=EntryState.DRAFT, list_type__color="black").count()
        label = "待告知的黑名单草稿"
    else:
        return None
    if not count:
        return None
    return {"label": label, "count": count, "url": reverse("lists:entry_list") + "?status=pending"}
