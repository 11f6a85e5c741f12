"""Office dashboard panels for credit repair: applications by state, open applications by age
(working days since filing, 0–2 / 3–10 / >10; helpers and conventions in ``objections.dashboard``)."""

from __future__ import annotations

from datetime import date

from jointcredit.objections.dashboard import age_chart, scoped, state_chart


def repairs_by_state(user) -> dict | None:
    from .models import RepairApplication, RepairState

    qs = scoped(RepairApplication.objects.all(), user)
    if qs is None:
        return None
    return state_chart(qs, RepairState.choices, note="全部信用修复申请按当前状态统计（含已办结）。")


def repairs_open_by_age(user, *, today: date | None = None) -> dict | None:
    from .models import OPEN_REPAIR_STATES, RepairApplication, RepairState
    from .services import decide_working_days

    qs = scoped(RepairApplication.objects.all(), user)
    if qs is None:
        return None
    return age_chart(qs, RepairState.choices, OPEN_REPAIR_STATES, today=today, what="修复申请",
                     deadlines=f"期限：受理后 {decide_working_days()} 个工作日内作出决定。")


def register() -> None:
    from jointcredit.workbench.registry import register_dashboard_panel

    register_dashboard_panel(key="repairs_by_state", title="信用修复申请（按状态）", provider=repairs_by_state,
                             order=62, description="各状态的信用修复申请数量；办公室看全部部门，其他人员看本部门。")
    register_dashboard_panel(key="repairs_open_by_age", title="在办信用修复申请时长（工作日）",
                             provider=repairs_open_by_age, order=63,
                             description="待受理、审核中的信用修复申请按已用工作日分组：0–2、3–10、超过 10 个工作日。")
