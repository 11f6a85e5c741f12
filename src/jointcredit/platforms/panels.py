"""Office dashboard panel: items exchanged with each platform per day, rejection rate, lag and the
last successful exchange (the figures of ``selectors.exchange_figures``)."""

from __future__ import annotations

from django.utils import timezone

from .selectors import exchange_figures, platform_list


def exchange_per_day(user) -> dict:
    platforms = list(platform_list().filter(is_active=True))
    if not platforms:
        return {"type": "bar", "categories": [], "series": [], "unit": "条", "note": "尚未配置上级平台。"}
    figures = [(p, exchange_figures(p)) for p in platforms]
    series = []
    notes = []
    for p, f in figures:
        series += [
            {"name": f"{p.name} 上报", "data": f["sent"]},
            {"name": f"{p.name} 下发", "data": f["received"]},
        ]
        last = (
            timezone.localtime(f["last_exchange_at"]).strftime("%Y-%m-%d %H:%M")
            if f["last_exchange_at"]
            else "从未"
        )
        rate = f"{f['rejection_rate']}%" if f["rejection_rate"] is not None else "—"
        notes.append(
            f"{p.name}：退回率 {rate}，未回执最长 {f['lag_seconds'] // 60} 分钟，"
            f"暂挂 {f['held']} 条，最近成功交换 {last}"
        )
    return {
        "type": "bar",
        "categories": figures[0][1]["days"],
        "series": series,
        "unit": "条",
        "note": "；".join(notes) + "。",
    }


def register() -> None:
    from jointcredit.common.workbench_registry import register_dashboard_panel

    register_dashboard_panel(
        key="platforms_exchange_per_day",
        title="上下联动：每日上报与下发",
        provider=exchange_per_day,
        order=70,
        office_only=True,
        description="近 14 天每日上报至上级平台、由上级平台下发的事项数，"
        "退回率、回执延迟与最近一次成功交换。",
    )
