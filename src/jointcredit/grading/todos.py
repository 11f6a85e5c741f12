"""Workbench to-dos of grading (registered in apps.ready)."""

from __future__ import annotations

from django.urls import reverse


def honours_to_revoke_todo(user) -> dict | None:
    from .honours import honours_to_revoke

    if not getattr(user, "department_id", None):
        return None
    count = honours_to_revoke(department=user.department).count()
    if not count:
        return None
    return {
        "label": "荣誉称号待撤销（获得者已被列入黑名单）",
        "count": count,
        "url": reverse("grading:honours"),
    }
