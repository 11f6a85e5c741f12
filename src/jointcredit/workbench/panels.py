"""Dashboard panels the workbench ships itself, built from data every installation has
(subjects, audit trail, red/black list entries). Capabilities add theirs with
``register_dashboard_panel`` (timeliness, feedback rates, objections …)."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jointcredit.common import clock
from jointcredit.common.workbench_registry import register_dashboard_panel


def _months_back(n: int, today: date) -> list[date]:
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


def _month_key(value) -> date:
    if hasattr(value, "date"):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return date(value.year, value.month, 1)


def subjects_by_kind(user) -> dict:
    from jointcredit.subjects.models import Subject, SubjectKind

    def compute():
        counts = dict(
            Subject.objects.filter(merged_into__isnull=True)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
        labels = dict(SubjectKind.choices)
        return {
            "type": "pie",
            "categories": [labels[k] for k in labels],
            "series": [{"name": "信用主体", "data": [counts.get(k, 0) for k in labels]}],
            "unit": "个",
        }

    return cache.get_or_set("dashboard:subjects_by_kind", compute, 600)


def audit_by_department(user) -> dict:
    from jointcredit.accounts.models import Department
    from jointcredit.audit.models import AuditEvent

    months = _months_back(6, clock.today())
    rows = (
        AuditEvent.objects.filter(created_at__date__gte=months[0])
        .annotate(month=TruncMonth("created_at"))
        .values("department_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    names = dict(Department.objects.values_list("pk", "name"))
    data: dict[str, dict[date, int]] = {}
    for r in rows:
        dept = names.get(r["department_id"], "系统/未归属部门")
        data.setdefault(dept, {})
        key = _month_key(r["month"])
        data[dept][key] = data[dept].get(key, 0) + r["n"]
    series = [
        {"name": dept, "data": [per.get(m, 0) for m in months]}
        for dept, per in sorted(data.items(), key=lambda kv: -sum(kv[1].values()))[:12]
    ]
    return {
        "type": "stacked_bar",
        "categories": [f"{m:%Y-%m}" for m in months],
        "series": series,
        "unit": "次",
        "note": "近 6 个月各部门在系统中的操作（审计记录）数量。",
    }


def list_entries_over_time(user) -> dict:
    from jointcredit.lists.models import ListEntry

    months = _months_back(12, clock.today())
    rows = (
        ListEntry.objects.filter(published_at__date__gte=months[0])
        .annotate(month=TruncMonth("published_at"))
        .values("list_type__name", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    data: dict[str, dict[date, int]] = {}
    for r in rows:
        per = data.setdefault(r["list_type__name"], {})
        key = _month_key(r["month"])
        per[key] = per.get(key, 0) + r["n"]
    return {
        "type": "line",
        "categories": [f"{m:%Y-%m}" for m in months],
        "series": [
            {"name": name, "data": [per.get(m, 0) for m in months]} for name, per in sorted(data.items())
        ],
        "unit": "条",
        "note": "近 12 个月按名单类型统计的发布条目数。",
    }


def list_entries_by_state(user) -> dict:
    from jointcredit.lists.models import EntryState, ListEntry

    counts = dict(ListEntry.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    objecting = ListEntry.objects.filter(under_objection=True).count()
    labels = dict(EntryState.choices)
    return {
        "type": "bar",
        "categories": [labels[s] for s in labels] + ["异议中"],
        "series": [{"name": "条目数", "data": [counts.get(s, 0) for s in labels] + [objecting]}],
        "unit": "条",
    }


def register_defaults() -> None:
    register_dashboard_panel(
        key="subjects_by_kind", title="信用主体构成", provider=subjects_by_kind, order=10
    )
    register_dashboard_panel(
        key="list_entries_over_time",
        title="红黑名单发布趋势（按名单类型）",
        provider=list_entries_over_time,
        order=20,
    )
    register_dashboard_panel(
        key="list_entries_by_state", title="名单条目状态", provider=list_entries_by_state, order=25
    )
    register_dashboard_panel(
        key="audit_by_department",
        title="各部门业务操作量（月）",
        provider=audit_by_department,
        order=90,
        office_only=True,
    )
