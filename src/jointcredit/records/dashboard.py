"""Office dashboard panel (/staff/dashboard/): 双公示 timeliness per department for the current
year, from ``selectors.timeliness_report`` (the same numbers as /staff/records/timeliness/).

Office admins see every department; other staff see their own department only."""

from __future__ import annotations

from datetime import date

from jointcredit.common import clock

from .rules import publication_working_days
from .selectors import timeliness_report


def timeliness_by_department(user, *, today: date | None = None) -> dict | None:
    office = bool(getattr(user, "is_office_admin", False) or getattr(user, "is_superuser", False))
    department = None if office else getattr(user, "department", None)
    if not office and department is None:
        return None
    today = today or clock.today()
    rows = timeliness_report(
        date_from=date(today.year, 1, 1), date_to=today, department=department, today=today
    )
    per: dict[str, dict] = {}
    for r in rows:
        d = per.setdefault(
            r["department_code"],
            {
                "name": r["department_name"],
                "on_time": 0,
                "late": 0,
                "overdue_unpublished": 0,
                "not_yet_due": 0,
                "pending_calendar": 0,
            },
        )
        for key in ("on_time", "late", "overdue_unpublished", "not_yet_due", "pending_calendar"):
            d[key] += r[key]
    depts = sorted(per.items(), key=lambda kv: kv[0])
    series = [
        {"name": label, "data": [d[key] for _, d in depts]}
        for key, label in (
            ("on_time", "按时公示"),
            ("late", "逾期公示"),
            ("overdue_unpublished", "逾期未公示"),
        )
    ]
    on_time = sum(d["on_time"] for _, d in depts)
    done = on_time + sum(d["late"] + d["overdue_unpublished"] for _, d in depts)
    note = (
        f"{today.year} 年 1 月 1 日至 {today:%m 月 %d 日}作出的决定：按时率 "
        f"{(f'{100 * on_time / done:.1f}%') if done else '—'}（按时 ÷ 已到期）。"
        f"期限为决定日期起 {publication_working_days()} 个工作日。"
    )
    waiting = sum(d["not_yet_due"] for _, d in depts)
    pending = sum(d["pending_calendar"] for _, d in depts)
    if waiting or pending:
        note += f"另有未到期未公示 {waiting} 条、待配置节假日 {pending} 条，未计入图表。"
    return {
        "type": "stacked_bar",
        "categories": [d["name"] for _, d in depts],
        "series": series,
        "unit": "条",
        "note": note,
    }


def register() -> None:
    from jointcredit.common.workbench_registry import register_dashboard_panel

    register_dashboard_panel(
        key="records_timeliness",
        title="双公示及时率（按部门，本年度）",
        provider=timeliness_by_department,
        order=30,
        description="本年度作出的行政许可、行政处罚决定：按时公示、逾期公示、逾期未公示的条数。",
    )
