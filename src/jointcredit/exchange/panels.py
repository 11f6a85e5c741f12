"""Office dashboard panels (/staff/dashboard/, ECharts via the workbench panel registry): feedback
response rate per receiving department, and measures applied per month. The exchange's own
反馈统计 page keeps the detailed tables (overdue list, cases export)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncMonth

from jointcredit.common import clock

from .models import Feedback, FeedbackResult
from .selectors import APPLIED, response_rates


def _months_back(n: int, today: date) -> list[date]:
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return list(reversed(out))


def feedback_response_rate(user) -> dict:
    """Per department the entries were pushed to: % answered and % answered on time (the workbench
    renders the same numbers as a table under the chart); totals in the note."""
    every = response_rates(actor=user)
    if not any(r["total"] or r["withdrawn"] for r in every):
        return {
            "type": "bar",
            "categories": [],
            "series": [],
            "unit": "%",
            "note": "暂无推送至协同部门的名单条目。",
        }
    # Rates only over pushes that owed feedback: one withdrawn before any feedback owes none.
    rows = sorted((r for r in every if r["total"]), key=lambda r: (-r["rate"], r["department__code"]))
    return {
        "type": "bar",
        "categories": [r["department__name"] for r in rows],
        "series": [
            {"name": "反馈率", "data": [r["rate"] for r in rows]},
            {"name": "按时反馈率", "data": [round(100 * r["on_time"] / r["total"], 1) for r in rows]},
        ],
        "unit": "%",
        "note": (
            f"共推送 {sum(r['total'] for r in every)} 条"
            f"（另有 {sum(r['withdrawn'] for r in every)} 条因条目移出或到期"
            f"已撤销、无需反馈），已反馈 {sum(r['answered'] for r in every)} 条，"
            f"逾期未反馈 {sum(r['overdue'] for r in every)} 条。反馈率 = 已反馈推送 ÷ 推送总数；"
            "按时 = 在反馈截止日（推送日起 N 个工作日）前反馈。"
        ),
    }


def measures_applied_over_time(user, *, months: int = 12) -> dict:
    """已实施惩戒 / 已实施激励 feedback per month (by 实施日期) over the last ``months`` months."""
    axis = _months_back(months, clock.today())
    counts: dict[tuple[date, str], int] = {}
    rows = (
        Feedback.objects.filter(result__in=APPLIED, handled_on__gte=axis[0])
        .annotate(month=TruncMonth("handled_on"))
        .values("month", "result")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in rows:
        month = r["month"].date() if hasattr(r["month"], "date") else r["month"]
        counts[(date(month.year, month.month, 1), r["result"])] = r["n"]
    labels = dict(FeedbackResult.choices)
    return {
        "type": "stacked_bar",
        "categories": [f"{m:%Y-%m}" for m in axis],
        "series": [
            {"name": labels[result], "data": [counts.get((m, result), 0) for m in axis]} for result in APPLIED
        ],
        "unit": "次",
        "note": "各部门执行反馈中实际实施的惩戒与激励措施（按实施日期所在月份）。",
    }


def register() -> None:
    from jointcredit.common.workbench_registry import register_dashboard_panel

    register_dashboard_panel(
        key="exchange_feedback_response_rate",
        title="执行反馈响应率（按部门）",
        provider=feedback_response_rate,
        order=40,
        office_only=True,
        description="推送至各协同部门的名单条目中已反馈、按时反馈的比例及逾期未反馈数。",
    )
    register_dashboard_panel(
        key="exchange_measures_applied",
        title="联合奖惩措施实施趋势（按月）",
        provider=measures_applied_over_time,
        order=45,
        office_only=True,
        description="执行反馈中“已实施惩戒”“已实施激励”的次数。",
    )
