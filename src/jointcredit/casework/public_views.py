"""Subject-facing online service on the portal (信用历下 → 异议与信用修复): identify with the
identifier and a one-time email code, see the own information that can be contested or repaired,
file, follow progress and download the written decisions. The verified identity lives in the
session only (2 hours) and every page re-checks that the case or target is the subject's own.

URL names stay ``objections_public:create|verify|mine|logout`` (the portal's guides link to them);
each app's ``public_views.py`` binds the case pages below to its ``CaseKind``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from jointcredit.common import clock
from jointcredit.common.errors import DomainError

from . import forms, selectors, verification
from .evidence import evidence_of
from .kinds import CaseKind, case_kind
from .letters import letter_html, letters_available, pdf_response
from .targets import Target, contestable_reason, repair_refusal, target_get

SESSION_KEY = "jc_credit_subject"
SESSION_TTL = 2 * 3600
START = "objections_public:create"


def verified(request) -> dict | None:
    data = request.session.get(SESSION_KEY)
    if not data or clock.timestamp() - data.get("at", 0) > SESSION_TTL:
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
    return render(request, "casework/public_identify.html", {"form": form})


def verify(request):
    pending = request.session.get("jc_credit_pending")
    if not pending:
        return redirect(START)
    form = forms.VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            v = verification.verification_check(
                identifier=pending["identifier"], code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = {
                "identifier": v.identifier,
                "email": v.email,
                "at": clock.timestamp(),
            }
            request.session.pop("jc_credit_pending", None)
            return redirect("objections_public:mine")
    return render(request, "casework/public_verify.html", {"form": form, "pending": pending})


@require_POST
def logout(request):
    request.session.pop(SESSION_KEY, None)
    return redirect(START)


def _targets(subject, today):
    """The subject's own information that can be contested or repaired."""
    from jointcredit.lists.models import EntryState, ListEntry
    from jointcredit.records.models import Penalty, RecordState

    out = []
    for e in ListEntry.objects.filter(
        subject=subject, state__in=[EntryState.NOTIFIED, EntryState.DECIDED, EntryState.PUBLISHED]
    ).select_related("list_type", "department", "subject"):
        t = Target("list_entry", e)
        if contestable_reason(t, today) is None:
            out.append({"t": t, "under_objection": e.under_objection, "repair": repair_refusal(t, today)})
    for p in Penalty.objects.filter(subject=subject, state=RecordState.PUBLISHED).select_related(
        "department", "subject"
    ):
        t = Target("penalty", p)
        if p.display_status(today) == "public":
            out.append({"t": t, "under_objection": False, "repair": repair_refusal(t, today)})
    return out


def mine(request):
    who = verified(request)
    if not who:
        return redirect(START)
    from jointcredit.subjects.selectors import subject_find

    subject = subject_find(who["identifier"])
    today = clock.today()
    return render(
        request,
        "casework/public_mine.html",
        {
            "subject": subject,
            "who": who,
            "targets": _targets(subject, today) if subject else [],
            "objections": selectors.cases_for_subject(case_kind("objection"), who["identifier"]),
            "repairs": selectors.cases_for_subject(case_kind("repair"), who["identifier"]),
        },
    )


def own_target(request, kind: CaseKind, target_type: str, target_id: int):
    """(who, target, None) for the verified subject's own target, or (None, None, redirect) when not
    verified; someone else's target is a 404."""
    who = verified(request)
    if not who:
        return None, None, redirect(START)
    try:
        target = target_get(target_type, target_id)
    except DomainError as exc:
        raise Http404(exc.message) from None
    if target.subject.identifier != who["identifier"]:
        raise Http404(kind.not_own_page)
    return who, target, None


def own_case(request, kind: CaseKind, pk):
    """(case, None) for the verified subject's own case, (None, redirect) when not verified; 404 otherwise."""
    who = verified(request)
    if not who:
        return None, redirect(START)
    try:
        case = selectors.case_get(kind, pk)
    except DomainError:
        raise Http404("申请不存在") from None
    if case.subject.identifier != who["identifier"]:
        raise Http404("申请不存在")
    return case, None


def filing_page(
    request,
    kind: CaseKind,
    target_type: str,
    target_id: int,
    *,
    form_class,
    file,
    template: str,
    submitted: str,
    refusal=None,
    context=None,
):
    """The verified subject files a case on its own target. ``submitted``: success message with
    ``{case_no}``; ``refusal(target)``: why it cannot be filed now (the form is then shown but not
    accepted); ``context(target)``: more for the template."""
    who, target, resp = own_target(request, kind, target_type, target_id)
    if resp:
        return resp
    refused = refusal(target) if refusal else None
    form = form_class(request.POST or None, request.FILES or None, initial={"contact_email": who["email"]})
    if request.method == "POST" and not refused and form.is_valid():
        try:
            case = file(
                verified_identifier=who["identifier"],
                target_type=target_type,
                target_id=target_id,
                **form.cleaned_data,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, submitted.format(case_no=case.case_no))
            return redirect(f"{kind.public_namespace}:detail", pk=case.pk)
    extra = {"refusal": refused} if refusal else {}
    return render(
        request, template, {"form": form, "target": target, **extra, **(context(target) if context else {})}
    )


def detail_page(request, kind: CaseKind, pk: int):
    case, resp = own_case(request, kind, pk)
    if resp:
        return resp
    return render(
        request,
        f"{kind.namespace}/public_detail.html",
        {
            kind.var: case,
            "letters": letters_available(kind, case),
            "evidence": evidence_of(kind.key, case.pk),
        },
    )


def letter_page(request, kind: CaseKind, pk: int, letter: str):
    case, resp = own_case(request, kind, pk)
    if resp:
        return resp
    try:
        _, html = letter_html(kind, case, letter)
    except DomainError as exc:
        raise Http404(exc.message) from None
    return pdf_response(html, f"{kind.key}-{case.pk}-{letter}.pdf")
