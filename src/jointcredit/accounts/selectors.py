from django.db.models import Count, Q

from jointcredit.common.errors import NotFound
from jointcredit.common.pagination import Page, paginate

from .models import ApiToken, Delegation, Department, Role, User
from .permissions import ensure_department_admin, ensure_office_admin


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


def department_overview(*, actor):
    """Every department with its user count, for the office's 部门管理 page."""
    ensure_office_admin(actor)
    return Department.objects.annotate(
        user_count=Count("users", filter=Q(users__is_active=True), distinct=True)
    ).order_by("-is_active", "code")


def department_get(*, code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise NotFound(f"部门代码“{code}”不存在。")
    return department


def delegations_of(department: Department) -> dict[str, list[Delegation]]:
    related = Delegation.objects.select_related("department", "on_behalf_of")
    return {
        "given": list(related.filter(department=department)),
        "received": list(related.filter(on_behalf_of=department)),
    }


def user_filter(*, actor, department: str = "", q: str = "", active: str = ""):
    """Users an admin manages: the office sees every department, a department admin their own."""
    qs = User.objects.select_related("department").order_by("department__code", "username")
    if not (actor.is_superuser or actor.is_office_admin):
        if actor.department is None:
            return qs.none()
        ensure_department_admin(actor, actor.department)
        qs = qs.filter(department=actor.department)
    if department:
        qs = qs.filter(department__code=department)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return qs


def user_list(*, actor, page: int = 1, **filters) -> Page:
    return paginate(user_filter(actor=actor, **filters), page=page, page_size=50)


def user_get(*, actor, user_id: int) -> User:
    user = User.objects.select_related("department").filter(pk=user_id).first()
    if user is None or user.department is None:
        raise NotFound("用户不存在。")
    ensure_department_admin(actor, user.department)
    return user


def role_labels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Role.choices]
