"""Staff pages: objections of my department (or all, for the office), detail with the steps,
letters, evidence download, result-sync receipts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jointcredit.accounts.models import Role
from jointcredit.accounts.permissions import can_write_for
from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or as _int

from . import forms, receipts, selectors, services
from .evidence import evidence_of
from .letters import objection_letter_html, objection_letters_available, to_pdf
from .models import Evidence, ObjectionState, ReceiptChannel

STEPS = {
    "accept": (None, services.objection_accept, "已受理，条目已标注“异议中”。"),
    "reject": (forms.ReasonForm, services.objection_reject, "已作出不予受理决定。"),
    "review": (None, services.objection_review, "已开始核查。"),
    "uphold": (forms.DecisionForm, services.objection_uphold, "已驳回异议。"),
    "correct": (forms.CorrectForm, services.objection_correct, "异议成立，已撤销/更正并通知各接收部门。"),
    "urge": (forms.NoteForm, services.objection_urge, "已催办。"),
    "evidence": (forms.EvidenceForm, services.objection_evidence_add, "已上传补充材料。"),
}



@login_required
def objection_list(request):
    f = {k: request.GET.get(k, "").strip() for k in ("state", "mine", "overdue", "identifier")}
    error, page = None, None
    try:
        page = selectors.objection_list(department=request.user.department if f["mine"] else None,
                                        state=f["state"] or None, identifier=f["identifier"] or None,
                                        overdue=bool(f["overdue"]), page=_int(request.GET.get("page"), 1))
    except DomainError as exc:
        error = exc.message
    today = timezone.localdate()
    for o in page.items if page else []:
        o.overdue = selectors.is_overdue(o, today)
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(request, "objections/list.html", {"f": f, "page": page, "error": error, "query": query,
                                                     "states": ObjectionState.choices})


@login_required
def objection_new(request):
    form = forms.StaffObjectionForm(request.POST or None, request.FILES or None,
                                    initial={"target_type": request.GET.get("target_type", "list_entry"),
                                             "target_id": request.GET.get("target_id", "")})
    if request.method == "POST" and form.is_valid():
        try:
            o = services.objection_file(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记异议 {o.case_no}。")
            return redirect("objections:detail", pk=o.pk)
    return render(request, "objections/new.html", {"form": form})


def _actions(o, user) -> list[dict]:
    can_write = can_write_for(user, o.department)
    can_decide = user.has_role(Role.APPROVER) and user.department_id == o.department_id
    out = []
    if o.state == ObjectionState.SUBMITTED and can_write:
        out += [{"step": "accept", "label": "受理"}, {"step": "reject", "label": "不予受理", "form": forms.ReasonForm()}]
    if o.state == ObjectionState.ACCEPTED and can_write:
        out.append({"step": "review", "label": "开始核查"})
    if o.state == ObjectionState.UNDER_REVIEW:
        if can_decide:
            out += [{"step": "uphold", "label": "驳回异议（信息维持）", "form": forms.DecisionForm()},
                    {"step": "correct", "label": "异议成立（撤销/更正）", "form": forms.CorrectForm()}]
        elif can_write:
            out.append({"step": "", "label": "作出决定", "blocked": f"只有{o.department.name}的审批人可以作出决定。"})
    if o.is_open and can_write:
        out.append({"step": "evidence", "label": "补充材料", "form": forms.EvidenceForm(), "multipart": True})
    if o.is_open and (user.is_office_admin or user.is_superuser):
        out.append({"step": "urge", "label": "催办", "form": forms.NoteForm()})
    return out


@login_required
def objection_detail(request, pk: int):
    try:
        o = selectors.objection_get(pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    history = AuditEvent.objects.filter(object_type="objections.objection", object_id=str(o.pk)).order_by("id")
    return render(request, "objections/detail.html", {
        "o": o, "overdue": selectors.is_overdue(o), "actions": _actions(o, request.user),
        "evidence": evidence_of("objection", o.pk), "letters": objection_letters_available(o),
        "receipts": selectors.receipts_of("objection", o.pk), "history": history})


@login_required
@require_POST
def objection_action(request, pk: int, step: str):
    if step not in STEPS:
        raise Http404("未知操作")
    form_cls, service, ok = STEPS[step]
    try:
        o = selectors.objection_get(pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    data = {}
    if form_cls is not None:
        form = form_cls(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "；".join(f"{form.fields[k].label if k in form.fields else k}：{'，'.join(v)}"
                                             for k, v in form.errors.items()))
            return redirect("objections:detail", pk=pk)
        data = form.cleaned_data
    try:
        service(actor=request.user, objection=o, **data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("objections:detail", pk=pk)


@login_required
def objection_letter(request, pk: int, letter: str, fmt: str):
    try:
        o = selectors.objection_get(pk)
        title, html = objection_letter_html(o, letter)
    except DomainError as exc:
        raise Http404(exc.message) from None
    if fmt == "pdf":
        response = HttpResponse(to_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="objection-{o.pk}-{letter}.pdf"'
        return response
    if fmt != "html":
        raise Http404("格式不支持")
    return HttpResponse(html)


@login_required
def evidence_download(request, pk: int):
    ev = Evidence.objects.filter(pk=pk).first()
    if ev is None:
        raise Http404("材料不存在")
    return FileResponse(ev.file.open("rb"), content_type=ev.content_type, as_attachment=True, filename=ev.name)


@login_required
def receipt_list(request):
    mine = bool(request.GET.get("mine"))
    pending = request.GET.get("pending")
    page = selectors.receipt_list(department=request.user.department if mine else None,
                                  pending=True if pending == "1" else (False if pending == "0" else None),
                                  page=_int(request.GET.get("page"), 1))
    for r in page.items:
        r.can_ack = r.acknowledged_at is None and can_write_for(request.user, r.department)
    return render(request, "objections/receipts.html", {"page": page, "mine": mine, "pending": pending or "",
                                                        "query": f"mine={'1' if mine else ''}&pending={pending or ''}"})


@login_required
@require_POST
def receipt_ack(request, pk: int):
    try:
        receipts.receipt_acknowledge(actor=request.user, receipt=selectors.receipt_get(pk),
                                     note=request.POST.get("note", ""), channel=ReceiptChannel.UI)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认回执。")
    return redirect("objections:receipts")
