"""Online repair applications on the portal (identity from ``objections.public_views``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from jointcredit.common.errors import DomainError
from jointcredit.objections.evidence import evidence_of
from jointcredit.objections.letters import to_pdf
from jointcredit.objections.public_views import verified
from jointcredit.objections.targets import repair_earliest, repair_refusal, target_get

from . import forms, selectors, services
from .letters import commitment_template_html, repair_letter_html, repair_letters_available


def start(request):
    return redirect("objections_public:mine" if verified(request) else "objections_public:create")


def _target(request, target_type, target_id):
    who = verified(request)
    if not who:
        return None, None, redirect("objections_public:create")
    try:
        target = target_get(target_type, target_id)
    except DomainError as exc:
        raise Http404(exc.message) from None
    if target.subject.identifier != who["identifier"]:
        raise Http404("只能为本主体的信息申请信用修复")
    return who, target, None


def repair_new(request, target_type: str, target_id: int):
    who, target, resp = _target(request, target_type, target_id)
    if resp:
        return resp
    refusal = repair_refusal(target, timezone.localdate())
    form = forms.RepairForm(request.POST or None, request.FILES or None, initial={"contact_email": who["email"]})
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            r = services.repair_file(verified_identifier=who["identifier"], target_type=target_type,
                                     target_id=target_id, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"信用修复申请已提交（{r.case_no}），办理进展将通过邮件通知您。")
            return redirect("repairs_public:detail", pk=r.pk)
    return render(request, "repairs/public_new.html", {"form": form, "target": target, "refusal": refusal,
                                                       "earliest": repair_earliest(target)[0]})


def commitment_template(request, target_type: str, target_id: int):
    who, target, resp = _target(request, target_type, target_id)
    if resp:
        return resp
    html = commitment_template_html(subject_name=target.subject_name, identifier=target.subject.identifier,
                                    target_label=target.label)
    response = HttpResponse(to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="commitment-template.pdf"'
    return response


def _own(request, pk):
    who = verified(request)
    if not who:
        return None, redirect("objections_public:create")
    try:
        r = selectors.repair_get(pk)
    except DomainError:
        raise Http404("申请不存在") from None
    if r.subject.identifier != who["identifier"]:
        raise Http404("申请不存在")
    return r, None


def repair_detail(request, pk: int):
    r, resp = _own(request, pk)
    if resp:
        return resp
    return render(request, "repairs/public_detail.html", {
        "r": r, "letters": repair_letters_available(r), "evidence": evidence_of("repair", r.pk)})


def repair_letter(request, pk: int, letter: str):
    r, resp = _own(request, pk)
    if resp:
        return resp
    try:
        _, html = repair_letter_html(r, letter)
    except DomainError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="repair-{r.pk}-{letter}.pdf"'
    return response
