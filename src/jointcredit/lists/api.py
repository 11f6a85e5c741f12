"""Red/black list API (DESIGN.md §4): /list-types, /list-entries and the lifecycle transitions.

Transitions are POST /list-entries/{id}/{step}; an illegal or conflicting step answers 409 with the
entry's current state in ``error.details``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common import clock
from jointcredit.common.schemas import (
    Identifier,
    IdentifierFilter,
    PageNumber,
    PageSize,
    one_of,
    required_text,
)
from jointcredit.common.validation import TEXT_MAX

from . import exports, selectors, services
from .models import EntryState, ListColor, ListEntry, ListType

PREFIX = ""
PUBLIC_PREFIX = "/lists"
router = Router(tags=["红黑名单"])
public_router = Router(tags=["红黑名单公示"])

StateFilter = one_of(EntryState.values, blank=True)
ColorFilter = one_of(ListColor.values, blank=True)
StatusFilter = one_of(selectors.STATUS_FILTERS, blank=True)
Text = required_text(TEXT_MAX)
SubjectName = required_text(200)


class EntryFilter(Schema):
    """GET /list-entries 及其导出共用的筛选条件；空值表示不按该项筛选。"""

    identifier: IdentifierFilter = ""
    state: StateFilter = ""
    list_type: str = ""
    color: ColorFilter = ""
    department: str = ""
    status: StatusFilter = ""
    q: str = ""

    def selection(self) -> dict:
        return {name: value or None for name, value in self.dict().items()}


class DepartmentRef(Schema):
    code: str
    name: str


class ListTypeOut(Schema):
    code: str
    name: str
    color: str
    category: str
    category_label: str
    legal_basis: str
    validity_days: int
    min_repair_days: int
    repairable: bool
    statement_working_days: int
    memorandum: str | None
    initiating_departments: list[DepartmentRef]
    is_active: bool


class EntryOut(Schema):
    id: int
    state: str
    state_label: str
    status_label: str
    effective: bool
    list_type: str
    list_type_name: str
    color: str
    identifier: str
    subject_kind: str
    name: str
    department: DepartmentRef
    reason: str
    legal_basis: str
    document_no: str
    decided_on: date | None
    valid_from: date | None
    valid_until: date | None
    notified_on: date | None
    notice_no: str
    statement_working_days: int | None
    statement_deadline: date | None
    statement_deadline_pending: bool
    statement_outcome: str
    published_at: str | None
    removed_at: str | None
    removal_reason: str
    removal_note: str
    end_reason: str = Field(
        "",
        description="不再有效的原因（按日期推导）：expired 有效期届满 / repaired 信用修复 / revoked 撤销 / "
        "corrected 更正 / superseded 列入黑名单移出红名单；仍有效或办理中为空。",
    )
    end_reason_label: str = ""
    under_objection: bool
    created_at: str


class EntryChangeOut(Schema):
    event: str = Field(
        description="变更事项：created 拟列入 / notified 告知 / decided 认定 / published 发布 / "
        "corrected 更正 / objection_opened 异议中 / objection_closed 异议办结 / removed 移出 / "
        "expired 有效期届满"
    )
    label: str
    state_before: str
    state_after: str
    removal_reason: str = Field(
        description="移出原因（仅 removed）：expired / repaired / revoked / corrected / superseded"
    )
    reason: str = Field(description="原因或说明")
    actor: str = Field(description="操作人（记录时的名称；系统操作为“系统”）")
    recorded_at: datetime | None = Field(
        description="记录时间（事务时间）；按日期推导、尚未记录的到期为 null"
    )
    effective_on: date = Field(description="生效日期（有效时间）")
    backfilled: bool = Field(description="上线前的变更，由存量时间戳和审计记录补录")
    derived: bool = Field(description="按日期推导的到期（到期事件尚未发出）")


class EntryPage(Schema):
    items: list[EntryOut]
    page: int
    page_size: int
    total: int
    pages: int


class EntryIn(Schema):
    list_type: str = Field(description="名单类型代码，见 GET /list-types")
    identifier: Identifier = Field(description="统一社会信用代码或身份证号码")
    name: SubjectName = Field(description="主体名称/姓名（列入时）")
    reason: Text = Field(description="列入事由（失信/守信事实）")
    legal_basis: str = Field("", description="认定依据；为空时采用名单类型的依据")
    decided_on: date | None = Field(None, description="认定日期；红名单必填，黑名单可在认定时填写")
    valid_until: date | None = Field(None, description="有效期至；为空时按名单类型的最长有效期计算")
    document_no: str = ""
    kind: Literal["legal", "individual_business", "natural"] | None = Field(
        None, description="主体类别；系统中尚无该主体且需要明确类别时填写"
    )


class UpdateIn(Schema):
    reason: str | None = None
    legal_basis: str | None = None
    decided_on: date | None = None
    valid_until: date | None = None
    document_no: str | None = None


class NotifyIn(Schema):
    notified_on: date | None = Field(None, description="告知书送达日期，默认今天")
    statement_working_days: int | None = Field(None, description="陈述申辩期限（工作日），默认取名单类型配置")
    notice_no: str = ""


class StatementIn(Schema):
    outcome: Literal["waived", "not_adopted", "adopted"]
    content: str = ""
    handling: str = ""


class DecideIn(Schema):
    decided_on: date | None = Field(None, description="认定日期，默认今天")
    valid_until: date | None = None
    document_no: str = ""
    responsible_persons: list[int] | None = Field(
        None,
        description="对失信行为负有直接责任的人员：主体在认定日期在任的关联人编号"
        "（GET /subjects/{identifier}/related-persons 的 id），可为空列表；"
        "不填表示未确定，仅限直接责任人的措施按各关联人的标记适用（ADR 0046）。",
    )


class RemoveIn(Schema):
    reason: Literal["expired", "repaired", "revoked", "corrected"]
    note: str = ""


class EntryCorrectIn(Schema):
    note: Text = Field(description="更正说明（必填）")
    reason: str | None = None
    legal_basis: str | None = None
    valid_until: date | None = None
    document_no: str | None = None


class EntryObjectionIn(Schema):
    under_objection: bool


def list_type_out(lt: ListType) -> dict:
    return {
        "code": lt.code,
        "name": lt.name,
        "color": lt.color,
        "category": lt.category,
        "category_label": lt.get_category_display(),
        "legal_basis": lt.legal_basis,
        "validity_days": lt.validity_days,
        "min_repair_days": lt.min_repair_days,
        "repairable": lt.repairable,
        "statement_working_days": lt.statement_working_days,
        "memorandum": lt.memorandum.code if lt.memorandum_id else None,
        "initiating_departments": [{"code": d.code, "name": d.name} for d in lt.initiating_departments.all()],
        "is_active": lt.is_active,
    }


def entry_out(entry: ListEntry) -> dict:
    today = clock.today()
    return {
        "id": entry.pk,
        "state": entry.state,
        "state_label": entry.get_state_display(),
        "status_label": entry.display_status(today),
        "effective": entry.is_effective(today),
        "list_type": entry.list_type.code,
        "list_type_name": entry.list_type.name,
        "color": entry.list_type.color,
        "identifier": entry.subject.identifier,
        "subject_kind": entry.subject.kind,
        "name": entry.subject_name,
        "department": {"code": entry.department.code, "name": entry.department.name},
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "document_no": entry.document_no,
        "decided_on": entry.decided_on,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "notified_on": entry.notified_on,
        "notice_no": entry.notice_no,
        "statement_working_days": entry.statement_working_days,
        "statement_deadline": entry.statement_deadline,
        "statement_deadline_pending": entry.statement_deadline_pending,
        "statement_outcome": entry.statement_outcome,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "removed_at": entry.removed_at.isoformat() if entry.removed_at else None,
        "removal_reason": entry.removal_reason,
        "removal_note": entry.removal_note,
        "end_reason": entry.end_reason(today),
        "end_reason_label": entry.end_reason_label(today),
        "under_objection": entry.under_objection,
        "created_at": entry.created_at.isoformat(),
    }


def _out(entry: ListEntry) -> dict:
    return entry_out(selectors.list_entry_get(entry.pk))


@router.get(
    "/list-types",
    response=list[ListTypeOut],
    summary="名单类型",
    description="信用办配置的红黑名单类型：代码、名称、颜色（red/black）、类别、认定部门、依据、有效期。",
)
def list_types(request, color: Literal["red", "black"] | None = None, active_only: bool = False):
    return [list_type_out(lt) for lt in selectors.list_type_list(color=color, active_only=active_only)]


@router.get("/list-types/{code}", response=ListTypeOut, summary="名单类型详情")
def list_type_detail(request, code: str):
    return list_type_out(selectors.list_type_get(code))


@router.get(
    "/list-entries",
    response=EntryPage,
    summary="名单条目列表",
    description=(
        "按主体标识、状态、名单类型、颜色、部门筛选；status=effective|expired|pending 为按日期推导的状态。"
    ),
)
def list_entries(request, filters: Query[EntryFilter], page: PageNumber = 1, page_size: PageSize = 20):
    result = selectors.list_entry_list(**filters.selection(), page=page, page_size=page_size)
    return {"items": [entry_out(e) for e in result.items], **result.as_meta()}


@router.get(
    "/list-entries/export",
    response={200: None},
    summary="导出名单条目（CSV/XLSX）",
    description="筛选条件与 GET /list-entries 相同（identifier、state、list_type、color、department、"
    "status、q），导出全部符合条件的条目（不分页）；format=csv（默认，UTF-8 带 BOM）或 xlsx。"
    "以 = + - @ 开头的单元格前加单引号。",
)
def list_entries_export(request, filters: Query[EntryFilter], format: Literal["csv", "xlsx"] = "csv"):
    ensure_can_view(request.auth)
    return exports.entry_export_response(fmt=format, **filters.selection())


@router.post(
    "/list-entries",
    response={201: EntryOut},
    summary="拟列入（创建草稿）",
    description="认定部门经办人创建条目草稿。黑名单主体不能列入红名单；同一主体同一名单有效期不能重叠（409）。",
)
def list_entry_create(request, payload: EntryIn):
    entry = services.list_entry_create(actor=request.auth, **payload.dict())
    return Status(201, _out(entry))


@router.get("/list-entries/{entry_id}", response=EntryOut, summary="名单条目详情")
def list_entry_detail(request, entry_id: int):
    return entry_out(selectors.list_entry_get(entry_id))


@router.get(
    "/list-entries/{entry_id}/history",
    response=list[EntryChangeOut],
    summary="名单条目状态历史",
    description="条目的每次状态变更（旧到新）：变更前后状态、原因、操作人、记录时间（事务时间）和生效日期（有效时间）。",
)
def list_entry_history(request, entry_id: int):
    return selectors.list_entry_timeline(selectors.list_entry_get(entry_id))


@router.post(
    "/list-entries/{entry_id}/update",
    response=EntryOut,
    summary="修改草稿",
    description="仅拟列入（草稿）状态可修改；未提供的字段保持不变。",
)
def list_entry_update(request, entry_id: int, payload: UpdateIn):
    entry = selectors.list_entry_get(entry_id)
    return _out(services.list_entry_update(entry=entry, actor=request.auth, **payload.dict()))


@router.post(
    "/list-entries/{entry_id}/notify",
    response=EntryOut,
    summary="告知（黑名单）",
    description="送达告知书，陈述申辩截止日按工作日计算；落在未配置节假日的年度时为“待配置节假日”。",
)
def list_entry_notify(request, entry_id: int, payload: NotifyIn | None = None):
    entry = selectors.list_entry_get(entry_id)
    data = (payload or NotifyIn()).dict()
    return _out(services.list_entry_notify(entry=entry, actor=request.auth, **data))


@router.post(
    "/list-entries/{entry_id}/statement",
    response=EntryOut,
    summary="登记陈述申辩",
    description="登记当事人的陈述申辩及处理意见（或明确放弃），登记后可在期限届满前认定。",
)
def list_entry_statement(request, entry_id: int, payload: StatementIn):
    entry = selectors.list_entry_get(entry_id)
    return _out(services.list_entry_statement_record(entry=entry, actor=request.auth, **payload.dict()))


@router.post("/list-entries/{entry_id}/decide", response=EntryOut, summary="认定（黑名单）")
def list_entry_decide(request, entry_id: int, payload: DecideIn | None = None):
    entry = selectors.list_entry_get(entry_id)
    data = (payload or DecideIn()).dict()
    return _out(services.list_entry_decide(entry=entry, actor=request.auth, **data))


@router.post(
    "/list-entries/{entry_id}/publish",
    response=EntryOut,
    summary="发布",
    description="发布到门户并推送。发布黑名单条目时，该主体的红名单条目立即移出（superseded）。",
)
def list_entry_publish(request, entry_id: int):
    entry = selectors.list_entry_get(entry_id)
    return _out(services.list_entry_publish(entry=entry, actor=request.auth))


@router.post(
    "/list-entries/{entry_id}/remove",
    response=EntryOut,
    summary="移出",
    description="reason: expired（有效期届满）| repaired（信用修复）| revoked（撤销）| corrected（更正）。",
)
def list_entry_remove(request, entry_id: int, payload: RemoveIn):
    entry = selectors.list_entry_get(entry_id)
    return _out(services.list_entry_remove(entry=entry, actor=request.auth, **payload.dict()))


@router.post("/list-entries/{entry_id}/correct", response=EntryOut, summary="更正")
def list_entry_correct(request, entry_id: int, payload: EntryCorrectIn):
    entry = selectors.list_entry_get(entry_id)
    return _out(services.list_entry_correct(entry=entry, actor=request.auth, **payload.dict()))


@router.post("/list-entries/{entry_id}/objection", response=EntryOut, summary="标记/取消异议中")
def list_entry_objection(request, entry_id: int, payload: EntryObjectionIn):
    entry = selectors.list_entry_get(entry_id)
    return _out(
        services.list_entry_set_objection(
            entry=entry, actor=request.auth, under_objection=payload.under_objection
        )
    )


# --- public (no auth, masked) -----------------------------------------------------------------------
class PublicEntryOut(Schema):
    id: int
    list_type: str
    list_type_name: str
    color: str
    subject_name: str
    identifier: str
    subject_kind: str
    department: str
    reason: str
    legal_basis: str
    document_no: str
    decided_on: date | None
    valid_from: date | None
    valid_until: date | None
    under_objection: bool


class PublicEntryPage(Schema):
    items: list[PublicEntryOut]
    page: int
    page_size: int
    total: int
    pages: int


@public_router.get(
    "/{color}",
    response=PublicEntryPage,
    summary="红/黑名单公示查询",
    description="仅返回当前生效的条目；自然人姓名、证件号脱敏；自然人只能按完整姓名或完整证件号码查询。",
)
def public_list(
    request,
    color: Literal["red", "black"],
    q: str = "",
    list_type: str = "",
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    result = selectors.public_entry_list(
        color=color, q=q, list_type=list_type or None, page=page, page_size=page_size
    )
    return {"items": [selectors.public_entry_out(e) for e in result.items], **result.as_meta()}


@public_router.get("/entries/{entry_id}", response=PublicEntryOut, summary="名单公示详情")
def public_detail(request, entry_id: int):
    return selectors.public_entry_out(selectors.public_entry_get(entry_id))
