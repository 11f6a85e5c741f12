"""上下联动 API: held inbound items and rejected outgoing items (handle, re-send), an exchange round
on demand, the latest reconciliation. Staff only; writes checked against the department's rights."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from jointcredit.accounts.permissions import ensure_office_admin
from jointcredit.common.pagination import paginate
from jointcredit.common.schemas import PageNumber, PageSize

from . import selectors, services
from .models import InboundItem, OutgoingItem

PREFIX = "/platforms"
router = Router(tags=["上下联动"])


class PageMeta(Schema):
    page: int
    page_size: int
    total: int
    pages: int


class PlatformOut(Schema):
    code: str
    name: str
    transport: str
    region_code: str
    receiving_department: str
    is_active: bool
    last_exchange_at: str | None
    last_error: str
    rejection_rate: float | None
    lag_seconds: int
    held: int


class InboundItemOut(Schema):
    id: int
    platform: str
    item_key: str
    kind: str
    kind_label: str
    authority: str | None
    state: str
    state_label: str
    reason: str
    entry_id: int | None
    record_type: str
    record_id: int | None
    payload: dict[str, Any]
    received_at: str


class InboundPageOut(Schema):
    items: list[InboundItemOut]
    meta: PageMeta


class OutgoingItemOut(Schema):
    id: int
    platform: str
    idempotency_key: str
    item_type: str
    action: str
    source_key: str
    state: str
    state_label: str
    rejection_reason: str
    payload: dict[str, Any]


class OutgoingPageOut(Schema):
    items: list[OutgoingItemOut]
    meta: PageMeta


class ApplyIn(Schema):
    corrections: dict[str, str] = {}


class RejectIn(Schema):
    reason: str


class ReconciliationOut(Schema):
    platform: str
    run_at: str
    district_count: int
    platform_count: int
    district_record_count: int
    platform_record_count: int
    lines: list[dict[str, Any]]


def _inbound_out(i: InboundItem) -> dict:
    return {
        "id": i.pk,
        "platform": i.platform.code,
        "item_key": i.item_key,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "authority": i.authority.name if i.authority else None,
        "state": i.state,
        "state_label": i.get_state_display(),
        "reason": i.reason,
        "entry_id": i.entry_id,
        "record_type": i.record_type,
        "record_id": i.record_id,
        "payload": i.payload,
        "received_at": i.received_at.isoformat(),
    }


def _outgoing_out(i: OutgoingItem) -> dict:
    return {
        "id": i.pk,
        "platform": i.platform.code,
        "idempotency_key": i.idempotency_key,
        "item_type": i.item_type,
        "action": i.action,
        "source_key": i.source_key,
        "state": i.state,
        "state_label": i.get_state_display(),
        "rejection_reason": i.rejection_reason,
        "payload": i.payload,
    }


@router.get("", response=list[PlatformOut], summary="上级平台及交换状态")
def platform_list(request):
    out = []
    for p in selectors.platform_list():
        f = selectors.exchange_figures(p, days=1)
        out.append(
            {
                "code": p.code,
                "name": p.name,
                "transport": p.transport,
                "region_code": p.region_code,
                "receiving_department": p.receiving_department.code,
                "is_active": p.is_active,
                "last_exchange_at": p.last_exchange_at.isoformat() if p.last_exchange_at else None,
                "last_error": p.last_error,
                "rejection_rate": f["rejection_rate"],
                "lag_seconds": f["lag_seconds"],
                "held": f["held"],
            }
        )
    return out


@router.get(
    "/held-items",
    response=InboundPageOut,
    summary="暂挂的下发事项",
    description="上级平台下发但无法直接生效的事项（主体标识不合法、名单类型无法对应、找不到对应条目等）及原因。",
)
def held_items(request, page: PageNumber = 1, page_size: PageSize = 20):
    result = paginate(
        selectors.held_items_filter(department_id=selectors.department_scope(request.auth)),
        page=page,
        page_size=page_size,
    )
    return {"items": [_inbound_out(i) for i in result.items], "meta": result.as_meta()}


@router.post("/held-items/{item_id}/apply", response=InboundItemOut, summary="更正并生效暂挂事项")
def held_item_apply(request, item_id: int, payload: ApplyIn):
    item = services.inbound_item_apply(
        item=selectors.inbound_item_get(item_id), actor=request.auth, corrections=payload.corrections
    )
    return _inbound_out(item)


@router.post("/held-items/{item_id}/reject", response=InboundItemOut, summary="退回暂挂事项")
def held_item_reject(request, item_id: int, payload: RejectIn):
    item = services.inbound_item_reject(
        item=selectors.inbound_item_get(item_id), actor=request.auth, reason=payload.reason
    )
    return _inbound_out(item)


@router.get("/rejected-items", response=OutgoingPageOut, summary="被上级平台退回的上报事项")
def rejected_items(request, page: PageNumber = 1, page_size: PageSize = 20):
    result = paginate(
        selectors.rejected_items_filter(department_id=selectors.department_scope(request.auth)),
        page=page,
        page_size=page_size,
    )
    return {"items": [_outgoing_out(i) for i in result.items], "meta": result.as_meta()}


@router.post("/rejected-items/{item_id}/resend", response=OutgoingItemOut, summary="更正后重新上报")
def rejected_item_resend(request, item_id: int):
    again = services.outgoing_item_resend(item=selectors.outgoing_item_get(item_id), actor=request.auth)
    return _outgoing_out(again)


@router.post("/{code}/exchange", response=dict[str, int], summary="立即与上级平台交换一轮（办公室）")
def platform_exchange(request, code: str):
    return services.platform_exchange_request(actor=request.auth, platform=selectors.platform_get(code))


@router.get(
    "/{code}/reconciliation",
    response={200: ReconciliationOut, 204: None},
    summary="最近一次对账报告（办公室）",
)
def reconciliation(request, code: str):
    ensure_office_admin(request.auth)
    report = selectors.reconciliation_latest(selectors.platform_get(code))
    if report is None:
        return 204, None
    return {
        "platform": code,
        "run_at": report.run_at.isoformat(),
        "district_count": report.district_count,
        "platform_count": report.platform_count,
        "district_record_count": report.district_record_count,
        "platform_record_count": report.platform_record_count,
        "lines": report.lines,
    }
