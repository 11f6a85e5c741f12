from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .auth import TOKEN_PREFIX, token_digest
from .models import ApiToken, Delegation, DelegationScope, Department, DocumentSequence, Role, User
from .permissions import ensure_department_admin, ensure_office_admin


def _validate_roles(roles: list[str]) -> list[str]:
    bad = [r for r in roles if r not in Role.values]
    if bad or not roles:
        raise ValidationFailed.single(
            "roles",
            "choice",
            "角色必须是以下之一："
            + "、".join(str(label) for _v, label in Role.choices)
            + (f"；无效：{'、'.join(bad)}" if bad else "；至少选择一个角色"),
        )
    return list(dict.fromkeys(roles))


def user_create(
    *,
    actor,
    username: str,
    department_code: str,
    roles: list[str],
    password: str | None = None,
    display_name: str = "",
    email: str = "",
) -> tuple[User, str | None]:
    """Create a user in a department. Returns (user, generated password or None)."""
    try:
        department = Department.objects.get(code=department_code)
    except Department.DoesNotExist:
        raise ValidationFailed.single(
            "department",
            "exists",
            f"部门代码“{department_code}”不存在；可用 `jointcredit department list` 查看。",
        ) from None
    roles = _validate_roles(roles)
    if actor is not None:
        ensure_department_admin(actor, department)
        if Role.OFFICE_ADMIN in roles:
            ensure_office_admin(actor)
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise ValidationFailed.single("username", "length", "用户名不能为空且不超过 150 个字符。")
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    candidate = User(username=username, email=email, display_name=display_name, department=department)
    try:
        validate_password(password, candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed.single(
            "password", "strength", "密码不符合要求：" + "；".join(exc.messages)
        ) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                email=email,
                display_name=display_name,
                department=department,
                roles=roles,
                is_staff=Role.OFFICE_ADMIN in roles,
            )
            audit_record(
                actor=actor,
                action="user.create",
                obj=user,
                department=department,
                after={"username": username, "department": department.code, "roles": roles},
            )
    except IntegrityError:
        raise Conflict(f"用户名“{username}”已存在。") from None
    return user, generated


def api_token_create(*, actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token for ``user``; the raw value is returned once and never stored."""
    if actor is not None and actor.pk != user.pk:
        ensure_department_admin(actor, user.department)
    if len(name) > 100:
        raise ValidationFailed.single("name", "max_length", "令牌用途说明不能超过 100 个字符。")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=token_digest(raw))
        audit_record(
            actor=actor,
            action="api_token.create",
            obj=token,
            department=user.department,
            after={"user": user.username, "prefix": token.prefix, "name": name},
        )
    return token, raw


def api_token_revoke(*, actor, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_related("user", "user__department").filter(pk=token_id).first()
    if token is None:
        raise NotFound("令牌不存在。")
    if actor is None:
        raise PermissionDenied("未登录。")
    if actor.pk != token.user_id:
        ensure_department_admin(actor, token.user.department)
    with transaction.atomic():
        if token.revoked_at is not None:
            raise Conflict("令牌已被吊销。", details=[{"state": "revoked"}])
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, department=token.user.department)
    return token


# ---- 系统配置: departments, delegations, users and roles (issue #19 §2) -------------------------

DEPARTMENT_FLAGS = ("is_initiating", "is_cooperating", "is_active")


def _department_snapshot(department: Department) -> dict:
    return {
        "code": department.code,
        "name": department.name,
        "uscc": department.uscc or "",
        "organ_name": department.organ_name,
        "doc_abbr": department.doc_abbr,
        **{flag: getattr(department, flag) for flag in DEPARTMENT_FLAGS},
    }


def _department_fields(*, name: str, uscc: str, organ_name: str, doc_abbr: str) -> dict:
    from jointcredit.subjects.identifiers import validate_uscc

    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed.single("name", "length", "部门名称不能为空且不超过 100 个字符。")
    organ_name, doc_abbr = (organ_name or "").strip(), (doc_abbr or "").strip()
    if len(organ_name) > 100:
        raise ValidationFailed.single("organ_name", "max_length", "机关全称不能超过 100 个字符。")
    if len(doc_abbr) > 20 or any(c in doc_abbr for c in "〔〕[]()（）"):
        raise ValidationFailed.single("doc_abbr", "format", "发文机关代字不超过 20 个字符，且不含括号。")
    uscc = (uscc or "").strip().upper()
    return {
        "name": name,
        "uscc": validate_uscc(uscc, field="uscc") if uscc else None,
        "organ_name": organ_name,
        "doc_abbr": doc_abbr,
    }


def department_create(
    *,
    actor,
    code: str,
    name: str,
    uscc: str = "",
    organ_name: str = "",
    doc_abbr: str = "",
    is_initiating: bool = True,
    is_cooperating: bool = True,
) -> Department:
    """A new member department (成员单位); office only. The code is stable: APIs and commands use it."""
    ensure_office_admin(actor)
    code = (code or "").strip().lower()
    if (
        not code
        or len(code) > 32
        or not code.replace("_", "").replace("-", "").isalnum()
        or not code.isascii()
    ):
        raise ValidationFailed.single(
            "code", "slug", "部门代码须为 1–32 位小写英文字母、数字、连字符或下划线，例如 scjgj。"
        )
    fields = _department_fields(name=name, uscc=uscc, organ_name=organ_name, doc_abbr=doc_abbr)
    try:
        with transaction.atomic():
            department = Department.objects.create(
                code=code,
                **fields,
                is_initiating=is_initiating,
                is_cooperating=is_cooperating,
            )
            audit_record(
                actor=actor,
                action="department.create",
                obj=department,
                department=department,
                after=_department_snapshot(department),
            )
    except IntegrityError:
        raise Conflict("部门代码、部门名称或统一社会信用代码与已有部门重复。") from None
    return department


def department_update(
    *,
    actor,
    department: Department,
    name: str,
    uscc: str = "",
    organ_name: str = "",
    doc_abbr: str = "",
    is_initiating: bool,
    is_cooperating: bool,
    is_active: bool,
) -> Department:
    """Rename, set the USCC, the roles in joint punishment, or stop a department (its users can no
    longer sign in to act for it; its history stays). The code never changes."""
    ensure_office_admin(actor)
    fields = _department_fields(name=name, uscc=uscc, organ_name=organ_name, doc_abbr=doc_abbr)
    if not is_active and department.is_credit_office:
        raise ValidationFailed.single("is_active", "credit_office", "信用办所在部门不能停用。")
    try:
        with transaction.atomic():
            locked = Department.objects.select_for_update().get(pk=department.pk)
            before = _department_snapshot(locked)
            for field, value in fields.items():
                setattr(locked, field, value)
            locked.is_initiating, locked.is_cooperating, locked.is_active = (
                is_initiating,
                is_cooperating,
                is_active,
            )
            locked.save(update_fields=[*fields, *DEPARTMENT_FLAGS])
            after = _department_snapshot(locked)
            if after != before:
                audit_record(
                    actor=actor,
                    action="department.update",
                    obj=locked,
                    department=locked,
                    before=before,
                    after=after,
                )
    except IntegrityError:
        raise Conflict("部门名称或统一社会信用代码与已有部门重复。") from None
    return locked


def delegation_grant(*, actor, department: Department, on_behalf_of: Department, scope: str) -> Delegation:
    """代为报送: ``department`` may report ``scope`` records for ``on_behalf_of`` (ADR 0019); office only."""
    ensure_office_admin(actor)
    if scope not in DelegationScope.values:
        raise ValidationFailed.single(
            "scope",
            "choice",
            "代报范围必须是：" + "、".join(str(label) for _v, label in DelegationScope.choices),
        )
    if department.pk == on_behalf_of.pk:
        raise ValidationFailed.single("on_behalf_of", "not_self", "部门不能为自己代为报送。")
    try:
        with transaction.atomic():
            delegation = Delegation.objects.create(
                department=department, on_behalf_of=on_behalf_of, scope=scope
            )
            audit_record(
                actor=actor,
                action="delegation.grant",
                obj=delegation,
                department=on_behalf_of,
                after={"department": department.code, "on_behalf_of": on_behalf_of.code, "scope": scope},
            )
    except IntegrityError:
        raise Conflict(f"“{department.name}”已有代“{on_behalf_of.name}”报送该范围的授权。") from None
    return delegation


def delegation_revoke(*, actor, delegation_id: int) -> None:
    ensure_office_admin(actor)
    with transaction.atomic():
        delegation = (
            Delegation.objects.select_for_update()
            .select_related("department", "on_behalf_of")
            .filter(pk=delegation_id)
            .first()
        )
        if delegation is None:
            raise NotFound("代为报送授权不存在或已撤销。")
        audit_record(
            actor=actor,
            action="delegation.revoke",
            obj=delegation,
            department=delegation.on_behalf_of,
            before={
                "department": delegation.department.code,
                "on_behalf_of": delegation.on_behalf_of.code,
                "scope": delegation.scope,
            },
        )
        delegation.delete()


def user_roles_set(*, actor, user: User, roles: list[str], display_name: str | None = None) -> User:
    """Change a user's roles (and name). A department admin manages their own department's users;
    only the office grants or takes away 信用办管理员; nobody takes away their own admin rights."""
    ensure_department_admin(actor, user.department)
    roles = _validate_roles(roles)
    if (Role.OFFICE_ADMIN in roles) != user.is_office_admin:
        ensure_office_admin(actor)
    if actor.pk == user.pk and not set(user.roles) & {Role.OFFICE_ADMIN, Role.DEPARTMENT_ADMIN} <= set(roles):
        raise ValidationFailed.single("roles", "self", "不能取消自己的管理员角色，请由其他管理员操作。")
    if display_name is not None and len(display_name.strip()) > 50:
        raise ValidationFailed.single("display_name", "max_length", "姓名不能超过 50 个字符。")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"roles": list(locked.roles), "display_name": locked.display_name}
        locked.roles = roles
        if display_name is not None:
            locked.display_name = display_name.strip()
        locked.is_staff = Role.OFFICE_ADMIN in roles or locked.is_superuser
        locked.save(update_fields=["roles", "display_name", "is_staff"])
        after = {"roles": roles, "display_name": locked.display_name}
        if after != before:
            audit_record(
                actor=actor,
                action="user.update",
                obj=locked,
                department=locked.department,
                before=before,
                after=after,
            )
    return locked


def user_set_active(*, actor, user: User, active: bool) -> User:
    """停用/启用 an account (it keeps its history; a stopped user cannot sign in or use its tokens)."""
    ensure_department_admin(actor, user.department)
    if actor.pk == user.pk:
        raise ValidationFailed.single("is_active", "self", "不能停用自己的账号。")
    if user.is_office_admin:
        ensure_office_admin(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == active:
            return locked
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            obj=locked,
            department=locked.department,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return locked


def user_password_reset(*, actor, user: User) -> str:
    """A new one-time password for a user who lost theirs; shown once to the admin, never stored."""
    ensure_department_admin(actor, user.department)
    if user.is_office_admin:
        ensure_office_admin(actor)
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        audit_record(actor=actor, action="user.password_reset", obj=locked, department=locked.department)
    return password


def document_number_next(*, department: Department, kind: str, year: int) -> str:
    """The department's next number for ``kind`` in ``year``, e.g. “历市监失信告〔2026〕3号”. Call it
    inside the transaction that stores the document: the row lock serialises concurrent callers and a
    rollback gives the number back (Django refuses ``select_for_update`` outside a transaction)."""
    DocumentSequence.objects.get_or_create(department=department, kind=kind, year=year)
    row = DocumentSequence.objects.select_for_update().get(department=department, kind=kind, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return f"{department.doc_abbr or department.name}{kind}〔{year}〕{row.last}号"
