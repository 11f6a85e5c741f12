"""Check engine, batch screening, memoranda and measures (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from django.http import HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from jointcredit.common.pagination import Page
from jointcredit.common.schemas import (
    Identifier,
    OutSchema,
    PageNumber,
    PageSize,
    choice_of,
    one_of,
    required_text,
)
from jointcredit.subjects.models import RelatedRole

from . import selectors, services
from .models import Measure, Memorandum, Screening
from .scenarios import SCENARIOS

PREFIX = ""
router = Router(tags=["联合奖惩"])

if TYPE_CHECKING:  # Literals built at run time from the codes (the OpenAPI enums)
    Scenario = str
    ScenarioChoice = str
    Role = str
    Code = str
    WorkingDays = int
else:
    Code = required_text()
    WorkingDays = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 60})]
    Scenario = one_of(SCENARIOS)
    ScenarioChoice = choice_of(SCENARIOS)
    Role = choice_of(RelatedRole.values)


# --- check ---------------------------------------------------------------------------------------


class CheckSubjectOut(OutSchema):
    id: int
    kind: str
    kind_label: str
    identifier: str
    name: str


class CheckHitOut(OutSchema):
    measure_code: str
    measure_name: str
    kind: str
    list_type: str
    list_type_name: str
    list_color: str
    entry_id: int
    initiating_department: str
    legal_basis: str
    entry_legal_basis: str
    memorandum: str
    implementing_departments: list[str]
    valid_until: date | None
    via: str
    under_objection: bool
    later_revoked: bool
    removed_on: date | None
    removal_reason: str
    explanation: str


class CheckOut(OutSchema):
    subject: CheckSubjectOut | None
    scenario: str
    date: date
    hits: list[CheckHitOut]


@router.get(
    "/check",
    response=CheckOut,
    summary="奖惩核查：某主体在某业务场景下适用的全部措施",
    description=(
        "identifier 为统一社会信用代码或证件号码；scenario 为业务场景代码（licensing、funding、"
        "public_resource_trading、market_entry、honours、inspection 等）；date 默认为今天。"
        "每条命中给出措施、引起它的名单条目、认定部门、依据和 via（self 表示主体本身，"
        "“法定代表人:<统一社会信用代码>”表示因其在被列入名单组织中的身份）。"
        "结果按 date 当天的情况给出：当天已发布、在有效期内且尚未移出的条目计入，不论之后如何；"
        "之后被移出的条目给出 removed_on 与 removal_reason，因认定有误被撤销或更正的另标 later_revoked；"
        "under_objection 为 date 当天是否处于异议处理中。"
        "库中没有该主体时 subject 为 null、hits 为空；标识格式错误或场景未知返回 422。"
    ),
)
def check(request, identifier: Identifier, scenario: Scenario, date: date | None = None):
    # Hot path (DESIGN.md §5, bench/bench_check.py): the Check*Out schemas are OutSchema (ADR 0014).
    result = selectors.measure_check(identifier=identifier, scenario=scenario, on=date)
    return {
        "subject": result.subject,
        "scenario": result.scenario,
        "date": result.on,
        "hits": [h.as_dict() for h in result.hits],
    }


# --- memoranda and measures ---------------------------------------------------------------------


class DepartmentRef(Schema):
    code: str
    name: str


class MemorandumOut(Schema):
    code: str
    name: str
    document_no: str
    signed_on: date | None
    feedback_working_days: int
    is_active: bool
    signatories: list[DepartmentRef]
    measure_count: int


class MemorandumIn(Schema):
    code: Code
    name: Code
    document_no: str = ""
    signed_on: date | None = None
    feedback_working_days: WorkingDays = 10
    signatories: list[str] = []
    is_active: bool = True


class MemorandumPatch(Schema):
    name: str | None = None
    document_no: str | None = None
    signed_on: date | None = None
    feedback_working_days: int | None = None
    signatories: list[str] | None = None
    is_active: bool | None = None


class MeasureOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    memorandum: str
    legal_basis: str
    implementing_departments: list[DepartmentRef]
    scenarios: list[str]
    reaches_subject: bool
    reach_roles: list[str]
    directly_responsible_roles: list[str]
    is_active: bool


class MeasureIn(Schema):
    memorandum: str
    code: str
    name: str
    kind: Literal["incentive", "punishment"]
    scenarios: list[ScenarioChoice]
    legal_basis: str = ""
    implementing_departments: list[str] = []
    reaches_subject: bool = True
    reach_roles: list[Role] = []
    directly_responsible_roles: list[Role] = []
    is_active: bool = True


class MeasurePatch(Schema):
    name: str | None = None
    kind: Literal["incentive", "punishment"] | None = None
    scenarios: list[ScenarioChoice] | None = None
    legal_basis: str | None = None
    implementing_departments: list[str] | None = None
    reaches_subject: bool | None = None
    reach_roles: list[Role] | None = None
    directly_responsible_roles: list[Role] | None = None
    is_active: bool | None = None


class MemorandumPage(Schema):
    items: list[MemorandumOut]
    page: int
    page_size: int
    total: int
    pages: int


class MeasurePage(Schema):
    items: list[MeasureOut]
    page: int
    page_size: int
    total: int
    pages: int


def _dept(d) -> dict:
    return {"code": d.code, "name": d.name}


def memorandum_out(memo: Memorandum) -> dict:
    count = getattr(memo, "measure_count", None)
    return {
        "code": memo.code,
        "name": memo.name,
        "document_no": memo.document_no,
        "signed_on": memo.signed_on,
        "feedback_working_days": memo.feedback_working_days,
        "is_active": memo.is_active,
        "signatories": [_dept(d) for d in memo.signatories.all()],
        "measure_count": count if count is not None else memo.measures.count(),
    }


def measure_out(m: Measure) -> dict:
    return {
        "code": m.code,
        "name": m.name,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "memorandum": m.memorandum.code,
        "legal_basis": m.legal_basis,
        "implementing_departments": [_dept(d) for d in m.implementing_departments.all()],
        "scenarios": list(m.scenarios or []),
        "reaches_subject": m.reaches_subject,
        "reach_roles": list(m.reach_roles or []),
        "directly_responsible_roles": list(m.directly_responsible_roles or []),
        "is_active": m.is_active,
    }


def _page(page: Page, fn) -> dict:
    return {"items": [fn(x) for x in page.items], **page.as_meta()}


@router.get("/memoranda", response=MemorandumPage, summary="联合奖惩备忘录列表")
def memorandum_list(request, page: PageNumber = 1, page_size: PageSize = 20, active: bool | None = None):
    return _page(selectors.memorandum_list(page=page, page_size=page_size, active=active), memorandum_out)


@router.post("/memoranda", response={201: MemorandumOut}, summary="新建备忘录（信用办管理员）")
def memorandum_create(request, payload: MemorandumIn):
    memo = services.memorandum_create(actor=request.auth, **payload.dict())
    return Status(201, memorandum_out(memo))


@router.get("/memoranda/{code}", response=MemorandumOut, summary="备忘录详情")
def memorandum_detail(request, code: str):
    return memorandum_out(selectors.memorandum_get(code))


@router.patch("/memoranda/{code}", response=MemorandumOut, summary="修改备忘录（信用办管理员）")
def memorandum_update(request, code: str, payload: MemorandumPatch):
    memo = services.memorandum_update(
        actor=request.auth, memorandum=selectors.memorandum_get(code), data=payload.dict(exclude_unset=True)
    )
    return memorandum_out(selectors.memorandum_get(memo.code))


@router.get("/measures", response=MeasurePage, summary="奖惩措施清单")
def measure_list(
    request,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    memorandum: str | None = None,
    kind: Literal["incentive", "punishment"] | None = None,
    scenario: Scenario | None = None,
    active: bool | None = None,
):
    return _page(
        selectors.measure_list(
            page=page, page_size=page_size, memorandum=memorandum, kind=kind, scenario=scenario, active=active
        ),
        measure_out,
    )


@router.post(
    "/measures",
    response={201: MeasureOut},
    summary="新增措施（信用办管理员）",
    description="scenarios 为场景代码列表；reach_roles 为作用的关联人身份；directly_responsible_roles "
    "中的身份仅对“负有直接责任”的关联人生效。未知场景或身份返回 422。",
)
def measure_create(request, payload: MeasureIn):
    data = payload.dict()
    memo = selectors.memorandum_get(data.pop("memorandum"))
    measure = services.measure_create(actor=request.auth, memorandum=memo, **data)
    return Status(201, measure_out(selectors.measure_get(measure.code)))


@router.get("/measures/{code}", response=MeasureOut, summary="措施详情")
def measure_detail(request, code: str):
    return measure_out(selectors.measure_get(code))


@router.patch("/measures/{code}", response=MeasureOut, summary="修改措施（信用办管理员）")
def measure_update(request, code: str, payload: MeasurePatch):
    measure = services.measure_update(
        actor=request.auth, measure=selectors.measure_get(code), data=payload.dict(exclude_unset=True)
    )
    return measure_out(selectors.measure_get(measure.code))


# --- batch screening ----------------------------------------------------------------------------


class ScreeningRowOut(Schema):
    row: int
    identifier: str
    status: Literal["hit", "clear", "invalid"]
    subject_name: str = ""
    measures: list[str] = []
    hits: list[dict] = []
    error: str = ""


class ScreeningOut(Schema):
    id: int
    scenario: str
    date: date
    file_name: str
    total: int
    hit: int
    clear: int
    invalid: int
    created_at: str
    result_csv: str
    result_xlsx: str


class ScreeningResultOut(ScreeningOut):
    rows: list[ScreeningRowOut]
    page: int | None = None
    page_size: int | None = None
    pages: int | None = None
    rows_total: int | None = None


class ScreeningPage(Schema):
    items: list[ScreeningOut]
    page: int
    page_size: int
    total: int
    pages: int


def screening_out(s: Screening) -> dict:
    base = f"/api/v1/screenings/{s.id}/result"
    return {
        "id": s.id,
        "scenario": s.scenario,
        "date": s.on,
        "file_name": s.file_name,
        "total": s.total,
        "hit": s.hit,
        "clear": s.clear,
        "invalid": s.invalid,
        "created_at": s.created_at.isoformat(),
        "result_csv": f"{base}?format=csv",
        "result_xlsx": f"{base}?format=xlsx",
    }


@router.post(
    "/screenings",
    response={201: ScreeningResultOut},
    summary="批量比对：上传标识文件",
    description="multipart：file 为 CSV/XLSX/TXT（每行一个统一社会信用代码或证件号码；CSV/XLSX 取"
    "“标识/统一社会信用代码/证件号码/identifier”列，无此列时取第一列），scenario 为业务场景代码，"
    "date 可选。返回每一输入行的结果（hit 命中 / clear 未命中 / invalid 无效并附原因），不丢弃任何行。",
)
def screening_create(
    request,
    file: File[UploadedFile],
    scenario: Form[ScenarioChoice],
    date: Form[date] = None,  # type: ignore[assignment]
):
    from .screening import screening_rows_all

    screening = services.screening_run(
        actor=request.auth, fileobj=file, file_name=file.name or "upload", scenario=scenario, on=date
    )
    return Status(201, {**screening_out(screening), "rows": screening_rows_all(screening)})


@router.get("/screenings", response=ScreeningPage, summary="本部门的批量比对记录")
def screening_list(request, page: PageNumber = 1, page_size: PageSize = 20):
    return _page(selectors.screening_list(user=request.auth, page=page, page_size=page_size), screening_out)


@router.get("/screenings/{screening_id}", response=ScreeningResultOut, summary="批量比对结果（分页）")
def screening_detail(
    request,
    screening_id: int,
    page: PageNumber = 1,
    page_size: PageSize = 100,
    status: Literal["hit", "clear", "invalid"] | None = None,
):
    from .screening import screening_rows_page

    screening = selectors.screening_get(user=request.auth, screening_id=screening_id)
    rows_page = screening_rows_page(screening, page=page, page_size=page_size, status=status)
    return {
        **screening_out(screening),
        "rows": rows_page.items,
        "page": rows_page.page,
        "page_size": rows_page.page_size,
        "pages": rows_page.pages,
        "rows_total": rows_page.total,
    }


@router.get(
    "/screenings/{screening_id}/result", summary="下载批量比对结果文件（CSV 或 XLSX）", response={200: None}
)
def screening_result(request, screening_id: int, format: Literal["csv", "xlsx"] = "csv"):  # noqa: A002
    from .screening import screening_result_file

    screening = selectors.screening_get(user=request.auth, screening_id=screening_id)
    content, content_type, name = screening_result_file(screening, fmt=format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"screening-{screening.id}.{format}\"; filename*=UTF-8''{name}"
    )
    return response
