"""双公示 API (DESIGN.md §4): one record in standard fields, file imports, lists, publish/withdraw,
timeliness report and the standard export. Thin: parse → service/selector → schema."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from ninja import Body, Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common.errors import ValidationFailed
from jointcredit.common.schemas import PageNumber, PageSize, StatusChangeOut, choice_of, one_of, required_text
from jointcredit.importing.pipeline import ImportMode

from . import exports, selectors, services
from .extensions import add_marks
from .fields import RECORD_TYPE_BY_PLURAL
from .models import RecordState

PREFIX = "/records"
PUBLIC_PREFIX = "/records"
router = Router(tags=["双公示"])
public_router = Router(tags=["双公示公示查询"])

Kind = Literal["licenses", "penalties"]
ImportModeChoice = choice_of(ImportMode.values)
WithdrawReason = required_text(500)


class RecordOut(Schema):
    id: int
    record_type: str
    department: str
    doc_no: str
    subject_identifier: str
    subject_name: str
    subject_kind: str
    decision_date: date
    state: str
    display_status: str
    display_status_label: str
    publication_end_reason: str
    publication_deadline: date | None
    deadline_pending: bool
    published_at: str | None
    public_until: date | None
    withdraw_reason: str
    version: int


class RecordDetailOut(RecordOut):
    fields: dict[str, Any]
    history: list[dict[str, Any]]


class PageMeta(Schema):
    page: int
    page_size: int
    total: int
    pages: int


class RecordPageOut(Schema):
    items: list[RecordOut]
    meta: PageMeta


class ImportErrorOut(Schema):
    row: int | None = None
    field: str
    rule: str
    message: str


class ImportReportOut(Schema):
    batch_id: int
    status: str
    accepted: int
    rejected: int
    created: int
    updated: int
    unchanged: int
    withdrawn: int
    error_count: int
    errors: list[ImportErrorOut]


class WithdrawIn(Schema):
    reason: WithdrawReason


class TimelinessRow(Schema):
    department_code: str
    department_name: str
    month: str
    total: int
    on_time: int
    late: int
    late_working_days_total: int
    late_working_days_max: int
    overdue_unpublished: int
    not_yet_due: int
    pending_calendar: int
    on_time_rate: float | None


class TimelinessOut(Schema):
    date_from: date
    date_to: date
    rows: list[TimelinessRow]


class RecordPublicationChangeOut(StatusChangeOut):
    event: str = Field(
        description="变更事项：drafted 暂存草稿 / published 公示 / corrected 公示内容更正 / withdrawn 撤销 / "
        "publication_ended 信用修复（提前结束公示）/ expired 公示期满"
    )


def record_out(record) -> dict:
    return {
        "id": record.pk,
        "record_type": record.record_type,
        "department": record.department.code,
        "doc_no": record.doc_no,
        "subject_identifier": record.subject.identifier,
        "subject_name": record.subject_name,
        "subject_kind": record.subject_kind,
        "decision_date": record.decision_date,
        "state": record.state,
        "display_status": record.display_status(),
        "display_status_label": record.display_status_label(),
        "publication_end_reason": record.publication_end_reason,
        "publication_deadline": record.publication_deadline,
        "deadline_pending": record.deadline_pending,
        "published_at": record.published_at.isoformat() if record.published_at else None,
        "public_until": record.public_until,
        "withdraw_reason": record.withdraw_reason,
        "version": record.version,
    }


def _department(code: str | None, user) -> Department | None:
    if not code:
        return None
    dept = Department.objects.filter(code=code).first()
    if dept is None:
        raise ValidationFailed.single("department", "exists", f"部门代码“{code}”不存在。")
    return dept


# Static paths first: ninja mounts paths in order of first use, and "/{kind}" would swallow them.
@router.get("/imports/{batch_id}", response=ImportReportOut, summary="导入批次报告")
def import_get(request, batch_id: int):
    ensure_can_view(request.user)
    return services.import_report(selectors.batch_get(batch_id))


@router.get("/timeliness", response=TimelinessOut, summary="公示及时性（按部门、月份）")
def timeliness(
    request,
    date_from: date,
    date_to: date,
    department: str | None = None,
    record_type: Literal["license", "penalty"] | None = None,
):
    ensure_can_view(request.user)
    rows = selectors.timeliness_report(
        date_from=date_from,
        date_to=date_to,
        department=_department(department, request.user),
        record_type=record_type,
    )
    return {"date_from": date_from, "date_to": date_to, "rows": rows}


@router.post("/{kind}", response={201: RecordOut}, summary="录入一条双公示信息（标准字段）")
def record_create(
    request,
    kind: Kind,
    payload: dict[str, Any] = Body(..., description="以 XK_*/CF_* 标准字段代码为键", min_length=1),
    draft: bool = False,
    department: str | None = None,
):
    record, _ = services.record_save(
        actor=request.user,
        record_type=RECORD_TYPE_BY_PLURAL[kind],
        data=payload,
        department=_department(department, request.user),
        hold_as_draft=draft,
    )
    return Status(201, record_out(record))


@router.post(
    "/{kind}/imports", response={201: ImportReportOut}, summary="导入双公示文件（CSV UTF-8/GBK、XLSX）"
)
def record_import(
    request,
    kind: Kind,
    file: File[UploadedFile],
    mode: ImportModeChoice = Form(ImportMode.ALL_OR_NOTHING),
    draft: Form[bool] = False,
    department: Form[str] = "",
):
    dept = _department(department, request.user) or request.user.department
    if dept is None:
        raise ValidationFailed.single("department", "required", "请指定部门（department）。")
    batch = services.records_import(
        actor=request.user,
        record_type=RECORD_TYPE_BY_PLURAL[kind],
        department=dept,
        fileobj=file,
        name=file.name or "",
        size=file.size,
        mode=mode,
        hold_as_draft=draft,
        source="api",
    )
    return Status(201, services.import_report(batch))


class ExportQuery(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    department: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@router.get("/{kind}/export", response={200: None}, summary="按标准格式导出（上传信用济南用）")
def record_export(request, kind: Kind, query: Query[ExportQuery]):
    ensure_can_view(request.user)
    return exports.export_response(
        record_type=RECORD_TYPE_BY_PLURAL[kind],
        fmt=query.format,
        department=_department(query.department, request.user),
        date_from=query.date_from,
        date_to=query.date_to,
    )


RecordStateFilter = one_of(RecordState.values, blank=True)


class ListQuery(Schema):
    department: str | None = None
    q: str = ""
    state: RecordStateFilter = ""
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    page: PageNumber = 1
    page_size: PageSize = 20


@router.get("/{kind}", response=RecordPageOut, summary="双公示信息列表")
def record_list(request, kind: Kind, query: Query[ListQuery]):
    ensure_can_view(request.user)
    page = selectors.record_list(
        record_type=RECORD_TYPE_BY_PLURAL[kind],
        department=_department(query.department, request.user),
        q=query.q,
        state=query.state,
        date_from=query.date_from,
        date_to=query.date_to,
        overdue=query.overdue,
        page=query.page,
        page_size=query.page_size,
    )
    return {"items": [record_out(r) for r in page.items], "meta": page.as_meta()}


@router.get("/{kind}/{record_id}", response=RecordDetailOut, summary="双公示信息详情（含变更记录）")
def record_detail(request, kind: Kind, record_id: int):
    ensure_can_view(request.user)
    record = selectors.record_get(record_type=RECORD_TYPE_BY_PLURAL[kind], pk=record_id)
    return record_out(record) | {
        "fields": exports.standard_fields(record),
        "history": [
            {
                "version": h.version,
                "action": h.action,
                "changed_at": h.changed_at.isoformat(),
                "actor": str(h.actor) if h.actor else "系统",
                "batch_id": h.batch_id,
                "before": h.before,
                "after": h.after,
            }
            for h in selectors.record_history(record)
        ],
    }


@router.get(
    "/{kind}/{record_id}/history",
    response=list[RecordPublicationChangeOut],
    summary="双公示信息公示状态历史",
    description="记录的每次公示状态变更（旧到新）：公示、更正、撤销、信用修复提前结束公示、公示期满，"
    "含变更前后状态、原因、操作人、记录时间（事务时间）和生效日期（有效时间）。字段级变更见详情的 history。",
)
def record_publication_history(request, kind: Kind, record_id: int):
    ensure_can_view(request.user)
    record = selectors.record_get(record_type=RECORD_TYPE_BY_PLURAL[kind], pk=record_id)
    return selectors.record_publication_timeline(record)


@router.post("/{kind}/{record_id}/publish", response=RecordOut, summary="公示草稿")
def record_publish(request, kind: Kind, record_id: int):
    record = selectors.record_get(record_type=RECORD_TYPE_BY_PLURAL[kind], pk=record_id)
    return record_out(services.record_publish(actor=request.user, record=record))


@router.post("/{kind}/{record_id}/withdraw", response=RecordOut, summary="撤销（须写明原因）")
def record_withdraw(request, kind: Kind, record_id: int, payload: WithdrawIn):
    record = selectors.record_get(record_type=RECORD_TYPE_BY_PLURAL[kind], pk=record_id)
    return record_out(services.record_withdraw(actor=request.user, record=record, reason=payload.reason))


# --- public (no auth, masked, only records inside their publication window) ----------------------


class PublicPageOut(Schema):
    items: list[dict[str, Any]]
    meta: PageMeta


@public_router.get(
    "/{kind}",
    response=PublicPageOut,
    auth=None,
    summary="双公示公示查询（自然人已脱敏）",
    description="按相对人名称、统一社会信用代码或文书号查询公示期内的信息；自然人只能按完整姓名或完整证件号码"
    "查到，其姓名、证件号码以及法定代表人姓名均已脱敏。",
)
def public_search(request, kind: Kind, q: str = "", page: PageNumber = 1, page_size: PageSize = 20):
    result = selectors.public_search(
        record_type=RECORD_TYPE_BY_PLURAL[kind], q=q, page=page, page_size=min(page_size, 50)
    )
    return {"items": add_marks(result.items), "meta": result.as_meta()}  # marks: e.g. 异议中 (extensions)
