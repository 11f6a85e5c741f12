"""/api/v1/repairs (信用修复): POST /repairs, POST /repairs/{id}/{accept|approve|reject}."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.casework import endpoints as shared
from jointcredit.casework.evidence import MAX_FILES, evidence_of
from jointcredit.casework.models import Evidence, TargetType
from jointcredit.casework.selectors import receipts_of
from jointcredit.common.schemas import choice_of, one_of, required_text
from jointcredit.common.validation import TEXT_MAX

from . import selectors, services
from .kind import REPAIR
from .letters import repair_letters_available

PREFIX = "/repairs"
router = Router(tags=["信用修复"])

if TYPE_CHECKING:  # Literals built at run time from the model choices (the OpenAPI enums)
    Target = str
    TargetFilter = str
    EvidenceKind = str
    Text = str
    Name100 = str
else:
    Text = required_text(TEXT_MAX)
    Name100 = required_text(100)
    Target = choice_of(TargetType.values)
    TargetFilter = one_of(TargetType.values)
    EvidenceKind = choice_of([Evidence.Kind.PROOF, Evidence.Kind.COMMITMENT])


class RepairIn(Schema):
    target_type: Target
    target_id: int
    correction: Text
    commitment_signatory: Name100
    commitment_role: str = "法定代表人"
    commitment_accepted: bool
    contact_name: Name100
    contact_email: shared.ContactEmail
    contact_phone: str = ""


class RepairDecisionIn(Schema):
    decision: str = ""


def repair_out(r) -> dict:
    return {
        "id": r.pk,
        "case_no": r.case_no,
        "state": r.state,
        "state_label": r.get_state_display(),
        "identifier": r.subject.identifier,
        "name": r.subject_name,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "target": r.target_label,
        "department": r.department.code,
        "department_name": r.department.name,
        "correction": r.correction,
        "channel": r.channel,
        "commitment_signatory": r.commitment_signatory,
        "commitment_role": r.commitment_role,
        "commitment_signed_on": r.commitment_signed_on,
        "earliest_on": r.earliest_on,
        "accepted_at": r.accepted_at,
        "decide_due": r.decide_due,
        "decide_due_pending": r.state == "under_review" and r.decide_due is None,
        "overdue": selectors.is_overdue(r),
        "decided_at": r.decided_at,
        "decision": r.decision,
        "created_at": r.created_at,
        "letters": [k for k, _ in repair_letters_available(r)],
        "evidence": [shared.evidence_out(e) for e in evidence_of("repair", r.pk)],
        "receipts": [shared.receipt_out(x) for x in receipts_of("repair", r.pk)],
    }


@router.get("/check", summary="能否申请信用修复（最短公示期、是否可修复）")
def repair_check(request, target_type: TargetFilter, target_id: int):
    ensure_can_view(request.auth)
    return services.repair_check(target_type=target_type, target_id=target_id)


shared.case_endpoints(
    router,
    REPAIR,
    path="/{repair_id}",
    param="repair_id",
    get=selectors.repair_get,
    out=repair_out,
    create=(
        RepairIn,
        services.repair_file,
        "登记信用修复申请（部门代为登记）",
        "最短公示期未满或不可修复时返回 422（details[0].rule = min_repair_period / not_repairable，"
        "earliest_on 为最早可申请日期），不写入任何数据。材料用 POST /repairs/{id}/evidence 上传。",
    ),
    list_summary="信用修复申请列表（分页）",
    detail_summary="信用修复申请详情（含同步回执）",
)


@router.post(
    "/{repair_id}/evidence", response={201: dict}, summary="上传履行/整改证明或签署的承诺书（PDF/JPG/PNG）"
)
def repair_evidence(
    request,
    repair_id: int,
    files: list[UploadedFile] = File(..., max_length=MAX_FILES),
    kind: EvidenceKind = Form("proof"),
):
    out = services.repair_evidence_add(
        actor=request.auth, repair=selectors.repair_get(repair_id), files=files, kind=kind
    )
    return Status(201, {"items": [shared.evidence_out(e) for e in out]})


shared.step_endpoints(
    router,
    REPAIR,
    path="/{repair_id}",
    param="repair_id",
    get=selectors.repair_get,
    out=repair_out,
    steps=[
        shared.StepEndpoint("accept", services.repair_accept, "受理（3 个工作日内决定）"),
        shared.StepEndpoint(
            "approve",
            services.repair_approve,
            "准予修复（停止公示和联合惩戒，推送移出事件；仅认定部门审批人）",
            RepairDecisionIn,
        ),
        shared.StepEndpoint(
            "reject",
            services.repair_reject,
            "不予受理/不予修复（须写明理由；仅认定部门审批人）",
            shared.ReasonIn,
        ),
        shared.StepEndpoint("urge", services.repair_urge, "催办（信用办）", shared.NoteIn),
    ],
)
shared.letter_endpoint(
    router,
    REPAIR,
    path="/{repair_id}",
    param="repair_id",
    get=selectors.repair_get,
    summary="文书 PDF：decision 信用修复决定书 / commitment 信用承诺书",
)
