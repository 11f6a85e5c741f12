from __future__ import annotations

from ninja import Router, Schema

from . import selectors, services

router = Router(tags=["部门与账号"])


class DepartmentOut(Schema):
    code: str
    name: str
    uscc: str | None
    is_initiating: bool
    is_cooperating: bool


class MeOut(Schema):
    username: str
    display_name: str
    department: DepartmentOut | None
    roles: list[str]


class TokenOut(Schema):
    id: int
    prefix: str
    name: str
    created_at: str
    revoked: bool


@router.get("/departments", response=list[DepartmentOut], summary="成员单位列表")
def departments(request):
    return list(selectors.department_list())


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.auth
    return {
        "username": user.username,
        "display_name": user.display_name,
        "department": user.department,
        "roles": user.roles,
    }


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="吊销接口令牌")
def token_revoke(request, token_id: int):
    t = services.api_token_revoke(actor=request.auth, token_id=token_id)
    return {
        "id": t.id,
        "prefix": t.prefix,
        "name": t.name,
        "created_at": t.created_at.isoformat(),
        "revoked": t.revoked_at is not None,
    }
