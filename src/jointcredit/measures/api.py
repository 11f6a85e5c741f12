"""Check engine, batch screening, memoranda and measures (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.http import HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from pydantic import Field

from jointcredit.common.errors import NotFound
from jointcredit.common.pagination import Page
from jointcredit.common.replicas import lag_tolerant
from jointcredit.common.schemas import (
    Identifier,
    OutSchema,
    PageNumber,
    PageSize,
    choice_of,
    required_text,
)
from jointcredit.subjects.models import RelatedRole, SubjectKind

from . import selectors, services
from .models import Measure, Memorandum, RecordedCheck, Screening
from .recorded import recorded_check_verify
from .scenarios import ScenarioCode

PREFIX = ""
router = Router(tags=["联合奖惩"])

CheckDate = date

# ADR 0046: how far a measure reaching 股东 follows shareholdings (validation.MAX_SHAREHOLDER_DEPTH).
ShareholderDepth = Annotated[int, Field(ge=1, le=5, description="股东穿透层级：1 = 直接股东，最多 5 层")]
MinShare = Annotated[float, Field(ge=0, le=100, description="股东最低持股比例（%），空为不论比例")]

if TYPE_CHECKING:  # Literals built at run time from the codes (the OpenAPI enums)
    Scenario = str
    ScenarioChoice = str
    Role = str
    Code = str
    WorkingDays = int
    CaseNo = str
    MatterName = str
    MatchKind = str
    MatchName = str
    Region = str
    Address = str
    Threshold = float
    MatchLimit = int
    FormerIdentifiers = list[str]
else:
    CaseNo = required_text(100)
    MatterName = required_text(200)
    MatchKind = choice_of(SubjectKind.values)
    _PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
    MatchName = Annotated[str, Field(json_schema_extra={"maxLength": 200, "pattern": _PRINTABLE})]
    Region = Annotated[str, Field(json_schema_extra={"pattern": r"^\s*(\d{2}|\d{4}|\d{6})?\s*$"})]
    Address = Annotated[str, Field(json_schema_extra={"maxLength": 255, "pattern": _PRINTABLE})]
    Threshold = Annotated[float, Field(json_schema_extra={"minimum": 0, "maximum": 1})]
    MatchLimit = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 50})]
    FormerIdentifiers = Annotated[list[Identifier], Field(json_schema_extra={"maxItems": 10})]
    Code = required_text()
    WorkingDays = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 60})]
    Scenario = ScenarioCode
    ScenarioChoice = ScenarioCode
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
    known_at: datetime | None = None
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
        "known_at（时点，ISO 8601）给出系统在该时点所作的回答：只用该时点前已记录的名单条目变更历史"
        "（之后的发布、移出、异议、更正均不计），date 默认为 known_at 当天（ADR 0037）。"
        "库中没有该主体时 subject 为 null、hits 为空；"
        "标识格式错误、场景未知或 known_at 晚于当前时间返回 422。"
    ),
)
@decorate_view(lag_tolerant)  # may be answered by a read replica (ADR 0048)
def check(
    request,
    identifier: Identifier,
    scenario: Scenario,
    date: date | None = None,
    known_at: datetime | None = None,
):
    # Hot path (DESIGN.md §5, bench/bench_check.py): the Check*Out schemas are OutSchema (ADR 0014).
    result = selectors.measure_check(identifier=identifier, scenario=scenario, on=date, known_at=known_at)
    return {
        "subject": result.subject,
        "scenario": result.scenario,
        "date": result.on,
        "known_at": result.known_at,
        "hits": [h.as_dict() for h in result.hits],
    }


# --- 核查留痕 (recorded checks) -------------------------------------------------------------------


class RecordedCheckIn(Schema):
    identifier: Identifier
    scenario: Scenario
    case_no: CaseNo
    matter_name: MatterName
    date: CheckDate | None = None  # the alias: a field named ``date`` hides the type in the class body
    known_at: datetime | None = None


class RecordedCheckOut(Schema):
    id: int
    department: str
    department_name: str
    user: str
    identifier: str
    scenario: str
    date: date
    known_at: datetime | None
    case_no: str
    matter_name: str
    hit_count: int
    digest: str
    created_at: datetime


class RecordedCheckDifference(Schema):
    path: str
    recorded: Any = None
    reproduced: Any = None


class RecordedCheckDetailOut(RecordedCheckOut):
    answer: CheckOut
    digest_valid: bool
    reproduced: bool
    differences: list[RecordedCheckDifference]


class RecordedCheckPage(Schema):
    items: list[RecordedCheckOut]
    page: int
    page_size: int
    total: int
    pages: int


def recorded_check_out(rc: RecordedCheck) -> dict:
    return {
        "id": rc.id,
        "department": rc.department.code,
        "department_name": rc.department.name,
        "user": rc.user.username,
        "identifier": rc.identifier,
        "scenario": rc.scenario,
        "date": rc.on,
        "known_at": rc.known_at,
        "case_no": rc.case_no,
        "matter_name": rc.matter_name,
        "hit_count": rc.hit_count,
        "digest": rc.digest,
        "created_at": rc.created_at,
    }


def recorded_check_detail_out(rc: RecordedCheck) -> dict:
    return {**recorded_check_out(rc), "answer": rc.answer, **recorded_check_verify(rc)}


@router.post(
    "/checks",
    response={201: RecordedCheckDetailOut},
    summary="核查留痕：为业务案卷作一次核查并保存结果",
    description=(
        "与 GET /check 相同的核查（identifier、scenario、date、known_at），另须注明业务案卷号 case_no 和"
        "事项名称 matter_name。结果连同 SHA-256 摘要保存在本部门名下并记入审计链，返回留痕编号。"
        "留痕是写操作，因此用 POST，而不是 GET /check 加参数。"
    ),
)
def recorded_check_create(request, payload: RecordedCheckIn):
    rc = services.recorded_check_create(
        actor=request.auth,
        identifier=payload.identifier,
        scenario=payload.scenario,
        case_no=payload.case_no,
        matter_name=payload.matter_name,
        on=payload.date,
        known_at=payload.known_at,
    )
    return Status(201, recorded_check_detail_out(rc))


@router.get("/checks", response=RecordedCheckPage, summary="核查留痕列表（本部门；信用办可看全部）")
def recorded_check_list(
    request,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    identifier: str | None = None,
    scenario: Scenario | None = None,
    case_no: str | None = None,
    department: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
):
    found = selectors.recorded_check_list(
        user=request.auth,
        page=page,
        page_size=page_size,
        identifier=identifier,
        scenario=scenario,
        case_no=case_no,
        department=department,
        created_from=created_from,
        created_to=created_to,
    )
    return _page(found, recorded_check_out)


@router.get(
    "/checks/{recorded_check_id}",
    response=RecordedCheckDetailOut,
    summary="核查留痕详情与复核",
    description=(
        "返回保存的核查结果；digest_valid 表示保存内容与摘要一致；reproduced 表示按现有变更历史"
        "（截至留痕时点）重新核查得到相同结果，不同时 differences 逐项列出（ADR 0037）。"
    ),
)
def recorded_check_detail(request, recorded_check_id: int):
    rc = selectors.recorded_check_get(user=request.auth, recorded_check_id=recorded_check_id)
    return recorded_check_detail_out(rc)


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
    effective_from: date | None = Field(description="生效日期（含当日）；null 为自始有效")
    effective_until: date | None = Field(description="失效日期（含当日）；null 为长期有效")
    version: int = Field(description="版本：每次修改加一")


class MemorandumIn(Schema):
    code: Code
    name: Code
    document_no: str = ""
    signed_on: date | None = None
    feedback_working_days: WorkingDays = 10
    signatories: list[str] = []
    is_active: bool = True
    effective_from: date | None = None
    effective_until: date | None = None


class MemorandumPatch(Schema):
    name: str | None = None
    document_no: str | None = None
    signed_on: date | None = None
    feedback_working_days: int | None = None
    signatories: list[str] | None = None
    is_active: bool | None = None
    effective_from: date | None = None
    effective_until: date | None = None


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
    shareholder_depth: int
    shareholder_min_share: float | None
    is_active: bool
    version: int = Field(description="版本：修改已生效的措施生成新版本，旧版本保留并截至新版本生效前一日")
    effective_from: date | None = Field(description="本版本生效日期（含当日）；null 为自始有效")
    effective_until: date | None = Field(description="本版本失效日期（含当日）；null 为长期有效")
    current: bool = Field(description="是否现行版本")


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
    shareholder_depth: ShareholderDepth = 1
    shareholder_min_share: MinShare | None = None
    is_active: bool = True
    effective_from: date | None = None
    effective_until: date | None = None


class MeasurePatch(Schema):
    name: str | None = None
    kind: Literal["incentive", "punishment"] | None = None
    scenarios: list[ScenarioChoice] | None = None
    legal_basis: str | None = None
    implementing_departments: list[str] | None = None
    reaches_subject: bool | None = None
    reach_roles: list[Role] | None = None
    directly_responsible_roles: list[Role] | None = None
    shareholder_depth: ShareholderDepth | None = None
    shareholder_min_share: MinShare | None = None
    is_active: bool | None = None
    effective_from: date | None = Field(
        None, description="修改已生效的措施时，新版本的生效日期（不早于今天，默认今天）"
    )
    effective_until: date | None = None


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
        "effective_from": memo.effective_from,
        "effective_until": memo.effective_until,
        "version": memo.version,
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
        "shareholder_depth": m.shareholder_depth,
        "shareholder_min_share": None if m.shareholder_min_share is None else float(m.shareholder_min_share),
        "is_active": m.is_active,
        "version": m.version,
        "effective_from": m.effective_from,
        "effective_until": m.effective_until,
        "current": m.superseded_by_id is None,
    }


class ScenarioOut(Schema):
    code: str
    name: str = Field(description="场景名称")
    departments: list[DepartmentRef] = Field(description="使用该场景的部门")
    is_active: bool = Field(description="在用；已停用的场景不能用于核查，存量记录仍显示其名称")


@router.get("/scenarios", response=list[ScenarioOut], summary="业务场景（信用办维护的数据）")
def scenario_list(request, include_retired: bool = False):
    """The codes ``scenario`` parameters accept: the scenarios in use (``include_retired`` adds the
    retired ones, which stored checks and screenings may name)."""
    return [
        {
            "code": s.code,
            "name": s.name,
            "departments": [_dept(d) for d in s.departments.all()],
            "is_active": s.is_active,
        }
        for s in selectors.scenario_list(include_retired=include_retired)
    ]


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


@router.get("/measures/{code}/versions", response=list[MeasureOut], summary="措施的全部版本（旧到新）")
def measure_versions(request, code: str):
    versions = selectors.measure_versions(code)
    if not versions:
        raise NotFound(f"未找到代码为“{code}”的奖惩措施。")
    return [measure_out(m) for m in versions]


@router.patch(
    "/measures/{code}",
    response=MeasureOut,
    summary="修改措施（信用办管理员）",
    description="修改已生效的措施不改写历史：生成新版本（自 effective_from 起，默认今天），"
    "原版本截至前一日，核查按核查日期适用当时有效的版本。返回现行版本。",
)
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
    candidates: list[dict] = []  # rows with a name and no identifier: the best candidates (ADR 0041)


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


# --- 应查未查 report (office) ---------------------------------------------------------------------


class UncheckedGrantOut(Schema):
    source: str
    source_label: str
    department_name: str
    doc_no: str
    matter: str
    decision_date: date
    subject_identifier: str
    subject_name: str
    entry_id: int
    list_type_name: str
    entry_department_name: str
    entry_valid_until: date | None
    recorded_check_id: int | None
    checked: bool
    status_label: str


class UncheckedGrantPage(Schema):
    items: list[UncheckedGrantOut]
    page: int
    page_size: int
    total: int
    pages: int


def _unchecked_filter(decided_from, decided_to, department, source, unchecked_only):
    from .unchecked import UncheckedFilter

    return UncheckedFilter(
        decided_from=decided_from,
        decided_to=decided_to,
        department=department,
        source=source,
        unchecked_only=unchecked_only,
    )


@router.get(
    "/reports/unchecked-grants",
    response=UncheckedGrantPage,
    summary="应查未查：授予时处于有效黑名单的主体（信用办）",
    description=(
        "每行一项授予（行政许可、未实施措施的执行反馈事项等）：授予部门、文书号、决定日期、主体，"
        "决定日期当天有效的黑名单条目，以及该部门在决定日期前是否为该主体作过核查留痕"
        "（没有即“应查未查”）。unchecked_only=true 只列应查未查；source 为 licence 或 feedback。"
    ),
)
def unchecked_grants(
    request,
    page: int = 1,
    page_size: int = 50,
    decided_from: date | None = None,
    decided_to: date | None = None,
    department: str | None = None,
    source: str | None = None,
    unchecked_only: bool = False,
):
    from .unchecked import unchecked_report

    found = unchecked_report(
        actor=request.auth,
        filters=_unchecked_filter(decided_from, decided_to, department, source, unchecked_only),
        page=page,
        page_size=page_size,
    )
    return _page(found, lambda line: line)


@router.get(
    "/reports/unchecked-grants/export",
    summary="应查未查报表下载（CSV 或 XLSX，信用办）",
    response={200: None},
)
def unchecked_grants_export(
    request,
    format: Literal["csv", "xlsx"] = "csv",  # noqa: A002
    decided_from: date | None = None,
    decided_to: date | None = None,
    department: str | None = None,
    source: str | None = None,
    unchecked_only: bool = False,
):
    from jointcredit.common.tabular import table_response

    from .unchecked import unchecked_grants, unchecked_table

    lines = unchecked_grants(
        actor=request.auth,
        filters=_unchecked_filter(decided_from, decided_to, department, source, unchecked_only),
    )
    header, rows = unchecked_table(lines)
    return table_response(header=header, rows=rows, fmt=format, stem="应查未查")


# --- match by name as well as by code (issue #20 §1, ADR 0041) -------------------------------------


class MatchIn(Schema):
    name: MatchName = ""
    identifier: Identifier | Literal[""] = ""
    former_identifiers: FormerIdentifiers = []
    kind: MatchKind | None = None
    birth_date: date | None = None
    region: Region = ""
    address: Address = ""
    threshold: Threshold | None = None
    limit: MatchLimit | None = None


class MatchFeatureOut(Schema):
    feature: str
    label: str
    field: str
    query: str
    matched: str
    similarity: float | None
    score: float
    how: str


class MatchEntryOut(Schema):
    id: int
    list_type: str
    list_type_name: str
    color: str
    department: str
    decided_on: date | None
    valid_until: date | None
    under_objection: bool


class MatchSubjectOut(Schema):
    id: int
    identifier: str
    name: str
    kind: str
    kind_label: str
    region_code: str


class MatchCandidateOut(Schema):
    subject: MatchSubjectOut
    score: float
    features: list[MatchFeatureOut]
    explanation: str
    merged_from: list[str]
    entries: list[MatchEntryOut]


class MatchNormalisedOut(Schema):
    text: str
    core: str
    region: str
    form: str
    branch: str
    steps: list[str]


class MatchScoringRuleOut(Schema):
    feature: str
    label: str
    rule: str


class MatchOut(Schema):
    threshold: float
    limit: int
    normalised_name: MatchNormalisedOut | None
    considered: int
    scoring: list[MatchScoringRuleOut]
    candidates: list[MatchCandidateOut]


@router.post(
    "/match",
    response=MatchOut,
    summary="按名称或标识查找主体：打分的候选主体及其匹配特征",
    description=(
        "name（名称/姓名）、identifier（统一社会信用代码、证件号码、组织机构代码、工商注册号或 15 位"
        "身份证号）、former_identifiers（曾用标识）至少填一项；kind 限定主体类别；birth_date、region "
        "用于区分同名自然人，address 作为辅助。返回得分不低于 threshold（默认 0.6）的候选主体，"
        "至多 limit 个（默认 10，最多 50），按得分从高到低；每个候选给出匹配特征（标识一致、别名标识、"
        "曾用名、名称归一、名称相似及相似度）、说明和当前有效的名单条目。scoring 为计分规则。"
        "没有候选时 candidates 为空：名称未匹配不等于核查无记录。"
    ),
)
@decorate_view(lag_tolerant(methods=("POST",)))  # a read with a body: a replica may answer (ADR 0048)
def match(request, payload: MatchIn):
    from .matching import match_query_validate, subject_match

    query = match_query_validate(**payload.dict())
    return subject_match(query).as_dict()
