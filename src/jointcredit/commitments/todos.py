from __future__ import annotations

from django.urls import reverse


def due_soon_todo(user) -> dict | None:
    from .selectors import commitments_due_soon

    if not getattr(user, "department_id", None):
        return None
    count = commitments_due_soon(department=user.department).count()
    if not count:
        return None
    return {
        "label": "容缺受理承诺即将到期（待补齐材料）",
        "count": count,
        "url": reverse("commitments:list") + "?state=active",
    }
