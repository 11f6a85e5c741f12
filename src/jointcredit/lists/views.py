"""Staff pages for the whole list lifecycle (thin: forms → services, selectors → templates)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from jointcredit.accounts.decorators import office_admin_required
from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import can_write_for, ensure_can_view
from jointcredit.common import clock
from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or as _int

from . import exports, forms, selectors, services
from .models import EntryState, ListCategory, ListColor, ListType

STEPS = {
    "notify": (forms.NotifyForm, services.list_entry_notify, "已送达告知书。"),
    "statement": (forms.StatementForm, services.list_entry_statement_record, "已登记陈述申辩处理结果。"),
    "decide": (forms.DecideForm, services.list_entry_decide, "已认定。"),
    "publish": (None, services.list_entry_publish, "已发布并推送。"),
    "remove": (forms.RemoveForm, services.list_entry_remove, "已移出。"),
    "correct": (forms.CorrectForm, services.list_entry_correct, "已更正。"),
}


@login_required
def entry_list(request):
    f = {
        k: request.GET.get(k, "").strip()
        for k in ("state", "status", "color", "list_type", "department", "q")
    }
    error, page = None, None
    try:
        page = selectors.list_entry_list(
            **{k: v or None for k, v in f.items()}, page=_int(request.GET.get("page"), 1), page_size=20
        )
    except DomainError as exc:
        error = exc.message
    today = clock.today()
    for entry in page.items if page else []:
        entry.status_label = entry.display_status(today)
    user = request.user
    can_create = bool(
        user.department_id
        and can_write_for(user, user.department)
        and selectors.list_types_for_department(user.department).exists()
    )
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    export_query = urlencode({k: v for k, v in f.items() if v})
    return render(
        request,
        "lists/entry_list.html",
        {
            "f": f,
            "page": page,
            "error": error,
            "can_create": can_create,
            "query": query,
            "export_query": export_query,
            "states": EntryState.choices,
            "statuses": selectors.STATUS_FILTERS.items(),
            "colors": ListColor.choices,
            "list_types": selectors.list_type_list(),
            "today": clock.today(),
        },
    )


_FILTERS = ("identifier", "state", "status", "color", "list_type", "department", "q")


@login_required
def entry_export(request):
    """The list page's export button: the same filters, every matching entry (CSV/XLSX)."""
    ensure_can_view(request.user)
    fmt = request.GET.get("format", "csv")
    filters = {k: request.GET.get(k, "").strip() or None for k in _FILTERS}
    try:
        return exports.entry_export_response(fmt="xlsx" if fmt == "xlsx" else "csv", **filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('lists:entry_list')}?{urlencode({k: v for k, v in filters.items() if v})}")


@login_required
def type_list(request):
    return render(request, "lists/type_list.html", {"types": selectors.list_type_list()})


@office_admin_required
def type_edit(request, code: str | None = None):
    """系统配置 → 名单类型: the office creates or edits a list type (services check the rights)."""
    current = None
    if code is not None:
        current = ListType.objects.filter(code=code).prefetch_related("initiating_departments").first()
        if current is None:
            raise Http404("名单类型不存在。")
    errors: list[dict] = []
    if request.method == "POST":
        post = request.POST
        try:
            saved = services.list_type_save(
                actor=request.user,
                code=code if current else post.get("code", ""),
                create=current is None,
                name=post.get("name", ""),
                color=post.get("color", ""),
                category=post.get("category", ""),
                legal_basis=post.get("legal_basis", ""),
                validity_days=post.get("validity_days"),
                min_repair_days=post.get("min_repair_days"),
                repairable=post.get("repairable") == "on",
                statement_working_days=post.get("statement_working_days"),
                memorandum_code=post.get("memorandum", ""),
                department_codes=post.getlist("departments"),
                is_active=post.get("is_active") == "on",
            )
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
            form = {k: post.get(k, "") for k in post} | {"departments": post.getlist("departments")}
        else:
            messages.success(request, f"名单类型“{saved.name}”已保存。")
            return redirect("lists:type_list")
    elif current is not None:
        form = {
            "code": current.code,
            "name": current.name,
            "color": current.color,
            "category": current.category,
            "legal_basis": current.legal_basis,
            "validity_days": current.validity_days,
            "min_repair_days": current.min_repair_days,
            "repairable": "on" if current.repairable else "",
            "statement_working_days": current.statement_working_days,
            "memorandum": current.memorandum.code if current.memorandum_id else "",
            "departments": [d.code for d in current.initiating_departments.all()],
            "is_active": "on" if current.is_active else "",
        }
    else:
        form = {"validity_days": 1095, "min_repair_days": 365, "statement_working_days": 5}
        form |= {"repairable": "on", "is_active": "on", "departments": []}
    memoranda = ListType._meta.get_field("memorandum").related_model._default_manager.filter(is_active=True)
    return render(
        request,
        "lists/type_edit.html",
        {
            "current": current,
            "form": form,
            "errors": errors,
            "colors": ListColor.choices,
            "categories": ListCategory.choices,
            "memoranda": memoranda,
            "departments": Department.objects.filter(is_active=True),
        },
    )


@login_required
def entry_create(request):
    user = request.user
    types = list(selectors.list_types_for_department(user.department)) if user.department_id else []
    form = forms.EntryForm(
        request.POST or None, list_types=types, initial={"list_type": request.GET.get("list_type", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["kind"] = data["kind"] or None
        try:
            entry = services.list_entry_create(actor=user, **data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已创建名单条目草稿（编号 {entry.pk}）。")
            return redirect("lists:entry_detail", pk=entry.pk)
    return render(request, "lists/entry_form.html", {"form": form, "types": types})


def _actions(entry, user, today) -> list[dict]:
    """The steps this user could take now; each with its form, or the reason it is blocked."""
    from jointcredit.accounts.models import Role

    writer = can_write_for(user, entry.department)
    approver = user.has_role(Role.APPROVER) and user.department_id == entry.department_id
    out = []
    black = entry.is_black
    if entry.state == EntryState.DRAFT and black and writer:
        out.append(
            {
                "step": "notify",
                "label": "送达告知书",
                "form": forms.NotifyForm(
                    initial={"statement_working_days": entry.list_type.statement_working_days}
                ),
            }
        )
    if entry.state == EntryState.NOTIFIED and writer:
        out.append({"step": "statement", "label": "登记陈述申辩", "form": forms.StatementForm()})
    if entry.state == EntryState.NOTIFIED and approver:
        out.append(
            {
                "step": "decide",
                "label": "认定（作出决定书）",
                "form": forms.DecideForm(entry=entry),
                "blocked": services.decision_blocker(entry, today),
            }
        )
    if approver and (
        (black and entry.state == EntryState.DECIDED) or (not black and entry.state == EntryState.DRAFT)
    ):
        out.append({"step": "publish", "label": "发布并推送", "form": None})
    if approver and entry.state in (EntryState.DECIDED, EntryState.PUBLISHED):
        out.append({"step": "correct", "label": "更正", "form": forms.CorrectForm()})
    if approver and entry.state != EntryState.REMOVED:
        blocked = services.repair_blocker(entry, today)
        out.append(
            {
                "step": "remove",
                "label": "移出",
                "form": forms.RemoveForm(repair_blocked=blocked and blocked[1]),
            }
        )
    return out


@login_required
def entry_detail(request, pk: int):
    entry = selectors.list_entry_get(pk)
    today = clock.today()
    return render(
        request,
        "lists/entry_detail.html",
        {
            "entry": entry,
            "today": today,
            "status": entry.display_status(today),
            "effective": entry.is_effective(today),
            "actions": _actions(entry, request.user, today),
            "history": selectors.entry_history(entry),
            "timeline": selectors.list_entry_timeline(entry),
            "has_notice": entry.notified_on is not None,
            "has_decision": entry.is_black
            and entry.state in (EntryState.DECIDED, EntryState.PUBLISHED, EntryState.REMOVED)
            and entry.decided_on is not None,
        },
    )


@login_required
@require_POST
def entry_action(request, pk: int, step: str):
    if step not in STEPS:
        raise Http404
    entry = selectors.list_entry_get(pk)
    form_class, service, done = STEPS[step]
    data = {}
    if form_class is not None:
        form = form_class(request.POST, **({"entry": entry} if step == "decide" else {}))
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else field
                messages.error(request, f"{label}：{'；'.join(errors)}")
            return redirect("lists:entry_detail", pk=pk)
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    try:
        service(entry=entry, actor=request.user, **data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("lists:entry_detail", pk=pk)


@login_required
def entry_document(request, pk: int, kind: str, fmt: str):
    """告知书 (notice) and 决定书 (decision), printable HTML or PDF (WeasyPrint, Noto CJK)."""
    if kind not in ("notice", "decision") or fmt not in ("html", "pdf"):
        raise Http404
    entry = selectors.list_entry_get(pk)
    if kind == "notice" and entry.notified_on is None:
        raise Http404("该条目尚未告知。")
    if kind == "decision" and (
        not entry.is_black
        or entry.decided_on is None
        or entry.state in (EntryState.DRAFT, EntryState.NOTIFIED)
    ):
        raise Http404("该条目尚未认定。")
    html = render_to_string(
        f"lists/doc_{kind}.html", {"entry": entry, "today": clock.today()}, request=request
    )
    if fmt == "html":
        return HttpResponse(html)
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{'告知书' if kind == 'notice' else '决定书'}-{entry.pk}.pdf"
    from urllib.parse import quote

    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
