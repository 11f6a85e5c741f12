"""Reads of the catalog: items, a subject's information by category filtered by the viewer's rights,
the check page hook (``catalog_info_for``), the public view and the completeness dashboard."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, F, Q, Sum

from jointcredit.common import clock
from jointcredit.common.errors import NotFound
from jointcredit.common.masking import mask_id_number
from jointcredit.common.pagination import paginate
from jointcredit.subjects.models import SubjectKind

from .models import (
    TASK_STATUS_LABELS,
    CatalogItem,
    CatalogRecord,
    Category,
    CollectionTask,
    Disclosure,
    Submission,
    Usage,
)

CATEGORY_ORDER = [Category.DISHONEST, Category.GOOD, Category.BASIC, Category.OTHER]


def item_list(*, category: str | None = None, department=None, q: str = "", active_only: bool = False):
    qs = CatalogItem.objects.select_related("department")
    if category:
        qs = qs.filter(category=category)
    if department is not None:
        qs = qs.filter(department=department)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("category", "code")


def submission_get(pk: int) -> Submission:
    sub = Submission.objects.select_related("item", "department", "task").filter(pk=pk).first()
    if sub is None:
        raise NotFound(f"归集批次 #{pk} 不存在。")
    return sub


def record_page(*, item: CatalogItem, q: str = "", page: int = 1, page_size: int = 20):
    qs = CatalogRecord.objects.filter(item=item).select_related("subject")
    if q:
        qs = qs.filter(Q(subject_name__icontains=q) | Q(subject__identifier=q.upper()) | Q(ref_no=q))
    return paginate(qs.order_by("-occurred_on", "-id"), page=page, page_size=page_size)


# --- rights ---------------------------------------------------------------------------------------


def visible_levels(viewer) -> set[str]:
    """公开: everyone; 政务共享: any signed-in staff; 授权查询: see ``can_see_authorized``."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return {Disclosure.PUBLIC}
    return {Disclosure.PUBLIC, Disclosure.GOVERNMENT}


def authorized_item_ids(viewer) -> set[int]:
    """授权查询 items this viewer may read: all for the office; otherwise the items its department
    provides or has in the 应用清单 (the authorisation is the listed use)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return set()
    items = CatalogItem.objects.filter(disclosure=Disclosure.AUTHORIZED)
    if viewer.is_superuser or getattr(viewer, "is_office_admin", False):
        return set(items.values_list("id", flat=True))
    if viewer.department_id is None:
        return set()
    return set(
        items.filter(
            Q(department_id=viewer.department_id) | Q(usages__department_id=viewer.department_id)
        ).values_list("id", flat=True)
    )


def _value_rows(record: CatalogRecord, *, masked: bool) -> list[tuple[str, str]]:
    fields = {f["code"]: f for f in record.item.fields}
    out = []
    for code, value in (record.data or {}).items():
        f = fields.get(code)
        label = f["label"] if f else code
        text = "" if value is None else str(value)
        if masked and f and f.get("personal"):
            text = "***"
        out.append((label, text))
    return out


def _item_dict(record: CatalogRecord, *, masked: bool = False) -> dict:
    return {
        "id": record.pk,
        "item": record.item.code,
        "item_name": record.item.name,
        "category": record.item.category,
        "category_label": record.item.get_category_display(),
        "disclosure": record.item.disclosure,
        "disclosure_label": record.item.get_disclosure_display(),
        "department": record.item.department.name,
        "occurred_on": record.occurred_on,
        "ref_no": record.ref_no,
        "retain_until": record.retain_until,
        "catalog_version": record.item_version,
        "fields": _value_rows(record, masked=masked),
    }


def _records_for(subject, *, today: date, item_ids=None, levels=None, extra_ids=()):
    qs = CatalogRecord.objects.filter(subject=subject, retain_until__gte=today, item__is_active=True)
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    if levels is not None:
        qs = qs.filter(Q(item__disclosure__in=levels) | Q(item_id__in=list(extra_ids)))
    return qs.select_related("item", "item__department").order_by("-occurred_on", "-id")


def subject_catalog(subject, viewer, *, today: date | None = None) -> dict:
    """A subject's catalog information grouped by category, only what ``viewer`` may see, plus
    how many 授权查询 rows were withheld (so the page can say 需授权查询)."""
    today = today or clock.today()
    levels = visible_levels(viewer)
    allowed = authorized_item_ids(viewer)
    groups: dict[str, list[dict]] = defaultdict(list)
    for rec in _records_for(subject, today=today, levels=levels, extra_ids=allowed):
        groups[rec.item.category].append(_item_dict(rec))
    withheld = (
        CatalogRecord.objects.filter(subject=subject, retain_until__gte=today, item__is_active=True)
        .exclude(Q(item__disclosure__in=levels) | Q(item_id__in=list(allowed)))
        .count()
    )
    return {
        "categories": [
            {"category": c.value, "label": c.label, "items": groups.get(c.value, [])} for c in CATEGORY_ORDER
        ],
        "withheld": withheld,
    }


def subject_items(subject, viewer, *, today: date | None = None, limit: int = 200) -> list[dict]:
    """A subject's catalog rows newest first, as ``subject_catalog`` filters them for ``viewer``
    (without grouping). ``viewer=None`` is a staff context without a known user: 公开 + 政务共享,
    what any signed-in staff user sees."""
    today = today or clock.today()
    if viewer is None:
        levels, allowed = {Disclosure.PUBLIC, Disclosure.GOVERNMENT}, set()
    else:
        levels, allowed = visible_levels(viewer), authorized_item_ids(viewer)
    return [
        _item_dict(r) for r in _records_for(subject, today=today, levels=levels, extra_ids=allowed)[:limit]
    ]


def catalog_info_for(subject, scenario: str, viewer, *, today: date | None = None) -> list[dict]:
    """For the check page: the catalog information the 应用清单 lists for ``scenario`` — for the
    viewer's department (all departments' listed items for the office) — about ``subject``, only
    what the viewer may see. Each item: the catalog item, the listed purposes and its rows."""
    today = today or clock.today()
    usages = Usage.objects.filter(scenario=scenario).select_related("item", "item__department")
    office = viewer is not None and (
        getattr(viewer, "is_office_admin", False) or getattr(viewer, "is_superuser", False)
    )
    if not office:
        if viewer is None or getattr(viewer, "department_id", None) is None:
            return []
        usages = usages.filter(department_id=viewer.department_id)
    by_item: dict[int, dict] = {}
    for usage in usages:
        entry = by_item.setdefault(
            usage.item_id,
            {
                "item": usage.item.code,
                "item_name": usage.item.name,
                "category": usage.item.category,
                "category_label": usage.item.get_category_display(),
                "department": usage.item.department.name,
                "purposes": [],
                "records": [],
            },
        )
        if usage.purpose and usage.purpose not in entry["purposes"]:
            entry["purposes"].append(usage.purpose)
    if not by_item:
        return []
    levels = visible_levels(viewer)
    # Listing an item in the 应用清单 is the department's authorisation to read it (授权查询 included).
    allowed = authorized_item_ids(viewer)
    for rec in _records_for(subject, today=today, item_ids=list(by_item), levels=levels, extra_ids=allowed):
        by_item[rec.item_id]["records"].append(_item_dict(rec))
    order = {c.value: i for i, c in enumerate(CATEGORY_ORDER)}
    return sorted(by_item.values(), key=lambda e: (order.get(e["category"], 9), e["item"]))


def public_items(subject, *, today: date | None = None) -> list[dict]:
    """公开 items only; natural persons masked (name, identifiers in values)."""
    today = today or clock.today()
    natural = subject.kind == SubjectKind.NATURAL
    out = []
    for rec in _records_for(subject, today=today, levels={Disclosure.PUBLIC}):
        item = _item_dict(rec, masked=natural)
        if natural:
            item["fields"] = [(label, _mask_text(value)) for label, value in item["fields"]]
        out.append(item)
    return out


def _mask_text(value: str) -> str:
    import re

    value = re.sub(r"\d{17}[\dX]", lambda m: mask_id_number(m.group(0)), value)
    return value


# --- completeness dashboard -------------------------------------------------------------------


def completeness(
    *, today: date | None = None, date_from: date | None = None, date_to: date | None = None, department=None
) -> list[dict]:
    """Per providing department: tasks due in the window (by due date; pending ones counted apart),
    on time, late, missing, open, rows accepted, rows rejected and the error rate of its
    submissions in the window."""
    today = today or clock.today()
    date_from = date_from or today.replace(month=1, day=1)
    date_to = date_to or today
    tasks = CollectionTask.objects.select_related("department")
    if department is not None:
        tasks = tasks.filter(department=department)
    rows: dict[int, dict] = {}

    def row_for(dept) -> dict:
        return rows.setdefault(
            dept.pk,
            {
                "department_code": dept.code,
                "department_name": dept.name,
                "items": 0,
                "due": 0,
                "on_time": 0,
                "late": 0,
                "missing": 0,
                "open": 0,
                "pending_calendar": 0,
                "rows": 0,
                "rejected_rows": 0,
                "submitted_rows": 0,
                "error_rate": None,
                "on_time_rate": None,
                "overdue": [],
            },
        )

    in_window = tasks.filter(
        Q(due_date__range=(date_from, date_to))
        | Q(due_date__isnull=True)
        | Q(due_date__gt=date_to, period_start__lte=date_to)
    )
    for task in in_window.select_related("item"):
        r = row_for(task.department)
        status = task.status(today)
        if task.due_date is not None and date_from <= task.due_date <= date_to:
            r["due"] += 1
        r[status if status in r else "open"] += 1
        if status == "missing":
            r["overdue"].append(
                {
                    "item": task.item.code,
                    "item_name": task.item.name,
                    "period": task.period,
                    "due_date": task.due_date,
                }
            )
    items = CatalogItem.objects.filter(is_active=True)
    if department is not None:
        items = items.filter(department=department)
    for agg in items.values("department").annotate(n=Count("id")):
        if agg["department"] in rows:
            rows[agg["department"]]["items"] = agg["n"]
        else:
            from jointcredit.accounts.models import Department

            row_for(Department.objects.get(pk=agg["department"]))["items"] = agg["n"]
    subs = Submission.objects.filter(submitted_at__date__range=(date_from, date_to))
    if department is not None:
        subs = subs.filter(department=department)
    for agg in subs.values("department").annotate(
        total=Sum("total_rows"),
        rejected=Sum("rejected_count"),
        created=Sum("created_count"),
        updated=Sum("updated_count"),
        unchanged=Sum("unchanged_count"),
    ):
        if agg["department"] not in rows:
            continue
        r = rows[agg["department"]]
        r["submitted_rows"] = agg["total"] or 0
        r["rejected_rows"] = agg["rejected"] or 0
        r["rows"] = (agg["created"] or 0) + (agg["updated"] or 0) + (agg["unchanged"] or 0)
        if r["submitted_rows"]:
            r["error_rate"] = round(r["rejected_rows"] / r["submitted_rows"], 4)
    for r in rows.values():
        done = r["on_time"] + r["late"] + r["missing"]
        r["on_time_rate"] = round(r["on_time"] / done, 4) if done else None
    return sorted(rows.values(), key=lambda r: (-r["missing"], r["department_code"]))


def task_status_q(status: str, today: date) -> Q:
    """``CollectionTask.status`` as a query (same rules), so the list and the to-do count agree."""
    submitted, due_known = Q(first_submitted_at__isnull=False), Q(due_date__isnull=False)
    queries = {
        "on_time": submitted & due_known & Q(first_submitted_at__date__lte=F("due_date")),
        "late": submitted & due_known & Q(first_submitted_at__date__gt=F("due_date")),
        "submitted": submitted & Q(due_date__isnull=True),
        "pending_calendar": Q(first_submitted_at__isnull=True, due_date__isnull=True),
        "missing": Q(first_submitted_at__isnull=True, due_date__lt=today),
        "open": Q(first_submitted_at__isnull=True, due_date__gte=today),
    }
    # An unknown status matches nothing, as the list always did.
    return queries.get(status, Q(pk__in=[]))


def task_filter(*, department=None, status: str = "", today: date | None = None, item=None):
    """The tasks ``task_list`` shows (the workbench to-do card counts this very queryset)."""
    qs = CollectionTask.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    if item is not None:
        qs = qs.filter(item=item)
    if status:
        qs = qs.filter(task_status_q(status, today or clock.today()))
    return qs


def task_list(*, department=None, status: str = "", today: date | None = None, item=None) -> list[dict]:
    today = today or clock.today()
    qs = (
        task_filter(department=department, status=status, today=today, item=item)
        .select_related("item", "department")
        .order_by("-period_end", "item__code")
    )
    out = []
    for t in qs[:500]:
        st = t.status(today)
        out.append(
            {
                "id": t.pk,
                "item": t.item.code,
                "item_name": t.item.name,
                "department": t.department.code,
                "department_name": t.department.name,
                "period": t.period,
                "period_end": t.period_end,
                "due_date": t.due_date,
                "status": st,
                "status_label": TASK_STATUS_LABELS[st],
                "first_submitted_at": t.first_submitted_at,
                "submissions": t.submissions,
                "rows": t.rows,
                "rejected_rows": t.rejected_rows,
            }
        )
    return out


def overdue_count(department_id: int, *, today: date | None = None) -> int:
    return task_filter(status="missing", today=today).filter(department_id=department_id).count()
