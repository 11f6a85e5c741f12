"""What the catalog plugs into other capabilities (from ``CatalogConfig.ready``): the subject
section, workbench to-do, calendar receiver, the portal's public/staff sections and grading input.
Each registry is optional: an absent app is skipped."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from .models import CatalogRecord, Category, Disclosure


def subject_section(subject, *, public: bool = False, viewer=None) -> list[dict]:
    """``subjects.extensions`` provider (subject API ``catalog`` key), newest first, at most 200 rows:
    公开 items for the public; for staff what ``viewer`` may see — 公开 + 政务共享 and the 授权查询
    items its department provides or lists in the 应用清单 (all for the office), as
    ``GET /api/v1/catalog/subjects/{identifier}`` and the staff catalog page show them."""
    from . import selectors

    items = selectors.public_items(subject) if public else selectors.subject_items(subject, viewer)
    return [_jsonable(i) for i in items]


def _jsonable(item: dict) -> dict:
    from jointcredit.common.jsonable import jsonable

    return jsonable(item | {"fields": [list(f) for f in item["fields"]]})


def overdue_todo(user) -> dict | None:
    from jointcredit.common.workbench_registry import todo_card

    from .selectors import task_filter

    if user is None or getattr(user, "department_id", None) is None:
        return None
    # ``department`` is honoured for the office (others always see their own department's tasks).
    filters = {"department": user.department.code, "status": "missing"}
    return todo_card(
        label="信用信息逾期未报送",
        count=task_filter(department=user.department, status=filters["status"]).count(),
        url_name="catalog:tasks",
        filters=filters,
    )


def on_calendar_changed(sender=None, years=None, **kwargs) -> None:
    from .services import tasks_recompute_pending

    tasks_recompute_pending(years)


def _portal_item(rec: dict) -> dict:
    tone = {Category.DISHONEST: "black", Category.GOOD: "red"}.get(rec["category"], "")
    return {
        "title": rec["item_name"],
        "subtitle": f"{rec['department']} · {rec['occurred_on']}",
        "fields": [("信息类别", rec["category_label"]), ("信息日期", rec["occurred_on"]), *rec["fields"]],
        "tags": [{"label": rec["category_label"], "tone": tone}],
    }


def portal_public_section(subject, *, today: date) -> list[dict]:
    from .selectors import public_items

    return [_portal_item(r) for r in public_items(subject, today=today)]


def portal_staff_section(subject, *, today: date) -> list[dict]:
    """Staff page/report: 公开 and 政务共享 items (授权查询 ones on the viewer-aware catalog page)."""
    from .selectors import CATEGORY_ORDER, _item_dict, _records_for

    order = {c.value: i for i, c in enumerate(CATEGORY_ORDER)}
    recs = [
        _item_dict(r)
        for r in _records_for(subject, today=today, levels={Disclosure.PUBLIC, Disclosure.GOVERNMENT})
    ]
    items = [_portal_item(r) for r in sorted(recs, key=lambda r: order.get(r["category"], 9))]
    withheld = CatalogRecord.objects.filter(
        subject=subject, retain_until__gte=today, item__disclosure=Disclosure.AUTHORIZED
    ).count()
    if withheld:
        items.append(
            {
                "title": f"另有 {withheld} 条授权查询信息",
                "subtitle": "按应用清单授权查看",
                "url": reverse("catalog:subject", args=[subject.identifier]),
                "fields": [],
                "tags": [],
            }
        )
    return items


def register_portal() -> None:
    try:
        from jointcredit.common.portal_registry import (
            register_subject_public_section,
            register_subject_staff_section,
        )
    except ImportError:
        return
    register_subject_public_section(
        "catalog",
        "公共信用信息（信用信息目录）",
        portal_public_section,
        order=40,
        empty_text="暂无公开的公共信用信息",
    )
    register_subject_staff_section(
        "catalog_staff",
        "公共信用信息（含政务共享）",
        portal_staff_section,
        order=45,
        empty_text="暂无归集的公共信用信息",
    )


# --- grading ----------------------------------------------------------------------------------


def dishonesty_input(subject_ids, on: date):
    """失信信息 rows in their retention window → grading, source ``catalog.<item code>`` (the
    office weighs each item in ``GradingRuleSet.extra_source_points``)."""
    from jointcredit.grading.inputs import chunks

    base = CatalogRecord.objects.filter(
        item__category=Category.DISHONEST, item__is_active=True, occurred_on__lte=on, retain_until__gte=on
    )
    parts = (
        [base] if subject_ids is None else [base.filter(subject_id__in=p) for p in chunks(list(subject_ids))]
    )
    for qs in parts:
        for pk, sid, code, name, occurred in qs.values_list(
            "id", "subject_id", "item__code", "item__name", "occurred_on"
        ).iterator(chunk_size=5000):
            yield (
                sid,
                f"catalog.{code}",
                f"catalog.catalogrecord:{pk}",
                f"{name}（{occurred}）",
                occurred,
                code,
                0.0,
                False,
                True,
            )


def register_grading() -> None:
    try:
        from jointcredit.grading.inputs import register_grade_input
    except ImportError:
        return
    register_grade_input("catalog.dishonesty", dishonesty_input)
