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

What a parameter or field accepts is its type (ADR 0040): enums from the model choices, bounds,
``pattern``/``format`` from ``common.schemas``. Integers without their own bounds are documented as
64-bit (what the database stores; a larger id answers 422). A 422 can still answer a request valid
by the document when it breaks one of ``RULES_BEYOND_SCHEMA`` — rules that depend on stored data,
on another field, on the date or on a file's name or content, which no JSON schema keyword states;
the 422 description lists them, and the fuzzer accepts exactly those (tests/hardening).
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
    422: "参数或请求体不符合规则",  # + RULES_BEYOND_SCHEMA, see ContractSchema.responses
    429: "请求过于频繁",
}


INT64 = (-(2**63), 2**63 - 1)

# (field, rule) of error details that a request valid by the document can still earn, with the
# reason the schema cannot say it. "*" = any field. Keep it short: a rule the schema can express
# belongs in the schema (common.schemas), not here.
RULES_BEYOND_SCHEMA: dict[tuple[str, str], str] = {
    ("*", "exists"): "引用的代码（部门、名单类型、目录项等）须在库中存在",
    # 业务场景 are data the office maintains (ADR 0045): the document gives their pattern, the
    # table decides; GET /api/v1/scenarios lists the codes in use.
    ("scenario", "choice"): "业务场景代码须为库中在用的场景（GET /api/v1/scenarios 列出）",
    ("scenarios", "choice"): "业务场景代码须为库中在用的场景（GET /api/v1/scenarios 列出）",
    # PostgreSQL stores no NUL character in text; JSON Schema has no portable way to forbid one in
    # every string, so a text containing \u0000 is refused as a whole request (config.api).
    ("请求", "data"): "文本不能含空字符（\\u0000）：数据库无法保存",
    ("*", "order"): "日期先后：截止日期不能早于起始日期（跨字段）",
    ("date_to", "range"): "统计区间不超过 10 年（跨字段）",
    ("decided_on", "required"): "填写有效期至时须同时填写认定日期（跨字段）",
    ("working_days", "required"): "补齐期限与补齐截止日须填写其一（跨字段）",
    ("deadline", "after_signing"): "补齐截止日须晚于签署日期（跨字段）",
    ("content", "required"): "未放弃陈述申辩时须填写内容（取决于 outcome）",
    ("awarded_on", "not_future"): "日期不能晚于今天（取决于当天日期）",
    ("subject", "kind"): "路径中的主体须为组织（取决于库中主体）",
    ("population", "empty"): "按条件须有可抽取的主体（取决于库中数据）",
    ("seed", "unique"): "随机种子不能与已有计划重复（取决于库中数据）",
    ("inspectors_per_subject", "staff"): "部门执法人员须足够（取决于库中数据）",
    ("file", "type"): "文件类型按文件名扩展名判断（multipart 文件名不在结构描述中）",
    ("files", "file_type"): "证明材料按文件内容识别为 PDF/JPG/PNG",
    ("file", "file_type"): "图片按文件内容识别为 PNG/JPEG/GIF",
    ("file", "corrupt"): "图片内容须可完整解码",
    ("file", "not_empty"): "文件不能为空（multipart 文件大小不在结构描述中）",
    ("file", "max_pixels"): "图片像素数按文件内容计算",
    ("file.file", "missing"): "multipart 文件部分须带文件名，否则不视为文件",
    ("file.files", "missing"): "multipart 文件部分须带文件名，否则不视为文件",
    ("*", "header_missing"): "标准字段随路径中的信息类别（许可/处罚）而定（跨参数）",
    # The format credit-identifier (common.schemas): check characters, a real birth date, and the
    # length and characters of the document type (named by another field, or detected).
    **{
        (field, rule): "证件号码的校验位、出生日期、位数和字符取决于证件类型（format credit-identifier）"
        for field in ("identifier", "into", "person_identifier")
        for rule in ("check_digit", "birth_date", "length", "charset", "format", "registry", "region")
    },
    **{
        (
            f"former_identifiers[{i}]",
            rule,
        ): "曾用标识的校验位、出生日期、位数和字符（format credit-identifier）"
        for i in range(10)
        for rule in ("check_digit", "birth_date", "length", "charset", "format", "registry", "region")
    },
    ("identifier", "required"): "个体工商户、自然人是否须有证件号码取决于主体类别（跨字段）",
    ("name", "required"): "按名称查找：名称、证件号码、曾用标识至少填写一项（跨字段）",
    ("birth_date", "not_future"): "出生日期不能晚于今天（取决于当天日期）",
    ("id_type", "choice"): "证件类型须与主体类别相符（跨字段）",
    # Related persons (ADR 0046).
    ("person_kind", "role"): "企业只能登记为股东（取决于身份，跨字段）",
    ("share_ratio", "role"): "持股比例只适用于股东（跨字段）",
    ("person_identifier", "self"): "关联人不能是主体本身（取决于库中主体）",
    ("responsible_persons", "in_force"): "直接责任人须是主体在认定日期在任的关联人（取决于库中数据）",
    ("as_of", "date"): "资料日期须为存在的日期",
    ("as_of", "not_future"): "资料日期不能晚于今天（取决于当天日期）",
    ("file", "header"): "表头须含必填列（取决于文件内容）",
    ("*", "min_le_max"): "抽查比例下限不大于上限（跨字段）",
    ("*", "within_band"): "抽查比例在上下限之间（跨字段）",
    ("*", "monotonic"): "等级越好抽查比例越低（跨字段）",
}


def beyond_schema(details: list[dict[str, Any]]) -> bool:
    """Whether every detail of a 422 is a rule of ``RULES_BEYOND_SCHEMA``."""
    return bool(details) and all(
        (d.get("field", ""), d.get("rule", "")) in RULES_BEYOND_SCHEMA
        or ("*", d.get("rule", "")) in RULES_BEYOND_SCHEMA
        for d in details
    )


def _integers_bounded(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("minimum", INT64[0])
            node.setdefault("maximum", INT64[1])
        for value in node.values():
            _integers_bounded(value)
    elif isinstance(node, list):
        for value in node:
            _integers_bounded(value)


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


_RULES_422 = (
    DESCRIPTIONS[422]
    + "。除结构描述所示外，以下规则结构描述无法表达，不符时同样返回 422："
    + "；".join(dict.fromkeys(RULES_BEYOND_SCHEMA.values()))
)


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
                "description": _RULES_422 if status == 422 else DESCRIPTIONS.get(status, "请求错误"),
                "content": {self.api.renderer.media_type: {"schema": schema}},
            }
        return dict(sorted(result.items()))


class ContractAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists every error answer of every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = ContractSchema(self, path_prefix)
        _integers_bounded(schema["paths"])
        _integers_bounded(schema.get("components", {}))
        return schema
