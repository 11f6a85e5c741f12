"""Exchange API (DESIGN.md §4): feed, subscriptions, deliveries, pushes and feedback."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jointcredit.accounts.models import Department
from jointcredit.common import clock
from jointcredit.common.errors import NotFound
from jointcredit.common.schemas import PageNumber, PageSize, choice_of, one_of, required_text

from . import selectors, services
from .kinds import subscribable_kinds
from .models import DeliveryStatus, FeedbackResult

router = Router(tags=["信息推送与反馈"])

EventKind = choice_of(list(subscribable_kinds()))
DeliveryStatusFilter = one_of(DeliveryStatus.values)
PushState = one_of(selectors.INBOX_FILTERS)
Result = choice_of(FeedbackResult.values)
# Rules the service states with its own messages (all of them at once), documented here.
SubscriptionName = required_text(100)
WebhookUrl = Annotated[
    str,
    Field(
        json_schema_extra={
            "format": "uri",
            "maxLength": 500,
            "pattern": r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#@:\s]",
        }
    ),
]
WebhookSecret = Annotated[str, Field(json_schema_extra={"minLength": 24, "maxLength": 128})]
BatchSize = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": services.MAX_BATCH_SIZE})]


class FeedEventOut(Schema):
    position: int
    id: str
    type: str
    occurred_at: str
    data: dict[str, Any]


class FeedOut(Schema):
    events: list[FeedEventOut]
    next_after: int


@router.get(
    "/feed",
    response=FeedOut,
    summary="事件流（按序位读取）",
    description="返回序位大于 after 的事件，按序位升序。保存返回的 next_after，下次以 after=next_after "
    "继续读取：不会漏读晚提交的事件，也不会重复。limit 1–1000，默认 100。",
)
def feed(
    request,
    after: Annotated[int, Field(ge=0)] = 0,
    limit: Annotated[int, Field(ge=1, le=selectors.FEED_MAX_LIMIT)] = 100,
):
    events = selectors.feed_read(after=after, limit=limit)
    return {
        "events": [e.as_feed_item() for e in events],
        "next_after": events[-1].position if events else after,
    }


class PageMeta(Schema):
    page: int
    page_size: int
    total: int
    pages: int


class SubscriptionIn(Schema):
    name: SubscriptionName
    url: WebhookUrl
    event_kinds: list[EventKind] = []
    list_type_codes: list[str] = []
    secret: WebhookSecret | None = None
    department: str | None = None
    batch_size: BatchSize = 1


class SubscriptionOut(Schema):
    id: int
    department: str
    name: str
    url: str
    event_kinds: list[str]
    list_type_codes: list[str]
    batch_size: int
    is_active: bool
    created_at: str


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str


class SubscriptionPageOut(Schema):
    items: list[SubscriptionOut]
    meta: PageMeta


def _sub_out(s) -> dict:
    return {
        "id": s.pk,
        "department": s.department.code,
        "name": s.name,
        "url": s.url,
        "event_kinds": s.event_kinds,
        "list_type_codes": s.list_type_codes,
        "batch_size": s.batch_size,
        "is_active": s.is_active,
        "created_at": s.created_at.isoformat(),
    }


def _department(request, code: str | None) -> Department:
    if not code:
        if request.auth.department is None:
            raise NotFound("当前账号未归属任何部门，请在 department 中指定部门代码。")
        return request.auth.department
    dept = Department.objects.filter(code=code).first()
    if dept is None:
        raise NotFound(f"部门代码“{code}”不存在。")
    return dept


@router.post(
    "/subscriptions",
    response={201: SubscriptionCreatedOut},
    summary="登记事件订阅（Webhook）",
    description="部门管理员为本部门登记接收地址。返回的 secret 仅显示一次，用于校验签名。",
)
def subscription_create(request, payload: SubscriptionIn):
    sub, secret = services.subscription_create(
        actor=request.auth,
        department=_department(request, payload.department),
        name=payload.name,
        url=payload.url,
        event_kinds=payload.event_kinds,
        list_type_codes=payload.list_type_codes,
        secret=payload.secret,
        batch_size=payload.batch_size,
    )
    return Status(201, {**_sub_out(sub), "secret": secret})


@router.get("/subscriptions", response=SubscriptionPageOut, summary="事件订阅列表")
def subscription_list(request, page: PageNumber = 1, page_size: PageSize = 20):
    result = selectors.subscription_list(actor=request.auth, page=page, page_size=page_size)
    return {"items": [_sub_out(s) for s in result.items], "meta": result.as_meta()}


class ActiveIn(Schema):
    active: bool


@router.post("/subscriptions/{subscription_id}/active", response=SubscriptionOut, summary="启用/暂停订阅")
def subscription_active(request, subscription_id: int, payload: ActiveIn):
    sub = selectors.subscription_get(actor=request.auth, subscription_id=subscription_id)
    return _sub_out(
        services.subscription_set_active(actor=request.auth, subscription=sub, active=payload.active)
    )


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: str
    event_type: str
    position: int | None
    status: str
    attempts: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str
    delivered_at: str | None


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    meta: PageMeta


def _delivery_out(d) -> dict:
    return {
        "id": d.pk,
        "subscription_id": d.subscription_id,
        "event_id": str(d.event_id),
        "event_type": d.event.kind,
        "position": d.event.position,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at.isoformat() if d.status == "pending" else None,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
    }


@router.get("/deliveries", response=DeliveryPageOut, summary="推送投递记录")
def delivery_list(
    request,
    subscription_id: int | None = None,
    status: DeliveryStatusFilter | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    result = selectors.delivery_list(
        actor=request.auth, subscription_id=subscription_id, status=status, page=page, page_size=page_size
    )
    return {"items": [_delivery_out(d) for d in result.items], "meta": result.as_meta()}


@router.post("/deliveries/{delivery_id}/redeliver", response=DeliveryOut, summary="手工重投")
def delivery_redeliver(request, delivery_id: int):
    row = selectors.delivery_get(actor=request.auth, delivery_id=delivery_id)
    return _delivery_out(services.delivery_redeliver(actor=request.auth, delivery=row))


class PushMeasureOut(Schema):
    code: str
    name: str
    kind: str


class PushOut(Schema):
    id: int
    entry_id: int
    list_type: str
    subject_identifier: str
    subject_name: str
    initiating_department: str
    pushed_on: date
    feedback_due: date | None
    feedback_due_pending: bool
    status: str
    withdrawn: bool
    withdrawal_reason: str | None = Field(
        None,
        description="撤销原因代码：expired / repaired / revoked / corrected / superseded（未撤销为 null）",
    )
    withdrawal_reason_label: str | None = None
    withdrawal_note: str | None = None
    withdrawn_on: date | None = None
    measures: list[PushMeasureOut]


class PushPageOut(Schema):
    items: list[PushOut]
    meta: PageMeta


@router.get(
    "/pushes",
    response=PushPageOut,
    summary="待处理名单（推送至本部门的名单条目）",
    description=(
        "state：awaiting 待反馈（默认）、overdue 已逾期、answered 已反馈、withdrawn 已撤销"
        "（条目已移出或已到期，无需再反馈）、all 全部。"
    ),
)
def push_list(request, state: PushState = "awaiting", page: PageNumber = 1, page_size: PageSize = 20):

    today = clock.today()
    result = selectors.push_inbox(
        actor=request.auth, state=state, page=page, page_size=page_size, today=today
    )
    return {"items": [_push_out(p, today=today) for p in result.items], "meta": result.as_meta()}


def _push_out(p, *, today) -> dict:
    withdrawal = selectors.push_withdrawal(p, today=today) or {}
    return {
        "id": p.pk,
        "entry_id": p.entry_id,
        "list_type": p.entry.list_type.code,
        "subject_identifier": p.entry.subject.identifier,
        "subject_name": p.entry.subject_name,
        "initiating_department": p.entry.department.code,
        "pushed_on": p.pushed_on,
        "feedback_due": p.feedback_due,
        "feedback_due_pending": p.feedback_due is None,
        "status": selectors.push_status(p, today=today),
        "withdrawn": bool(withdrawal),
        "withdrawal_reason": withdrawal.get("reason"),
        "withdrawal_reason_label": withdrawal.get("reason_label"),
        "withdrawal_note": withdrawal.get("note"),
        "withdrawn_on": withdrawal.get("on"),
        "measures": [{"code": m.code, "name": m.name, "kind": m.kind} for m in p.measures.all()],
    }


class FeedbackIn(Schema):
    entry_id: Annotated[int, Field(json_schema_extra={"minimum": 1})]
    measure: str
    result: Result
    handled_on: date
    matter_name: str = ""
    matter_document_no: str = ""
    reason: str = ""
    department: str | None = None
    recorded_check: int | None = None


class FeedbackOut(Schema):
    id: int
    entry_id: int
    department: str
    measure: str
    result: str
    result_label: str
    matter_name: str
    matter_document_no: str
    reason: str
    handled_on: date
    is_late: bool
    recorded_check: int | None
    created_at: str


class FeedbackPageOut(Schema):
    items: list[FeedbackOut]
    meta: PageMeta


def _fb_out(f) -> dict:
    return {
        "id": f.pk,
        "entry_id": f.entry_id,
        "department": f.department.code,
        "measure": f.measure.code,
        "result": f.result,
        "result_label": f.get_result_display(),
        "matter_name": f.matter_name,
        "matter_document_no": f.matter_document_no,
        "reason": f.reason,
        "handled_on": f.handled_on,
        "is_late": f.is_late,
        "recorded_check": f.recorded_check_id,
        "created_at": f.created_at.isoformat(),
    }


@router.post(
    "/feedback",
    response={201: FeedbackOut, 200: FeedbackOut},
    summary="执行反馈",
    description="result：punished 已实施惩戒 / rewarded 已实施激励 / not_involved 未涉及 / "
    "not_applicable 不适用（须填写 reason）。只有收到推送的部门可以反馈；重复提交同一反馈返回 200。"
    "recorded_check 可引用本部门为该主体（或该条目）所作的核查留痕编号。",
)
def feedback_create(request, payload: FeedbackIn):
    fb, created = services.feedback_create(
        actor=request.auth,
        entry_id=payload.entry_id,
        measure=payload.measure,
        result=payload.result,
        handled_on=payload.handled_on,
        matter_name=payload.matter_name,
        matter_document_no=payload.matter_document_no,
        reason=payload.reason,
        department=_department(request, payload.department) if payload.department else None,
        recorded_check=payload.recorded_check,
    )
    return Status(201 if created else 200, _fb_out(fb))


@router.get("/feedback", response=FeedbackPageOut, summary="执行反馈列表")
def feedback_list(request, entry_id: int | None = None, page: PageNumber = 1, page_size: PageSize = 20):
    result = selectors.feedback_list(actor=request.auth, entry_id=entry_id, page=page, page_size=page_size)
    return {"items": [_fb_out(f) for f in result.items], "meta": result.as_meta()}


class ImportOut(Schema):
    accepted: int
    duplicates: int
    rejected: int
    errors: list[dict[str, Any]]


@router.post(
    "/feedback/imports",
    response=ImportOut,
    summary="批量导入执行反馈（CSV/XLSX）",
    description="列：名单条目编号、措施代码、事项名称、文号、反馈结果、理由、实施日期。任一行有误则整个文件不导入。",
)
def feedback_import(request, file: File[UploadedFile], department: Form[str] = ""):
    result = services.feedback_import(
        actor=request.auth,
        fileobj=file,
        name=file.name,
        department=_department(request, department) if department else None,
    )
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "errors": result.errors,
    }
