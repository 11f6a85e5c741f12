"""/api/v1/commitments: 容缺受理 / 告知承诺 intake, fulfilment, breach, the 承诺书 PDF."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common.schemas import (
    Identifier,
    PageNumber,
    PageSize,
    StatusChangeOut,
    choice_of,
    one_of,
    required_text,
)

from . import selectors, services
from .models import BreachReason, CommitmentKind, CommitmentState
from .pdf import commitment_pdf

PREFIX = "/commitments"
router = Router(tags=["容缺受理与信用承诺"])

if TYPE_CHECKING:  # Literals built at run time from the model choices (the OpenAPI enums)
    Kind = str
    State = str
    Reason = str
    Matter = str
    SignatoryName = str
    BreachNote = str
else:
    BreachNote = required_text(2000)
    Matter = required_text(200)
    SignatoryName = required_text(100)
    Kind = choice_of(CommitmentKind.values)
    State = one_of(CommitmentState.values)
    Reason = choice_of(BreachReason.values)
WorkingDays = Annotated[int, Field(ge=1, le=services.MAX_WORKING_DAYS)]


class CommitmentChangeOut(StatusChangeOut):
    event: str = Field(description="变更事项：signed 签署承诺（履约中）/ fulfilled 履约 / broken 认定违约")


class CommitmentIn(Schema):
    identifier: Identifier
    matter: Matter
    missing_items: list[str]
    working_days: WorkingDays | None = None
    deadline: date | None = None
    signatory_name: SignatoryName
    signatory_role: str = "法定代表人"
    kind: Kind = "tolerance"
    application_no: str = ""
    signed_on: date | None = None


class FulfilIn(Schema):
    note: str = ""


class BreakIn(Schema):
    note: BreachNote
    reason: Reason = "false_promise"


def commitment_out(c) -> dict:
    breach = getattr(c, "breach", None) if c.state == "broken" else None
    return {
        "id": c.pk,
        "identifier": c.subject.identifier,
        "name": c.subject_name,
        "kind": c.kind,
        "department": c.department.code,
        "matter": c.matter,
        "application_no": c.application_no,
        "missing_items": c.missing_items,
        "signatory_name": c.signatory_name,
        "signatory_role": c.signatory_role,
        "signed_on": c.signed_on,
        "working_days": c.working_days,
        "deadline": c.deadline,
        "deadline_pending": c.deadline_pending,
        "state": c.state,
        "state_label": c.get_state_display(),
        "eligibility": c.eligibility,
        "reminded_at": c.reminded_at,
        "fulfilled_at": c.fulfilled_at,
        "breach": None
        if breach is None
        else {
            "id": breach.pk,
            "reason": breach.reason,
            "occurred_on": breach.occurred_on,
            "note": breach.note,
        },
    }


@router.get("/eligibility", summary="容缺受理资格检查（红名单或 A/B 级且不在黑名单）")
def eligibility(request, identifier: Identifier, on: date | None = None):
    ensure_can_view(request.auth)
    return services.commitment_eligibility(identifier=identifier, on=on)


@router.post(
    "",
    response={201: dict},
    summary="登记信用承诺书（容缺受理）",
    description="先检查资格；不符合条件、截止日不是工作日等返回 422，不写入任何数据。"
    "截止日落在节假日未配置的年度时返回 deadline=null、deadline_pending=true。",
)
def commitment_create(request, payload: CommitmentIn):
    c = services.commitment_create(actor=request.auth, **payload.dict())
    return Status(201, commitment_out(c))


@router.get("", summary="承诺书列表")
def commitment_list(
    request,
    identifier: Identifier | None = None,
    state: State | None = None,
    mine: bool = False,
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    ensure_can_view(request.auth)
    page_obj = selectors.commitment_list(
        department=request.auth.department if mine else None,
        identifier=identifier,
        state=state,
        page=page,
        page_size=page_size,
    )
    return {"items": [commitment_out(c) for c in page_obj.items], **page_obj.as_meta()}


@router.get("/{commitment_id}", summary="承诺书详情")
def commitment_detail(request, commitment_id: int):
    ensure_can_view(request.auth)
    return commitment_out(selectors.commitment_get(commitment_id))


@router.get(
    "/{commitment_id}/history",
    response=list[CommitmentChangeOut],
    summary="承诺书状态历史",
    description="承诺书的每次状态变更（旧到新）：变更前后状态、原因、操作人、记录时间（事务时间）和"
    "生效日期（有效时间：签署日期、履约日、违约日期）。",
)
def commitment_history(request, commitment_id: int):
    ensure_can_view(request.auth)
    return selectors.commitment_timeline(selectors.commitment_get(commitment_id))


@router.post("/{commitment_id}/fulfil", summary="登记履约（材料已补齐）")
def commitment_fulfil(request, commitment_id: int, payload: FulfilIn):
    c = services.commitment_fulfil(
        actor=request.auth, commitment=selectors.commitment_get(commitment_id), note=payload.note
    )
    return commitment_out(c)


@router.post(
    "/{commitment_id}/break", response={201: dict}, summary="认定违背承诺（承诺不实），自动生成失信记录"
)
def commitment_break(request, commitment_id: int, payload: BreakIn):
    services.commitment_break(
        actor=request.auth,
        commitment=selectors.commitment_get(commitment_id),
        note=payload.note,
        reason=payload.reason,
    )
    return Status(201, commitment_out(selectors.commitment_get(commitment_id)))


@router.get("/{commitment_id}/pdf", summary="打印承诺书（PDF）")
def commitment_pdf_view(request, commitment_id: int):
    ensure_can_view(request.auth)
    c = selectors.commitment_get(commitment_id)
    response = HttpResponse(commitment_pdf(c), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="commitment-{c.pk}.pdf"'
    return response
