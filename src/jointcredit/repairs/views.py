"""Staff pages for repair applications (the shared ``casework.views.CasePages``)."""

from __future__ import annotations

from jointcredit.casework.forms import NoteForm, ReasonForm
from jointcredit.casework.views import CasePages, Step

from . import forms, services
from .kind import REPAIR
from .models import RepairState

STEPS = {
    "accept": Step(None, services.repair_accept, "已受理，请在 3 个工作日内作出决定。"),
    "approve": Step(
        NoteForm,
        services.repair_approve,
        "已准予修复：停止公示和联合惩戒，已通知各接收部门。",
        data=lambda d: {"decision": d.get("note", "")},
    ),
    "reject": Step(ReasonForm, services.repair_reject, "已作出不予修复决定。"),
    "urge": Step(NoteForm, services.repair_urge, "已催办。"),
    "evidence": Step(forms.EvidenceForm, services.repair_evidence_add, "已上传补充材料。"),
}


def _actions(r, can) -> list[dict]:
    out = []
    if r.state == RepairState.SUBMITTED and can.write:
        out.append({"step": "accept", "label": "受理"})
    if r.state == RepairState.UNDER_REVIEW and can.decide:
        out.append({"step": "approve", "label": "准予修复", "form": NoteForm()})
    if r.is_open and can.decide:
        out.append({"step": "reject", "label": "不予受理/不予修复", "form": ReasonForm()})
    if r.is_open and can.write:
        out.append({"step": "evidence", "label": "补充材料", "form": forms.EvidenceForm(), "multipart": True})
    if r.is_open and can.office:
        out.append({"step": "urge", "label": "催办", "form": NoteForm()})
    return out


# the step forms' errors are named by field, not by label, on these pages (as they always were)
pages = CasePages(
    REPAIR,
    new_form=forms.StaffRepairForm,
    file=services.repair_file,
    filed="已登记信用修复申请 {case_no}。",
    steps=STEPS,
    actions=_actions,
    error_labels=False,
)
