"""Staff pages: a subject's related persons with their history (add, end a role) and the imports
of registration data files (ADR 0046). Thin: parse → service/selector → template."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.permissions import is_registration_authority
from jointcredit.common.errors import DomainError, NotFound, ValidationFailed
from jointcredit.common.params import int_or
from jointcredit.importing.template_files import template_response
from jointcredit.subjects import selectors as subject_selectors
from jointcredit.subjects import services as subject_services
from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import RelatedRole

from . import selectors, services
from .columns import COLUMNS, EXAMPLE, HEADER, LABELS

STATES = {"all": "全部（含历史）", "in_force": "在任", "ended": "已终止"}


def _can_edit(user) -> bool:
    return bool(
        user.department
        and is_registration_authority(user.department)
        and user.has_role("clerk", "approver", "department_admin")
    )


def _date(value: str | None, field: str, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single(
            field, "date", f"{label}“{value}”不是有效日期（应为 YYYY-MM-DD）。"
        ) from None


def _share(value: str | None) -> Decimal | None:
    value = (value or "").strip().rstrip("%")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationFailed.single("share_ratio", "number", f"持股比例“{value}”不是数字。") from None


@login_required
def subject_related(request, identifier: str):
    """关联人: every period (in force, ended) of the subject, the form to add one, and the imports
    that recorded them."""
    try:
        subject = subject_selectors.subject_get(identifier)
    except DomainError as exc:
        raise Http404(exc.message) from None
    can_edit = _can_edit(request.user)
    form: dict = {}
    errors: list[dict] = []
    if request.method == "POST":
        form = request.POST.dict()
        try:
            subject_services.related_person_add(
                actor=request.user,
                subject=subject,
                person_identifier=form.get("person_identifier", ""),
                person_name=form.get("person_name", ""),
                person_kind=form.get("person_kind") or "natural",
                role=form.get("role", ""),
                id_type=form.get("id_type") or IdType.RESIDENT_ID,
                directly_responsible=form.get("directly_responsible") == "1",
                share_ratio=_share(form.get("share_ratio")),
                valid_from=_date(form.get("valid_from"), "valid_from", "任职起"),
                valid_until=_date(form.get("valid_until"), "valid_until", "任职止"),
            )
            messages.success(request, "已登记关联人。")
            return redirect("relations:subject", identifier=subject.identifier)
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
    state = request.GET.get("state") if request.GET.get("state") in STATES else "all"
    page = subject_selectors.related_person_list(
        subject=subject, state=state, page=max(int_or(request.GET.get("page"), 1), 1), page_size=20
    )
    return render(
        request,
        "relations/subject.html",
        {
            "subject": subject,
            "page": page,
            "rows": page.items,
            "states": STATES,
            "state": state,
            "state_label": STATES[state],
            "qs": f"state={state}&",
            "can_edit": can_edit,
            "form": form,
            "errors": errors,
            "roles": RelatedRole.choices,
            "id_types": [(k, IdType.LABELS[k]) for k in IdType.PERSONAL],
            "batches": selectors.batches_of_subject(subject),
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def related_end(request, identifier: str, link_id: int):
    try:
        subject = subject_selectors.subject_get(identifier)
        link = subject_selectors.related_person_get(subject=subject, link_id=link_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    try:
        valid_until = _date(request.POST.get("valid_until"), "valid_until", "任职止")
        if valid_until is None:
            raise ValidationFailed.single("valid_until", "required", "请填写任职止日期。")
        subject_services.related_person_end(
            actor=request.user, link=link, valid_until=valid_until, reason=request.POST.get("reason", "")
        )
        messages.success(request, f"已终止 {link.person.name} 的{link.get_role_display()}身份。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("relations:subject", identifier=subject.identifier)


@login_required
def imports(request):
    """关联人导入: upload a registration data file; the batches with their results."""
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的文件。"
        else:
            try:
                batch = services.related_import(
                    actor=request.user,
                    fileobj=upload,
                    name=upload.name or "",
                    size=upload.size,
                    as_of=_date(request.POST.get("as_of"), "as_of", "资料日期"),
                    full_snapshot=request.POST.get("full_snapshot") == "1",
                    source="ui",
                )
                return redirect("relations:import_detail", batch_id=batch.pk)
            except services.ImportRejected as exc:
                return redirect("relations:import_detail", batch_id=exc.batch.pk)
            except DomainError as exc:
                error = exc.message
    page = selectors.batch_list(page=max(int_or(request.GET.get("page"), 1), 1), page_size=20)
    return render(
        request,
        "relations/imports.html",
        {
            "page": page,
            "batches": page.items,
            "qs": "",
            "error": error,
            "can_edit": _can_edit(request.user),
            "columns": COLUMNS,
        },
        status=422 if error else 200,
    )


@login_required
def import_detail(request, batch_id: int):
    try:
        batch = selectors.batch_get(batch_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(
        request, "relations/import_detail.html", {"batch": batch, "report": services.import_report(batch)}
    )


@login_required
def import_template(request, fmt: str):
    """导入模板: the header and one example row."""
    try:
        return template_response(
            header=HEADER, example=EXAMPLE, fmt=fmt, filename="关联人登记信息", labels=LABELS
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
