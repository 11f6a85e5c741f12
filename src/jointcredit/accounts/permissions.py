"""The one place that says who may do what (DESIGN.md §1: rights are per department).

Services call these before writing; they raise ``PermissionDenied`` with a Chinese message.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from jointcredit.common.errors import PermissionDenied

from .models import Delegation, DelegationScope, Department, Role, User

WRITE_ROLES = (Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN)
DECIDE_ROLES = (Role.APPROVER,)


def _active(actor: User | None) -> User:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("未登录或账号已停用。")
    return actor


def ensure_office_admin(actor: User) -> None:
    """Configuration of the whole system (list types, memoranda, calendar, departments)."""
    actor = _active(actor)
    if not (actor.is_superuser or actor.is_office_admin):
        raise PermissionDenied("仅信用办管理员可以执行此操作。")


def ensure_can_view(actor: User) -> None:
    _active(actor)


def ensure_can_screen(actor: User) -> None:
    """批量比对 (screening a file of identifiers): a clerk's job in the daily work of a department
    (licensing, funding, tendering) — it stores a result file and runs a bulk lookup of possibly
    personal identifiers, so a read-only viewer (who may still check one identifier) may not."""
    actor = _active(actor)
    if not actor.has_role(*WRITE_ROLES):
        raise PermissionDenied(
            "当前账号没有批量比对权限（需要经办人、审批人或部门管理员角色；查看员可逐个核查）。"
        )


def delegated_departments(department: Department, *, scope: str) -> QuerySet[Department]:
    """The departments ``department`` may report ``scope`` data for (代为报送授权)."""
    return Department.objects.filter(
        delegations_received__department=department, delegations_received__scope=scope
    )


def _delegated(actor: User, department: Department, scope: str | None) -> bool:
    if scope is None:
        return False
    return Delegation.objects.filter(
        department_id=actor.department_id, on_behalf_of=department, scope=scope
    ).exists()


def can_write_for(actor: User, department: Department, *, scope: str | None = None) -> bool:
    """Own department; another one only through a delegation granted for ``scope`` (a
    ``DelegationScope``: the record type being written). Without a scope nothing is delegated."""
    if not actor or not actor.is_authenticated or not actor.is_active or actor.department_id is None:
        return False
    if not actor.has_role(*WRITE_ROLES):
        return False
    if actor.department_id == department.pk:
        return True
    return _delegated(actor, department, scope)


def ensure_can_write(actor: User, department: Department, *, scope: str | None = None) -> None:
    """Create or change data owned by ``department`` (clerk, approver or department admin of it, or
    of a department delegated to report ``scope`` data for it)."""
    actor = _active(actor)
    if actor.department_id is None:
        raise PermissionDenied("当前账号未归属任何部门，不能录入数据。")
    if not actor.has_role(*WRITE_ROLES):
        raise PermissionDenied("当前账号没有经办权限（需要经办人、审批人或部门管理员角色）。")
    if not can_write_for(actor, department, scope=scope):
        granted = [
            DelegationScope(s).label
            for s in Delegation.objects.filter(department_id=actor.department_id, on_behalf_of=department)
            .values_list("scope", flat=True)
            .order_by("scope")
        ]
        limit = f"（代为报送授权仅限{'、'.join(granted)}）" if granted else ""
        raise PermissionDenied(
            f"无权操作“{department.name}”的数据：只能操作本部门（{actor.department.name}）的数据{limit}。"
        )


def ensure_can_decide(actor: User, department: Department) -> None:
    """Decisions on entries, objections and repairs belong to the deciding department's approvers
    (“谁决定、谁负责”)."""
    actor = _active(actor)
    if not actor.has_role(*DECIDE_ROLES):
        raise PermissionDenied("当前账号没有审批权限（需要审批人角色）。")
    if actor.department_id != department.pk:
        raise PermissionDenied(f"只有“{department.name}”的审批人可以作出此决定。")


def ensure_department_admin(actor: User, department: Department) -> None:
    actor = _active(actor)
    if actor.is_superuser or actor.is_office_admin:
        return
    if not (actor.has_role(Role.DEPARTMENT_ADMIN) and actor.department_id == department.pk):
        raise PermissionDenied(f"只有“{department.name}”的部门管理员或信用办管理员可以执行此操作。")


def is_registration_authority(department: Department | None) -> bool:
    """登记机关: the departments that register organisations and their 法定代表人, 负责人, 董监高 and
    股东 (setting ``JOINTCREDIT_REGISTRATION_DEPARTMENTS``, codes; ADR 0046)."""
    return department is not None and department.code in settings.JOINTCREDIT_REGISTRATION_DEPARTMENTS


def ensure_can_register_related(actor: User) -> None:
    """Related persons (关联人) are registration data: only a clerk, approver or department admin of a
    registration authority records, ends or imports them — the check bans persons by them."""
    actor = _active(actor)
    if not actor.has_role(*WRITE_ROLES):
        raise PermissionDenied("当前账号没有经办权限（需要经办人、审批人或部门管理员角色）。")
    if not is_registration_authority(actor.department):
        names = "、".join(
            Department.objects.filter(code__in=settings.JOINTCREDIT_REGISTRATION_DEPARTMENTS)
            .order_by("code")
            .values_list("name", flat=True)
        )
        raise PermissionDenied(
            "关联人属于登记信息，只有登记机关（" + (names or "未配置") + "）可以登记、终止或导入"
            "（设置 JOINTCREDIT_REGISTRATION_DEPARTMENTS）。"
        )
