"""Office dashboard panels for credit repair: applications by state, open applications by age
(working days since filing, 0–2 / 3–10 / >10; charts and conventions in ``casework.dashboard``)."""

from __future__ import annotations


def register() -> None:
    from jointcredit.casework.dashboard import register_panels

    from .kind import REPAIR
    from .services import decide_working_days

    register_panels(
        REPAIR,
        order=62,
        what="修复申请",
        by_state=(
            "信用修复申请（按状态）",
            "各状态的信用修复申请数量；办公室看全部部门，其他人员看本部门。",
            "全部信用修复申请按当前状态统计（含已办结）。",
        ),
        by_age=(
            "在办信用修复申请时长（工作日）",
            "待受理、审核中的信用修复申请按已用工作日分组：0–2、3–10、超过 10 个工作日。",
        ),
        deadlines=lambda: f"期限：受理后 {decide_working_days()} 个工作日内作出决定。",
    )
