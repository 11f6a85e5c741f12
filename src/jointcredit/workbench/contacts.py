"""预留联系方式 (contacts on file, docs/identity.md): find a subject, see its contacts with who
recorded them when, record one, end one, import a file of them. Thin: ``subjects.services`` writes
(rights, validation, audit), ``subjects.selectors`` reads and decides what is shown unmasked. The
pages live in the workbench because an upload is read by ``importing.tabular``, above ``subjects``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.permissions import can_write_for
from jointcredit.common.errors import DomainError, NotFound
from jointcredit.common.masking import mask_email, mask_phone
from jointcredit.common.pagination import paginate
from jointcredit.common.params import int_or
from jointcredit.importing.tabular import read_table
from jointcredit.subjects import selectors, services


def _subject(identifier: str):
    try:
        return selectors.subject_get(identifier)
    except (NotFound, DomainError) as exc:
        raise Http404(exc.message) from None


def _can_record(user) -> bool:
    return user.department is not None and can_write_for(user, user.department)


@login_required
def contacts(request):
    """Find the subject whose contacts to see or record."""
    q = request.GET.get("q", "").strip()
    page, error = None, None
    if q:
        try:
            page = selectors.subject_search(q=q, page=int_or(request.GET.get("page"), 1), page_size=20)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "workbench/contacts.html",
        {
            "q": q,
            "page": page,
            "error": error,
            "qs": urlencode({"q": q}) + "&",
            "can_record": _can_record(request.user),
        },
    )


@login_required
def subject_contacts(request, identifier: str):
    subject = _subject(identifier)
    state = request.GET.get("state", "in_use")
    errors, form = [], {}
    if request.method == "POST":
        form = request.POST
        try:
            services.subject_contact_add(
                actor=request.user,
                subject=subject,
                email=form.get("email", ""),
                phone=form.get("phone", ""),
                source=form.get("source", ""),
            )
            messages.success(request, "已登记预留联系方式。")
            return redirect("workbench:subject_contacts", identifier=subject.identifier)
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
    context = {
        "subject": subject,
        "state": state,
        "state_label": selectors.CONTACT_STATES.get(state, ""),
        "states": selectors.CONTACT_STATES,
        "errors": errors,
    }
    try:
        page = paginate(
            selectors.subject_contact_filter(subject=subject, state=state),
            page=int_or(request.GET.get("page"), 1),
            page_size=20,
        )
    except DomainError as exc:
        return render(
            request, "workbench/subject_contacts.html", {**context, "error": exc.message}, status=422
        )
    rows = []
    for contact in page.items:
        full = selectors.contact_shown_in_full(request.user, contact)
        rows.append(
            {
                "contact": contact,
                "email": contact.email if full else mask_email(contact.email) if contact.email else "",
                "phone": contact.phone if full else mask_phone(contact.phone),
                "can_end": contact.active and full,
            }
        )
    return render(
        request,
        "workbench/subject_contacts.html",
        {
            **context,
            "page": page,
            "rows": rows,
            "form": form,
            "qs": urlencode({"state": state}) + "&",
            "can_record": _can_record(request.user),
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def contact_end(request, identifier: str, contact_id: int):
    subject = _subject(identifier)
    try:
        contact = selectors.contact_get(contact_id, subject=subject)
    except NotFound as exc:
        raise Http404(exc.message) from None
    try:
        services.subject_contact_deactivate(
            actor=request.user, contact=contact, reason=request.POST.get("reason", "")
        )
        messages.success(request, "已停用该预留联系方式，今后不再向其发送验证码。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("workbench:subject_contacts", identifier=subject.identifier)


@login_required
def contacts_import(request):
    result, errors = None, []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [{"message": "请选择要导入的文件（CSV 或 XLSX）。"}]
        else:
            try:
                result = services.subject_contacts_import(
                    actor=request.user, fileobj=upload, name=upload.name, read_table=read_table
                )
            except DomainError as exc:
                errors = exc.details or [{"message": exc.message}]
    return render(
        request,
        "workbench/contacts_import.html",
        {
            "result": result,
            "errors": errors[:200],
            "more": max(0, len(errors) - 200),
            "max_rows": services.CONTACT_IMPORT_MAX_ROWS,
        },
        status=422 if errors else 200,
    )
