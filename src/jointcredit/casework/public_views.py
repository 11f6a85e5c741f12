"""Subject-facing online service on the portal (信用历下 → 异议与信用修复): verify who is acting for
the subject (government single sign-on, a code sent to a contact on file, or a clerk's check of
uploaded documents: ``verification``, docs/identity.md), see the own information that can be
contested or repaired, file, follow progress and download the written decisions. The verified
identity lives in the session only (2 hours) and every page re-checks that the case or target is
the subject's own; until verified the visitor is shown only what the public sees.

URL names stay ``objections_public:create|verify|mine|logout`` (the portal's guides link to them);
each app's ``public_views.py`` binds the case pages below to its ``CaseKind``."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from jointcredit.common import clock
from jointcredit.common.errors import DomainError
from jointcredit.common.masking import mask_email, mask_id_number, mask_person_name

from . import forms, selectors, sso, verification
from .evidence import evidence_of
from .kinds import CaseKind, case_kind
from .letters import letter_html, letters_available, pdf_response
from .models import IdentityState
from .targets import target_get

SESSION_KEY = "jc_credit_subject"
PENDING_KEY = "jc_credit_pending"
APPLICATIONS_KEY = "jc_identity_applications"
SESSION_TTL = 2 * 3600
START = "objections_public:create"


def verified(request) -> dict | None:
    data = request.session.get(SESSION_KEY)
    if not data or clock.timestamp() - data.get("at", 0) > SESSION_TTL:
        return None
    return data


def _enter(request, *, identifier: str, email: str, method: str, contact_name: str = ""):
    """The visitor is now verified for ``identifier`` (and only it): a new session key, then 我的申请."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "identifier": identifier,
        "email": email,
        "contact_name": contact_name,
        "method": method,
        "at": clock.timestamp(),
    }
    request.session.pop(PENDING_KEY, None)
    return redirect("objections_public:mine")


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
                request.session[PENDING_KEY] = {
                    "identifier": v.identifier,
                    "email": mask_email(v.email),
                }
                messages.success(request, "验证码已发送至该主体预留的联系邮箱，10 分钟内有效。")
                return redirect("objections_public:verify")
    return render(
        request,
        "casework/public_identify.html",
        {"form": form, "sso": sso.oidc_config() is not None, "applications": _my_applications(request)},
    )


def verify(request):
    pending = request.session.get(PENDING_KEY)
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
            return _enter(request, identifier=v.identifier, email=v.email, method="code")
    return render(request, "casework/public_verify.html", {"form": form, "pending": pending})


def sso_login(request):
    try:
        return sso.sso_redirect(
            request, request.build_absolute_uri(reverse("objections_public:sso_callback"))
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(START)


def sso_callback(request):
    try:
        claims = sso.sso_claims(request)
        subject, kind = sso.sso_subject(claims)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(START)
    cfg = sso.oidc_config() or {}
    with transaction.atomic():
        verification.identity_verified_audit(
            subject=subject, method="oidc", detail={"sub": str(claims.get("sub", "")), "as": kind}
        )
    return _enter(
        request,
        identifier=subject.identifier,
        email=str(claims.get("email") or ""),
        method="oidc",
        contact_name=str(claims.get(cfg.get("CLAIM_NAME", "name")) or ""),
    )


def _my_applications(request) -> list[dict]:
    return request.session.get(APPLICATIONS_KEY, [])


def identity_new(request):
    """Upload 营业执照/身份证 and 授权委托书 for a clerk's check (no SSO, no contact on file)."""
    form = forms.IdentityApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if is_ratelimited(request, group="credit-service-identity", key="ip", rate="10/h", increment=True):
            messages.error(request, "提交过于频繁，请稍后再试。")
        else:
            try:
                app, token = verification.identity_application_file(**form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                mine = [a for a in _my_applications(request) if a["id"] != app.pk]
                request.session[APPLICATIONS_KEY] = [*mine, {"id": app.pk, "token": token}][-5:]
                messages.success(
                    request, f"身份核验申请已提交（编号 {app.pk}），部门核验后将通过邮件通知您。"
                )
                return redirect("objections_public:identity", pk=app.pk)
    return render(request, "casework/public_identity_new.html", {"form": form})


def identity_status(request, pk: int):
    """The applicant's own application: its state; once 已核验, the way into 我的申请. Until then the
    subject is shown as the public sees it."""
    token = next((a["token"] for a in _my_applications(request) if a["id"] == pk), "")
    app = verification.identity_application_for_token(pk, token)
    if app is None:
        raise Http404("申请不存在")
    if request.method == "POST":
        if app.state != IdentityState.VERIFIED:
            messages.error(request, "身份尚未核验通过。")
        else:
            return _enter(
                request,
                identifier=app.subject.identifier,
                email=app.contact_email,
                method="clerk",
                contact_name=app.applicant_name,
            )
    return render(
        request,
        "casework/public_identity_status.html",
        {
            "app": app,
            "public_name": public_name(app.subject),
            "public_identifier": public_identifier(app.subject),
        },
    )


def public_name(subject) -> str:
    return mask_person_name(subject.name) if subject.is_natural_person else subject.name


def public_identifier(subject) -> str:
    return mask_id_number(subject.identifier) if subject.is_natural_person else subject.identifier


@require_POST
def logout(request):
    request.session.pop(SESSION_KEY, None)
    return redirect(START)


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
            "targets": selectors.subject_targets(subject, today) if subject else [],
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
    form = form_class(
        request.POST or None,
        request.FILES or None,
        initial={"contact_email": who["email"], "contact_name": who.get("contact_name", "")},
    )
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
