"""The JSON API (DESIGN.md §4): /api/v1 for staff and machine clients, /api/public/v1 for the public.

Every app contributes a thin router from its ``api.py``; this module only mounts them and turns
domain errors into the contract's error body.
"""

from __future__ import annotations

import logging

from django.db import DataError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.throttling import AnonRateThrottle

from jointcredit.accounts.auth import api_auth
from jointcredit.common.discovery import app_modules
from jointcredit.common.errors import DomainError
from jointcredit.common.replicas import lag_tolerant

from .openapi import ContractAPI

_FIELD_RULES = {
    "missing": "缺少必填字段",
    "string_too_long": "超出最大长度",
    "string_too_short": "长度不足",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "int_parsing": "必须是整数",
    "date_from_datetime_parsing": "必须是 YYYY-MM-DD 格式的日期",
    "date_parsing": "必须是 YYYY-MM-DD 格式的日期",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
}


def _error(request, api, status, code, message, details=None):
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details or []}}, status=status
    )


def _install_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        details = []
        for err in exc.errors:
            loc = [
                str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "form", "payload")
            ]
            field = ".".join(loc) or "请求"
            rule = err.get("type", "invalid")
            hint = (
                _FIELD_RULES[rule].format(**err.get("ctx", {}))
                if rule in _FIELD_RULES
                else err.get("msg", "格式错误")
            )
            if rule == "literal_error" and err.get("ctx", {}).get("expected"):
                hint = f"{hint}（可选值：{err['ctx']['expected']}）"
            details.append({"field": field, "rule": rule, "message": f"字段 {field}：{hint}"})
        message = "；".join(d["message"] for d in details[:5]) or "请求格式错误"
        return _error(request, api, 422, "validation_failed", message, details)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return _error(
            request, api, 401, "unauthorized", "未认证：请在 Authorization 头中提供有效的 Bearer 令牌。"
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _error(request, api, 404, "not_found", "请求的资源不存在。")

    @api.exception_handler(DataError)
    @api.exception_handler(OverflowError)
    def data_error(request, exc: DataError | OverflowError):
        # Input the database refuses (PostgreSQL: NUL characters in text, numbers out of range;
        # SQLite: integers beyond 64 bits) is the client's error, never a 500; the service's
        # transaction has already been rolled back.
        logging.getLogger(__name__).warning("DataError on %s: %s", request.path, exc)
        return _error(
            request,
            api,
            422,
            "validation_failed",
            "输入数据无法保存：含有空字符（\\0）或数值超出允许范围。",
            [{"field": "请求", "rule": "data", "message": "含有空字符或数值超出允许范围"}],
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        response = _error(
            request,
            api,
            429,
            "rate_limited",
            "查询过于频繁，请稍后再试（每个网络地址每分钟的查询次数有限制）。",
        )
        response["Retry-After"] = str(int(exc.wait or 60))
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return _error(request, api, exc.status_code, "http_error", str(exc))


api = ContractAPI(
    title="JointCredit 联合奖惩信用信息管理系统 API",
    version="1.0.0",
    description="历下区联合奖惩信用信息管理系统的接口。除 /health 外均需 `Authorization: Bearer <令牌>`。",
    urls_namespace="api-v1",
    auth=api_auth,
    docs_url="/docs",
)
_install_handlers(api)


class PublicRateThrottle(AnonRateThrottle):
    """JOINTCREDIT_PUBLIC_RATE per client address for every public operation, present and future.

    Keyed on REMOTE_ADDR like the portal pages' django-ratelimit ``key="ip"``: X-Forwarded-For is
    chosen by the client and would give a fresh bucket per request (docs/deploy.md: proxies)."""

    def __init__(self):
        from django.conf import settings

        super().__init__(settings.PUBLIC_API_RATE)

    def get_ident(self, request):
        return request.META.get("REMOTE_ADDR") or "unknown"


public_api = ContractAPI(
    title="信用历下 公共查询 API",
    version="1.0.0",
    description="无需认证、限流的公共查询接口；自然人姓名和证件号均已脱敏。",
    urls_namespace="api-public-v1",
    docs_url="/docs",
    throttle=PublicRateThrottle(),
)
_install_handlers(public_api)
# Everything public is a read that tolerates a few seconds' lag: a read replica may answer (ADR 0048).
public_api.add_decorator(lag_tolerant, mode="view")


def _mount() -> None:
    """Every app's ``api.py`` (common.discovery): ``router`` under ``PREFIX`` on /api/v1, and
    ``public_router`` under ``PUBLIC_PREFIX`` on /api/public/v1."""
    for _label, module in app_modules("api"):
        if getattr(module, "router", None) is not None:
            api.add_router(getattr(module, "PREFIX", ""), module.router)
        if getattr(module, "public_router", None) is not None:
            public_api.add_router(getattr(module, "PUBLIC_PREFIX", ""), module.public_router)


_mount()
