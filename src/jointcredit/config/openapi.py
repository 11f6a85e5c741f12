"""The error answers of every operation, documented once for both APIs (DESIGN.md §4).

Every 4xx is the same envelope ``{"error": {"code", "message", "details"}}`` produced by the
handlers in ``config.api``, and which of them an operation can answer follows from its shape, not
from what each ``api.py`` remembered to declare:

- 400 request body that is not JSON (ninja), for operations with a JSON body;
- 401 no or wrong credentials, 403 department/role rights or a session without its CSRF token,
  for authenticated operations;
- 404 a path parameter that names nothing, or, on the staff API, a code or id in the query or
  body that does (a department, an item, a memorandum, an entry);
- 409 an illegal or concurrent state change, or a deadline in a year without holiday data, for
  writes of the staff API;
- 413 an upload over ``JOINTCREDIT_UPLOAD_MAX_BYTES``, for multipart operations;
- 422 a parameter or body that breaks a rule, for operations that take any input;
- 429 the public rate limit, for throttled operations.

A status an operation declares itself in ``response=`` is kept; its schema becomes the envelope.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from pydantic import BaseModel, Field

_WRITE = {"POST", "PUT", "PATCH", "DELETE"}
_FILE_SOURCES = {"file", "form"}

DESCRIPTIONS = {
    400: "请求体不是合法的 JSON",
    401: "未认证：缺少或无效的 Bearer 令牌",
    403: "无权操作（部门或角色权限，或登录会话缺少 CSRF 令牌）",
    404: "资源不存在",
    409: "状态冲突（非法或并发的状态变更，或节假日安排未配置）",
    413: "上传文件超过大小限制",
    422: "参数或请求体不符合规则",
    429: "请求过于频繁",
}


class ApiErrorBody(BaseModel):
    code: str = Field(description="机器可读的错误代码，如 unauthorized、validation_failed、conflict")
    message: str = Field(description="中文说明")
    details: list[dict[str, Any]] = Field(description="逐项说明（字段、规则、当前状态等），可为空")


class ApiError(BaseModel):
    """错误响应：所有 4xx 均为 {"error": {"code", "message", "details"}}。"""

    error: ApiErrorBody


def error_statuses(operation: Operation) -> set[int]:
    sources = {m.__ninja_param_source__ for m in operation.models}
    methods = set(operation.methods)
    statuses = {s for s in operation.response_models if isinstance(s, int) and 400 <= s < 500}
    if operation.auth_callbacks:
        statuses |= {401, 403}
        if operation.models:
            statuses.add(404)
        if methods & _WRITE:
            statuses.add(409)
    if operation.models:
        statuses.add(422)
    if "path" in sources:
        statuses.add(404)
    if "body" in sources:
        statuses.add(400)
    if sources & _FILE_SOURCES:
        statuses.add(413)
    if operation.throttle_objects:
        statuses.add(429)
    return statuses


class ContractSchema(OpenAPISchema):
    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        if not error_statuses(operation):
            return result
        if "ApiError" not in self.schemas:
            inline = self._create_schema_from_model(  # type: ignore[type-var]  # a plain pydantic model
                ApiError, remove_level=False, mode="serialization"
            )[0]
            self.add_schema_definitions({"ApiError": inline})
        schema = {"$ref": f"{REF_TEMPLATE.format(model='ApiError')}"}
        for status in sorted(error_statuses(operation)):
            result[status] = {
                "description": DESCRIPTIONS.get(status, "请求错误"),
                "content": {self.api.renderer.media_type: {"schema": schema}},
            }
        return dict(sorted(result.items()))


class ContractAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists every error answer of every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)
