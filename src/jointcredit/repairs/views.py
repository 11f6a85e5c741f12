"""Staff pages for repair applications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jointcredit.accounts.models import Role
from jointcredit.accounts.permissions import can_write_for
from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or as _int
from jointcredit.objections import forms as oforms
from jointcredit.objections.evidence import evidence_of
from jointcredit.objections.letters import to_pdf
from jointcredit.objections.selectors import receipts_of

from . import forms, selectors, services
from .letters import repair_letter_html, repair_letters_available
from .models import RepairState

STEPS = {
    "accept": (None, services.repair_accept, "已受理，请在 3 个工作日内作出决定。"),
    "approve": (oforms.NoteForm, services.repair_approve, "已准予修复：停止公示和联合惩戒，已通知各接收部门。"),
    "reject": (oforms.ReasonForm, services.repair_reject, "已作出不予修复决定。"),
    "urge": (oforms.NoteForm, services.repair_urge, "已催办。"),
    "evidence": (forms.EvidenceForm, services.repair_evidence_add, "已上传补充材料。"),
}



@login_required
def repair_list(request):
    f = {k: request.GET.get(k, "").strip() for k in ("state", "mine", "overdue", "identifier")}
    error, page = None, None
    try:
        page = selectors.repair_list(department=request.user.department if f["mine"] else None,
                                     state=f["state"] or None, identifier=f["identifier"] or None,
                                     overdue=bool(f["overdue"]), page=_int(request.GET.get("page"), 1))
    except DomainError as exc:
        error = exc.message
    today = timezone.localdate()
    for r in page.items if page else []:
        r.overdue = selectors.is_overdue(r, today)
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(request, "repairs/list.html", {"f": f, "page": page, "error": error, "query": query,
                                                 "states": RepairState.choices})


@login_required
def repair_new(request):
    form = forms.StaffRepairForm(request.POST or None, request.FILES or None,
                                 initial={"target_type": request.GET.get("target_type", "list_entry"),
                                          "target_id": request.GET.get("target_id", "")})
    if request.method == "POST" and form.is_valid():
        try:
            r = services.repair_file(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记信用修复申请 {r.case_no}。")
            return redirect("repairs:detail", pk=r.pk)
    return render(request, "repairs/new.html", {"form": form})


def _actions(r, user) -> list[dict]:
    can_write = can_write_for(user, r.department)
    can_decide = user.has_role(Role.APPROVER) and user.department_id == r.department_id
    out = []
    if r.state == RepairState.SUBMITTED and can_write:
        out.append({"step": "accept", "label": "受理"})
    if r.state == RepairState.UNDER_REVIEW and can_decide:
        out.append({"step": "approve", "label": "准予修复", "form": oforms.NoteForm()})
    if r.is_open and can_decide:
        out.append({"step": "reject", "label": "不予受理/不予修复", "form": oforms.ReasonForm()})
    if r.is_open and can_write:
        out.append({"step": "evidence", "label": "补充材料", "form": forms.EvidenceForm(), "multipart": True})
    if r.is_open and (user.is_office_admin or user.is_superuser):
        out.append({"step": "urge", "label": "催办", "form": oforms.NoteForm()})
    return out


@login_required
def repair_detail(request, pk: int):
    try:
        r = selectors.repair_get(pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    history = AuditEvent.objects.filter(object_type="repairs.repairapplication", object_id=str(r.pk)).order_by("id")
    return render(request, "repairs/detail.html", {
        "r": r, "overdue": selectors.is_overdue(r), "actions": _actions(r, request.user),
        "evidence": evidence_of("repair", r.pk), "letters": repair_letters_available(r),
        "receipts": receipts_of("repair", r.pk), "history": history})


@login_required
@require_POST
def repair_action(request, pk: int, step: str):
    if step not in STEPS:
        raise Http404("未知操作")
    form_cls, service, ok = STEPS[step]
    try:
        r = selectors.repair_get(pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    data = {}
    if form_cls is not None:
        form = form_cls(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "；".join(f"{k}：{'，'.join(v)}" for k, v in form.errors.items()))
            return redirect("repairs:detail", pk=pk)
        data = dict(form.cleaned_data)
        if step == "approve":
            data = {"decision": data.get("note", "")}
    try:
        service(actor=request.user, repair=r, **data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("repairs:detail", pk=pk)


@login_required
def repair_letter(request, pk: int, letter: str, fmt: str):
    try:
        r = selectors.repair_get(pk)
        title, html = repair_letter_html(r, letter)
    except DomainError as exc:
        raise Http404(exc.message) from None
    if fmt == "pdf":
        response = HttpResponse(to_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="repair-{r.pk}-{letter}.pdf"'
        return response
    if fmt != "html":
        raise Http404("格式不支持")
    return HttpResponse(html)
