"""Subject-facing online service on the portal (信用历下 → 异议与信用修复): identify with the
identifier and a one-time email code, then file objections (and repairs, in ``repairs``), follow
progress and download the written decisions. The verified identity lives in the session only."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from jointcredit.common.errors import DomainError

from . import forms, selectors, services, verification
from .evidence import evidence_of
from .letters import objection_letter_html, objection_letters_available, to_pdf
from .targets import contestable_reason, repair_refusal, target_get

SESSION_KEY = "jc_credit_subject"
SESSION_TTL = 2 * 3600


def verified(request) -> dict | None:
    data = request.session.get(SESSION_KEY)
    if not data or time.time() - data.get("at", 0) > SESSION_TTL:
        return None
    return data


def identify(request):
    if verified(request):
        return redirect("objections_public:mine")
    form = forms.IdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if is_ratelimited(request, group="credit-service-code", key="ip", rate="10/h", increment=True):
            messages.error(request, "验证码请求过于频繁，请稍后再试。")
        else:
            try:
                v = verification.verification_start(**form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                request.session["jc_credit_pending"] = {"identifier": v.identifier, "email": v.email}
                messages.success(request, f"验证码已发送至 {v.email}，10 分钟内有效。")
                return redirect("objections_public:verify")
    return render(request, "objections/public_identify.html", {"form": form})


def verify(request):
    pending = request.session.get("jc_credit_pending")
    if not pending:
        return redirect("objections_public:create")
    form = forms.VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            v = verification.verification_check(identifier=pending["identifier"], code=form.cleaned_data["code"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = {"identifier": v.identifier, "email": v.email, "at": time.time()}
            request.session.pop("jc_credit_pending", None)
            return redirect("objections_public:mine")
    return render(request, "objections/public_verify.html", {"form": form, "pending": pending})


@require_POST
def logout(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("objections_public:create")


def _targets(subject, today):
    """The subject's own information that can be contested or repaired."""
    from jointcredit.lists.models import EntryState, ListEntry
    from jointcredit.records.models import Penalty, RecordState

    from .targets import Target

    out = []
    for e in (ListEntry.objects.filter(subject=subject, state__in=[EntryState.NOTIFIED, EntryState.DECIDED,
                                                                   EntryState.PUBLISHED])
              .select_related("list_type", "department", "subject")):
        t = Target("list_entry", e)
        if contestable_reason(t, today) is None:
            out.append({"t": t, "under_objection": e.under_objection, "repair": repair_refusal(t, today)})
    for p in Penalty.objects.filter(subject=subject, state=RecordState.PUBLISHED).select_related("department", "subject"):
        t = Target("penalty", p)
        if p.display_status(today) == "public":
            out.append({"t": t, "under_objection": False, "repair": repair_refusal(t, today)})
    return out


def mine(request):
    who = verified(request)
    if not who:
        return redirect("objections_public:create")
    from jointcredit.repairs.selectors import repairs_for_subject
    from jointcredit.subjects.selectors import subject_find

    subject = subject_find(who["identifier"])
    today = timezone.localdate()
    return render(request, "objections/public_mine.html", {
        "subject": subject, "who": who, "targets": _targets(subject, today) if subject else [],
        "objections": selectors.objections_for_subject(who["identifier"]),
        "repairs": repairs_for_subject(who["identifier"])})


def objection_new(request, target_type: str, target_id: int):
    who = verified(request)
    if not who:
        return redirect("objections_public:create")
    try:
        target = target_get(target_type, target_id)
    except DomainError as exc:
        raise Http404(exc.message) from None
    if target.subject.identifier != who["identifier"]:
        raise Http404("只能对本主体的信息提出异议")
    form = forms.ObjectionForm(request.POST or None, request.FILES or None, initial={"contact_email": who["email"]})
    if request.method == "POST" and form.is_valid():
        try:
            o = services.objection_file(verified_identifier=who["identifier"], target_type=target_type,
                                        target_id=target_id, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"异议申请已提交（{o.case_no}），办理进展将通过邮件通知您。")
            return redirect("objections_public:detail", pk=o.pk)
    return render(request, "objections/public_new.html", {"form": form, "target": target})


def _own(request, pk):
    who = verified(request)
    if not who:
        return None, redirect("objections_public:create")
    try:
        o = selectors.objection_get(pk)
    except DomainError:
        raise Http404("申请不存在") from None
    if o.subject.identifier != who["identifier"]:
        raise Http404("申请不存在")
    return o, None


def objection_detail(request, pk: int):
    o, resp = _own(request, pk)
    if resp:
        return resp
    return render(request, "objections/public_detail.html", {
        "o": o, "letters": objection_letters_available(o), "evidence": evidence_of("objection", o.pk)})


def objection_letter(request, pk: int, letter: str):
    o, resp = _own(request, pk)
    if resp:
        return resp
    try:
        _, html = objection_letter_html(o, letter)
    except DomainError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="objection-{o.pk}-{letter}.pdf"'
    return response
