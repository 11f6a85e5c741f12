"""Office dashboard panels (/staff/dashboard/) for objections: cases by state, open cases by age in
working days (charts and conventions in ``casework.dashboard``)."""

from __future__ import annotations


def register() -> None:
    from jointcredit.casework.dashboard import register_panels

    from .kind import OBJECTION
    from .services import accept_working_days, decide_working_days

    register_panels(
        OBJECTION,
        order=60,
        what="异议申请",
        by_state=(
            "异议申请（按状态）",
            "各状态的异议申请数量；办公室看全部部门，其他人员看本部门。",
            "全部异议申请按当前状态统计（含已办结）。",
        ),
        by_age=(
            "在办异议申请时长（工作日）",
            "待受理、已受理、核查中的异议申请按已用工作日分组：0–2、3–10、超过 10 个工作日。",
        ),
        deadlines=lambda: (
            f"期限：提出后 {accept_working_days()} 个工作日内受理，"
            f"受理后 {decide_working_days()} 个工作日内办结。"
        ),
    )
