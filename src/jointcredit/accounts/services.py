from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .auth import TOKEN_PREFIX, token_digest
from .models import ApiToken, Department, Role, User
from .permissions import ensure_department_admin, ensure_office_admin


def _validate_roles(roles: list[str]) -> list[str]:
    bad = [r for r in roles if r not in Role.values]
    if bad or not roles:
        raise ValidationFailed.single(
            "roles",
            "choice",
            "角色必须是以下之一："
            + "、".join(f"{v}（{label}）" for v, label in Role.choices)
            + (f"；无效：{'、'.join(bad)}" if bad else ""),
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
