"""公共信用信息目录 API: the catalog, 应用清单, 归集 (``POST /catalog/{item}/submissions`` with JSON
rows or a multipart file), tasks and completeness, a subject's information. Thin: parse →
service/selector → schema."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Router, Schema, Status
from pydantic import Field

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common.errors import ValidationFailed
from jointcredit.common.schemas import Identifier, PageNumber, PageSize, choice_of, one_of, required_text
from jointcredit.importing.pipeline import ImportMode
from jointcredit.measures.scenarios import ScenarioCode, scenario_names, scenario_validate
from jointcredit.subjects.selectors import subject_get

from . import selectors, services
from .models import TASK_STATUS_LABELS, CatalogItem, Category, Disclosure, FieldType, Frequency, SubjectScope

PREFIX = "/catalog"
router = Router(tags=["公共信用信息目录"])

if TYPE_CHECKING:  # Literals built at run time from the model choices (the OpenAPI enums)
    CategoryFilter = str
    ScenarioFilter = str
    CategoryChoice = str
    DisclosureChoice = str
    FrequencyChoice = str
    FieldTypeChoice = str
    Scope = str
    Scenario = str
    TaskStatus = str
    Label = str
    ItemName = str
else:
    Label = required_text(50)
    ItemName = required_text(100)
    CategoryFilter = one_of(Category.values)
    ScenarioFilter = ScenarioCode
    CategoryChoice = choice_of(Category.values)
    DisclosureChoice = choice_of(Disclosure.values)
    FrequencyChoice = choice_of(Frequency.values)
    FieldTypeChoice = choice_of(FieldType.values)
    Scope = choice_of(SubjectScope.values)
    Scenario = ScenarioCode
    TaskStatus = one_of(TASK_STATUS_LABELS, blank=True)


class FieldIn(Schema):
    # Patterns of the codes the service accepts (it strips and upper-/lower-cases them first).
    code: Annotated[str, Field(json_schema_extra={"pattern": r"^\s*[A-Za-z][A-Za-z0-9_]{1,29}\s*$"})]
    label: Label
    type: FieldTypeChoice = "text"
    required: bool = False
    max_length: int | None = None
    choices: list[str] | None = None
    min: float | None = None
    max: float | None = None
    help: str | None = None


class ItemIn(Schema):
    code: Annotated[str, Field(json_schema_extra={"pattern": r"^\s*[A-Za-z][A-Za-z0-9_-]{1,39}\s*$"})]
    name: ItemName
    category: CategoryChoice
    department: str
    fields: list[FieldIn]
    frequency: FrequencyChoice
    disclosure: DisclosureChoice
    retention_months: Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 1200})] = 60
    due_working_days: Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 60})] = 10
    subject_scope: Scope = "legal"
    description: str = ""
    legal_basis: str = ""
    collect_from: date | None = None


class ItemPatch(Schema):
    changes: dict[str, Any]
    renames: dict[str, str] | None = None
    note: str = ""
    expected_version: int | None = None


class CatalogItemOut(Schema):
    code: str
    name: str
    category: str
    category_label: str
    department: str
    department_name: str
    fields: list[dict[str, Any]]
    frequency: str
    due_working_days: int
    disclosure: str
    retention_months: int
    subject_scope: str
    version: int
    is_active: bool


class UsageIn(Schema):
    department: str
    item: str
    scenario: Scenario
    purpose: str = ""


def item_out(item: CatalogItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "category_label": item.get_category_display(),
        "department": item.department.code,
        "department_name": item.department.name,
        "fields": item.fields,
        "frequency": item.frequency,
        "due_working_days": item.due_working_days,
        "disclosure": item.disclosure,
        "retention_months": item.retention_months,
        "subject_scope": item.subject_scope,
        "version": item.version,
        "is_active": item.is_active,
    }


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    dept = Department.objects.filter(code=code).first()
    if dept is None:
        raise ValidationFailed.single("department", "exists", f"部门代码“{code}”不存在。")
    return dept


# Static paths first: "/{item}" would swallow them.
@router.get("/items", response=list[CatalogItemOut], summary="信用信息目录")
def item_list(request, category: CategoryFilter | None = None, department: str | None = None, q: str = ""):
    ensure_can_view(request.user)
    return [
        item_out(i) for i in selectors.item_list(category=category, department=_department(department), q=q)
    ]


@router.post("/items", response={201: CatalogItemOut}, summary="新增目录项（信用办）")
def item_create(request, payload: ItemIn):
    data = payload.dict()
    data["fields"] = [{k: v for k, v in f.items() if v is not None} for f in data["fields"]]
    if data.get("collect_from") is None:
        data.pop("collect_from")
    return Status(201, item_out(services.item_create(actor=request.user, **data)))


@router.get("/completeness", response=list[dict[str, Any]], summary="归集完整性（按部门）")
def completeness(
    request, date_from: date | None = None, date_to: date | None = None, department: str | None = None
):
    ensure_can_view(request.user)
    return selectors.completeness(date_from=date_from, date_to=date_to, department=_department(department))


@router.get("/tasks", response=list[dict[str, Any]], summary="归集任务")
def task_list(request, department: str | None = None, status: TaskStatus = "", item: str | None = None):
    ensure_can_view(request.user)
    return selectors.task_list(
        department=_department(department),
        status=status,
        item=services.item_get_by_code(item) if item else None,
    )


@router.get("/usages", response=list[dict[str, Any]], summary="应用清单")
def usage_list(request, scenario: ScenarioFilter | None = None, department: str | None = None):
    ensure_can_view(request.user)
    from .models import Usage

    qs = Usage.objects.select_related("department", "item").order_by(
        "department__code", "scenario", "item__code"
    )
    if scenario:
        qs = qs.filter(scenario=scenario_validate(scenario, retired_ok=True))
    if department:
        qs = qs.filter(department=_department(department))
    return [
        {
            "id": u.pk,
            "department": u.department.code,
            "department_name": u.department.name,
            "item": u.item.code,
            "item_name": u.item.name,
            "scenario": u.scenario,
            "scenario_label": scenario_names().get(u.scenario, u.scenario),
            "purpose": u.purpose,
        }
        for u in qs
    ]


@router.post("/usages", response={201: dict[str, Any]}, summary="登记应用清单条目（使用部门管理员或信用办）")
def usage_set(request, payload: UsageIn):
    dept = _department(payload.department)
    if dept is None:
        raise ValidationFailed.single("department", "required", "请指定使用部门（department）。")
    usage = services.usage_set(
        actor=request.user,
        department=dept,
        item=services.item_get_by_code(payload.item),
        scenario=payload.scenario,
        purpose=payload.purpose,
    )
    return Status(
        201,
        {
            "id": usage.pk,
            "department": dept.code,
            "item": usage.item.code,
            "scenario": usage.scenario,
            "purpose": usage.purpose,
        },
    )


@router.post("/usages/{usage_id}/delete", response={204: None}, summary="删除应用清单条目")
def usage_remove(request, usage_id: int):
    from jointcredit.common.errors import NotFound

    from .models import Usage

    usage = Usage.objects.select_related("department", "item").filter(pk=usage_id).first()
    if usage is None:
        raise NotFound(f"应用清单条目 #{usage_id} 不存在。")
    services.usage_remove(actor=request.user, usage=usage)
    return Status(204, None)


@router.get("/submissions/{submission_id}", response=dict[str, Any], summary="归集批次报告")
def submission_get(request, submission_id: int):
    ensure_can_view(request.user)
    return services.submission_report(selectors.submission_get(submission_id))


@router.get("/subjects/{identifier}", response=dict[str, Any], summary="主体的公共信用信息（按查看人权限）")
def subject_info(request, identifier: Identifier, scenario: ScenarioFilter | None = None):
    ensure_can_view(request.user)
    subject = subject_get(identifier)
    out = selectors.subject_catalog(subject, request.user)
    if scenario:
        out["scenario"] = selectors.catalog_info_for(subject, scenario_validate(scenario), request.user)
    return out


@router.get("/{item}", response=CatalogItemOut, summary="目录项详情")
def item_detail(request, item: str):
    ensure_can_view(request.user)
    return item_out(services.item_get_by_code(item))


@router.post(
    "/{item}",
    response=CatalogItemOut,
    summary="修改目录项（信用办；版本号 +1，会使已有数据失效的修改被拒绝）",
)
def item_update(request, item: str, payload: ItemPatch):
    obj = services.item_get_by_code(item)
    return item_out(
        services.item_update(
            actor=request.user,
            item=obj,
            changes=payload.changes,
            renames=payload.renames,
            note=payload.note,
            expected_version=payload.expected_version,
        )
    )


@router.get("/{item}/versions", response=list[dict[str, Any]], summary="目录项版本历史")
def item_versions(request, item: str):
    ensure_can_view(request.user)
    obj = services.item_get_by_code(item)
    return [
        {
            "version": v.version,
            "definition": v.definition,
            "note": v.note,
            "changed_at": v.changed_at.isoformat(),
            "changed_by": str(v.changed_by) if v.changed_by else "系统",
        }
        for v in obj.versions.select_related("changed_by")
    ]


_SUBMISSION_FIELDS = {
    "mode": {"type": "string", "enum": ImportMode.values, "default": ImportMode.ALL_OR_NOTHING.value},
    "catalog_version": {"type": "integer"},
    "period": {"type": "string"},
}
_SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["rows"],
                    "properties": {
                        "rows": {"type": "array", "items": {"type": "object"}},
                        **_SUBMISSION_FIELDS,
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}, **_SUBMISSION_FIELDS},
                }
            },
        },
    }
}


@router.post(
    "/{item}/submissions",
    response={201: dict[str, Any]},
    openapi_extra=_SUBMISSION_BODY,
    summary="报送信用信息（JSON rows，或 multipart 文件 CSV UTF-8/GBK、XLSX）",
)
def submission_create(request, item: str):
    """JSON body ``{"rows": [...], "mode", "catalog_version", "period"}`` or multipart with ``file``
    and the same keys as form fields. The body is parsed here because ninja binds one content type
    per operation."""
    obj = services.item_get_by_code(item)
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed.single("file", "required", "请上传文件（file）。")
        post = request.POST
        sub = services.submission_create(
            actor=request.user,
            item=obj,
            fileobj=upload,
            name=upload.name or "",
            size=upload.size,
            mode=post.get("mode") or "all_or_nothing",
            source="file",
            catalog_version=_int_or_none(post.get("catalog_version"), "catalog_version"),
            period=post.get("period") or None,
        )
    else:
        payload = _json_body(request)
        rows = payload.get("rows")
        if not isinstance(rows, list):
            raise ValidationFailed.single(
                "rows", "required", '请求体应为 {"rows": [...]}：rows 为对象数组（可为空数组表示零报告）。'
            )
        sub = services.submission_create(
            actor=request.user,
            item=obj,
            rows=rows,
            mode=str(payload.get("mode") or "all_or_nothing"),
            source="api",
            catalog_version=_int_or_none(payload.get("catalog_version"), "catalog_version"),
            period=payload.get("period") or None,
        )
    return Status(201, services.submission_report(sub))


def _json_body(request) -> dict:
    import json

    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationFailed.single("body", "json", "请求体不是有效的 JSON。") from None
    if not isinstance(data, dict):
        raise ValidationFailed.single("body", "type", "请求体应为 JSON 对象。")
    return data


def _int_or_none(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed.single(field, "type", f"{field} 应为整数。") from None


@router.get("/{item}/records", response=dict[str, Any], summary="已归集信息")
def record_list(request, item: str, q: str = "", page: PageNumber = 1, page_size: PageSize = 20):
    ensure_can_view(request.user)
    obj = services.item_get_by_code(item)
    page_obj = selectors.record_page(item=obj, q=q, page=page, page_size=min(page_size, 100))
    return {
        "items": [
            {
                "id": r.pk,
                "subject_identifier": r.subject.identifier,
                "subject_name": r.subject_name,
                "occurred_on": r.occurred_on,
                "ref_no": r.ref_no,
                "data": r.data,
                "catalog_version": r.item_version,
            }
            for r in page_obj.items
        ],
        "meta": page_obj.as_meta(),
    }
