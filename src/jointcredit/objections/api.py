"""/api/v1/objections (异议处理) and /api/v1/sync-receipts (修复/更正结果同步回执).

Transitions are POST /objections/{id}/{accept|reject|review|uphold|correct}; an illegal step is
409 with the current state in ``error.details[0].current_state``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.casework import endpoints as shared
from jointcredit.casework import receipts
from jointcredit.casework import selectors as cases
from jointcredit.casework.evidence import MAX_FILES, evidence_of
from jointcredit.casework.models import ReceiptChannel, ReceiptSource, TargetType
from jointcredit.common.schemas import PageNumber, PageSize, choice_of, one_of, required_text
from jointcredit.common.validation import TEXT_MAX

from . import selectors, services
from .kind import OBJECTION
from .letters import objection_letters_available
from .models import Resolution

PREFIX = ""
router = Router(tags=["异议处理"])

if TYPE_CHECKING:  # Literals built at run time from the model choices (the OpenAPI enums)
    Target = str
    ResolutionChoice = str
    Source = str
    Text = str
    ContactName = str
else:
    Text = required_text(TEXT_MAX)
    ContactName = required_text(100)
    Target = choice_of(TargetType.values)
    ResolutionChoice = choice_of(Resolution.values)
    Source = one_of(ReceiptSource.values)


class ObjectionIn(Schema):
    target_type: Target
    target_id: int
    statement: Text
    contact_name: ContactName
    contact_email: shared.ContactEmail
    contact_phone: str = ""


class ObjectionDecisionIn(Schema):
    decision: Text


class ObjectionCorrectIn(Schema):
    decision: Text
    resolution: ResolutionChoice = "revoke"
    reason: str | None = None
    legal_basis: str | None = None
    valid_until: date | None = None


def objection_out(o) -> dict:
    return {
        "id": o.pk,
        "case_no": o.case_no,
        "state": o.state,
        "state_label": o.get_state_display(),
        "identifier": o.subject.identifier,
        "name": o.subject_name,
        "target_type": o.target_type,
        "target_id": o.target_id,
        "target": o.target_label,
        "department": o.department.code,
        "department_name": o.department.name,
        "statement": o.statement,
        "channel": o.channel,
        "contact_name": o.contact_name,
        "contact_email": o.contact_email,
        "accept_due": o.accept_due,
        "accept_due_pending": o.state == "submitted" and o.accept_due is None,
        "decide_due": o.decide_due,
        "decide_due_pending": o.state in ("accepted", "under_review") and o.decide_due is None,
        "overdue": selectors.is_overdue(o),
        "accepted_at": o.accepted_at,
        "decided_at": o.decided_at,
        "not_accepted_reason": o.not_accepted_reason,
        "decision": o.decision,
        "resolution": o.resolution,
        "urge_count": o.urge_count,
        "created_at": o.created_at,
        "letters": [k for k, _ in objection_letters_available(o)],
        "evidence": [shared.evidence_out(e) for e in evidence_of("objection", o.pk)],
    }


shared.case_endpoints(
    router,
    OBJECTION,
    path="/objections/{objection_id}",
    param="objection_id",
    get=selectors.objection_get,
    out=objection_out,
    create=(
        ObjectionIn,
        services.objection_file,
        "登记异议（部门代为登记）",
        "对象为名单条目（list_entry）或双公示记录（penalty/license），只能由该信息的认定/决定部门"
        "经办人代为登记；同一信息有未办结异议时返回 409。证明材料用 POST /objections/{id}/evidence 上传。",
    ),
    list_summary="异议列表（分页）",
    detail_summary="异议详情",
)


@router.post(
    "/objections/{objection_id}/evidence", response={201: dict}, summary="上传证明材料（PDF/JPG/PNG）"
)
def objection_evidence(
    request,
    objection_id: int,
    files: list[UploadedFile] = File(..., max_length=MAX_FILES),
):
    out = services.objection_evidence_add(
        actor=request.auth, objection=selectors.objection_get(objection_id), files=files
    )
    return Status(201, {"items": [shared.evidence_out(e) for e in out]})


shared.step_endpoints(
    router,
    OBJECTION,
    path="/objections/{objection_id}",
    param="objection_id",
    get=selectors.objection_get,
    out=objection_out,
    steps=[
        shared.StepEndpoint("accept", services.objection_accept, "受理（条目标注“异议中”）"),
        shared.StepEndpoint("reject", services.objection_reject, "不予受理（须写明理由）", shared.ReasonIn),
        shared.StepEndpoint("review", services.objection_review, "开始核查"),
        shared.StepEndpoint(
            "uphold",
            services.objection_uphold,
            "驳回异议（信息维持不变；仅认定部门审批人）",
            ObjectionDecisionIn,
        ),
        shared.StepEndpoint(
            "correct",
            services.objection_correct,
            "异议成立：撤销或更正（仅认定部门审批人）",
            ObjectionCorrectIn,
        ),
        shared.StepEndpoint("urge", services.objection_urge, "催办（信用办）", shared.NoteIn),
    ],
)
shared.letter_endpoint(
    router,
    OBJECTION,
    path="/objections/{objection_id}",
    param="objection_id",
    get=selectors.objection_get,
    summary="文书 PDF：accept 受理通知书 / not_accepted 不予受理通知书 / decision 异议处理决定书",
)


@router.get("/sync-receipts", summary="结果同步回执（分页）")
def receipt_list(
    request,
    mine: bool = False,
    pending: bool | None = None,
    source_type: Source | None = None,
    source_id: int | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    ensure_can_view(request.auth)
    p = cases.receipt_list(
        department=request.auth.department if mine else None,
        pending=pending,
        source_type=source_type,
        source_id=source_id,
        page=page,
        page_size=page_size,
    )
    return {"items": [shared.receipt_out(r) for r in p.items], **p.as_meta()}


@router.post("/sync-receipts/{receipt_id}/acknowledge", summary="确认已同步修复/更正结果（接收部门）")
def receipt_acknowledge(request, receipt_id: int, payload: shared.NoteIn):
    r = receipts.receipt_acknowledge(
        actor=request.auth,
        receipt=cases.receipt_get(receipt_id),
        note=payload.note,
        channel=ReceiptChannel.API,
    )
    return shared.receipt_out(r)
