"""Staff pages: objections of my department (or all, for the office), detail with the steps,
letters (the shared ``casework.views.CasePages``), evidence download, result-sync receipts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.permissions import can_write_for
from jointcredit.casework import receipts
from jointcredit.casework import selectors as cases
from jointcredit.casework.forms import EvidenceForm, NoteForm, ReasonForm
from jointcredit.casework.models import Evidence, ReceiptChannel
from jointcredit.casework.views import CasePages, Step
from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or as _int

from . import forms, services
from .kind import OBJECTION
from .models import ObjectionState

STEPS = {
    "accept": Step(None, services.objection_accept, "已受理，条目已标注“异议中”。"),
    "reject": Step(ReasonForm, services.objection_reject, "已作出不予受理决定。"),
    "review": Step(None, services.objection_review, "已开始核查。"),
    "uphold": Step(forms.DecisionForm, services.objection_uphold, "已驳回异议。"),
    "correct": Step(forms.CorrectForm, services.objection_correct, "异议成立，已撤销/更正并通知各接收部门。"),
    "urge": Step(NoteForm, services.objection_urge, "已催办。"),
    "evidence": Step(EvidenceForm, services.objection_evidence_add, "已上传补充材料。"),
}


def _actions(o, can) -> list[dict]:
    out = []
    if o.state == ObjectionState.SUBMITTED and can.write:
        out += [
            {"step": "accept", "label": "受理"},
            {"step": "reject", "label": "不予受理", "form": ReasonForm()},
        ]
    if o.state == ObjectionState.ACCEPTED and can.write:
        out.append({"step": "review", "label": "开始核查"})
    if o.state == ObjectionState.UNDER_REVIEW:
        if can.decide:
            out += [
                {"step": "uphold", "label": "驳回异议（信息维持）", "form": forms.DecisionForm()},
                {"step": "correct", "label": "异议成立（撤销/更正）", "form": forms.CorrectForm()},
            ]
        elif can.write:
            out.append(
                {"step": "", "label": "作出决定", "blocked": f"只有{o.department.name}的审批人可以作出决定。"}
            )
    if o.is_open and can.write:
        out.append({"step": "evidence", "label": "补充材料", "form": EvidenceForm(), "multipart": True})
    if o.is_open and can.office:
        out.append({"step": "urge", "label": "催办", "form": NoteForm()})
    return out


pages = CasePages(
    OBJECTION,
    new_form=forms.StaffObjectionForm,
    file=services.objection_file,
    filed="已登记异议 {case_no}。",
    steps=STEPS,
    actions=_actions,
)


@login_required
def evidence_download(request, pk: int):
    ev = Evidence.objects.filter(pk=pk).first()
    if ev is None:
        raise Http404("材料不存在")
    return FileResponse(
        ev.file.open("rb"), content_type=ev.content_type, as_attachment=True, filename=ev.name
    )


@login_required
def receipt_list(request):
    mine = bool(request.GET.get("mine"))
    pending = request.GET.get("pending")
    page = cases.receipt_list(
        department=request.user.department if mine else None,
        pending=True if pending == "1" else (False if pending == "0" else None),
        page=_int(request.GET.get("page"), 1),
    )
    for r in page.items:
        r.can_ack = r.acknowledged_at is None and can_write_for(request.user, r.department)
    return render(
        request,
        "objections/receipts.html",
        {
            "page": page,
            "mine": mine,
            "pending": pending or "",
            "query": f"mine={'1' if mine else ''}&pending={pending or ''}",
        },
    )


@login_required
@require_POST
def receipt_ack(request, pk: int):
    try:
        receipts.receipt_acknowledge(
            actor=request.user,
            receipt=cases.receipt_get(pk),
            note=request.POST.get("note", ""),
            channel=ReceiptChannel.UI,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认回执。")
    return redirect("objections:receipts")
