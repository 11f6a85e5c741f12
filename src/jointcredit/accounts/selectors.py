from .models import ApiToken, Department


def department_list(*, active_only: bool = True):
    qs = Department.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def api_tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def department_capabilities(department: Department | None, roles: list[str]) -> list[str]:
    """What a user can do, in words, for the staff home page."""
    if department is None:
        return ["系统超级管理员：维护部门、用户和系统配置"]
    items = ["查询信用主体、名单和联合奖惩措施"]
    if {"clerk", "approver", "department_admin"} & set(roles):
        items.append(f"录入和导入{department.name}的双公示信息、拟列入名单")
    if "approver" in roles:
        items.append(f"审批{department.name}作出的名单认定、异议和信用修复")
    if department.is_cooperating:
        items.append("接收推送的名单，在本部门业务中实施奖惩并反馈")
    if "department_admin" in roles:
        items.append("管理本部门用户和接口令牌")
    if "office_admin" in roles:
        items.append("信用办：配置名单类型、备忘录与措施、工作日历，查看全区时效与反馈统计")
    return items
