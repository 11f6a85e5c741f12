"""Staff pages: intake (eligibility check → 承诺书), list, detail with fulfil / breach, PDF."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or as _int

from . import selectors, services
from .models import CommitmentKind, CommitmentState
from .pdf import commitment_pdf


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def commitment_list(request):
    state = request.GET.get("state") or None
    identifier = request.GET.get("identifier", "").strip() or None
    due_soon = bool(request.GET.get("due_soon"))
    error, page = None, None
    try:
        page = selectors.commitment_list(
            department=request.user.department,
            identifier=identifier,
            state=state,
            due_soon=due_soon,
            page=_int(request.GET.get("page"), 1),
        )
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "commitments/list.html",
        {
            "page": page,
            "error": error,
            "state": state or "",
            "identifier": identifier or "",
            "due_soon": due_soon,
            "states": CommitmentState.choices,
        },
    )


@login_required
def commitment_new(request):
    ctx = {
        "kinds": CommitmentKind.choices,
        "form": request.POST or request.GET,
        "eligibility": None,
        "error": None,
    }
    identifier = (request.POST.get("identifier") or request.GET.get("identifier") or "").strip()
    try:
        if identifier:
            ctx["eligibility"] = services.commitment_eligibility(identifier=identifier)
        if request.method == "POST" and request.POST.get("action") == "create":
            c = services.commitment_create(
                actor=request.user,
                identifier=identifier,
                matter=request.POST.get("matter", ""),
                missing_items=request.POST.get("missing_items", ""),
                working_days=_int(request.POST.get("working_days")),
                deadline=_date(request.POST.get("deadline")),
                signatory_name=request.POST.get("signatory_name", ""),
                signatory_role=request.POST.get("signatory_role", "法定代表人"),
                kind=request.POST.get("kind", CommitmentKind.TOLERANCE),
                application_no=request.POST.get("application_no", ""),
            )
            messages.success(request, "已登记承诺书，请打印并由申请人签字盖章。")
            return redirect("commitments:detail", pk=c.pk)
    except DomainError as exc:
        ctx["error"] = exc.message
    return render(request, "commitments/new.html", ctx)


@login_required
def commitment_detail(request, pk: int):
    c = selectors.commitment_get(pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "fulfil":
                services.commitment_fulfil(
                    actor=request.user, commitment=c, note=request.POST.get("note", "")
                )
                messages.success(request, "已登记履约。")
            elif request.POST.get("action") == "break":
                services.commitment_break(actor=request.user, commitment=c, note=request.POST.get("note", ""))
                messages.success(request, "已认定违背承诺，并自动生成失信记录。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("commitments:detail", pk=pk)
    return render(
        request,
        "commitments/detail.html",
        {
            "c": c,
            "breach": getattr(c, "breach", None) if c.state == CommitmentState.BROKEN else None,
            "timeline": selectors.commitment_timeline(c),
        },
    )


@login_required
def commitment_pdf_view(request, pk: int):
    c = selectors.commitment_get(pk)
    response = HttpResponse(commitment_pdf(c), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="commitment-{c.pk}.pdf"'
    return response
