"""Staff pages of the catalog (thin: parse → service/selector → template)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.decorators import office_admin_required
from jointcredit.accounts.models import DelegationScope, Department
from jointcredit.accounts.permissions import can_write_for
from jointcredit.common import clock
from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or
from jointcredit.common.replicas import lag_tolerant
from jointcredit.importing.pipeline import ImportMode
from jointcredit.measures.scenarios import scenarios_active
from jointcredit.subjects.selectors import subject_get

from . import forms as item_forms
from . import selectors, services
from .models import TASK_STATUS_LABELS, CatalogItem, Category, Disclosure, Frequency, SubjectScope, Usage
from .schema import CORE, describe


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def home(request):
    category = request.GET.get("category", "")
    q = request.GET.get("q", "").strip()
    items = list(selectors.item_list(category=category or None, q=q))
    return render(
        request,
        "catalog/home.html",
        {"items": items, "categories": Category.choices, "category": category, "q": q},
    )


@login_required
def item_detail(request, code: str):
    item = services.item_get_by_code(code)
    return render(
        request,
        "catalog/item.html",
        {
            "item": item,
            "fields": [f | {"rule_text": describe(f)} for f in item.fields],
            "core": CORE.items(),
            "versions": item.versions.select_related("changed_by")[:20],
            "usages": item.usages.select_related("department"),
            "modes": ImportMode.choices,
            "can_submit": can_write_for(request.user, item.department, scope=DelegationScope.CATALOG)
            and item.is_active,
            "submissions": item.submissions.select_related("department", "task")[:20],
            "tasks": selectors.task_list(item=item)[:24],
            "page": selectors.record_page(
                item=item, q=request.GET.get("q", "").strip(), page=int(request.GET.get("page") or 1)
            ),
        },
    )


@login_required
@require_POST
def item_submit(request, code: str):
    item = services.item_get_by_code(code)
    mode = request.POST.get("mode") or "all_or_nothing"
    try:
        upload = request.FILES.get("file")
        if upload is not None:
            sub = services.submission_create(
                actor=request.user,
                item=item,
                fileobj=upload,
                name=upload.name or "",
                size=upload.size,
                mode=mode,
                source="file",
            )
        else:
            row = {
                k: request.POST.get(k, "").strip()
                for k in [*CORE, *item.field_codes()]
                if request.POST.get(k, "").strip()
            }
            zero = request.POST.get("zero_report") == "1"
            sub = services.submission_create(
                actor=request.user, item=item, rows=[] if zero else [row], mode=mode, source="form"
            )
    except services.SubmissionRejected as exc:
        return redirect("catalog:submission", pk=exc.submission.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:item", code=item.code)
    messages.success(
        request, f"已归集：新增 {sub.created_count}，变更 {sub.updated_count}，未变化 {sub.unchanged_count}。"
    )
    return redirect("catalog:submission", pk=sub.pk)


@login_required
def submission_detail(request, pk: int):
    sub = selectors.submission_get(pk)
    return render(request, "catalog/submission.html", {"sub": sub, "report": services.submission_report(sub)})


@login_required
@lag_tolerant  # counts a few seconds old are fine: a read replica may answer (ADR 0048)
def dashboard(request):
    date_from, date_to = _date(request.GET.get("date_from")), _date(request.GET.get("date_to"))
    rows = selectors.completeness(date_from=date_from, date_to=date_to)
    today = clock.today()
    return render(
        request,
        "catalog/dashboard.html",
        {"rows": rows, "date_from": date_from or today.replace(month=1, day=1), "date_to": date_to or today},
    )


@login_required
def tasks(request):
    status = request.GET.get("status", "")
    dept = None
    if not (request.user.is_office_admin or request.user.is_superuser):
        dept = request.user.department
    elif request.GET.get("department"):
        dept = Department.objects.filter(code=request.GET["department"]).first()
    return render(
        request,
        "catalog/tasks.html",
        {
            "tasks": selectors.task_list(department=dept, status=status),
            "statuses": TASK_STATUS_LABELS.items(),
            "status": status,
            "department": dept,
        },
    )


@login_required
def usages(request):
    if request.method == "POST":
        try:
            dept = (
                Department.objects.filter(code=request.POST.get("department", "")).first()
                or request.user.department
            )
            services.usage_set(
                actor=request.user,
                department=dept,
                item=services.item_get_by_code(request.POST.get("item", "")),
                scenario=request.POST.get("scenario", ""),
                purpose=request.POST.get("purpose", ""),
            )
            messages.success(request, "已登记到应用清单。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("catalog:usages")
    scenario = request.GET.get("scenario", "")
    qs = Usage.objects.select_related("department", "item").order_by(
        "scenario", "department__code", "item__code"
    )
    if scenario:
        qs = qs.filter(scenario=scenario)
    return render(
        request,
        "catalog/usages.html",
        {
            "usages": qs,
            "scenarios": scenarios_active().items(),
            "scenario": scenario,
            "items": selectors.item_list(active_only=True),
            "departments": Department.objects.filter(is_active=True),
        },
    )


@login_required
def subject_page(request, identifier: str):
    subject = subject_get(identifier)
    scenario = request.GET.get("scenario", "")
    return render(
        request,
        "catalog/subject.html",
        {
            "subject": subject,
            "info": selectors.subject_catalog(subject, request.user),
            "scenario": scenario,
            "scenarios": scenarios_active().items(),
            "check": selectors.catalog_info_for(subject, scenario, request.user) if scenario else None,
        },
    )


# ---- 系统配置 → 信用信息目录项 (issue #19 §2): the office adds, edits and ends items -------------------


def _errors(exc: DomainError) -> list[dict]:
    """Each detail that says something to a person, else the error's own message."""
    return [d for d in exc.details if d.get("message")] or [{"message": exc.message}]


def _item_form_context(form: dict, errors: list[dict], current: CatalogItem | None) -> dict:
    return {
        "form": form,
        "errors": errors,
        "current": current,
        "categories": Category.choices,
        "frequencies": Frequency.choices,
        "disclosures": Disclosure.choices,
        "scopes": SubjectScope.choices,
        "departments": Department.objects.filter(is_active=True).order_by("code"),
        "field_help": item_forms.FIELD_LINE_HELP,
    }


def _item_initial(item: CatalogItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "department": item.department.code,
        "description": item.description,
        "legal_basis": item.legal_basis,
        "subject_scope": item.subject_scope,
        "fields": item_forms.field_lines(item.fields),
        "frequency": item.frequency,
        "due_working_days": item.due_working_days,
        "disclosure": item.disclosure,
        "retention_months": item.retention_months,
        "collect_from": item.collect_from.isoformat(),
    }


@office_admin_required
def config_items(request):
    """Every item, ended ones too, with the way to add one and to edit each."""
    return render(request, "catalog/config_items.html", {"items": selectors.item_list()})


@office_admin_required
def config_item_new(request):
    errors: list[dict] = []
    form: dict = {"due_working_days": 10, "retention_months": 60, "subject_scope": SubjectScope.LEGAL}
    if request.method == "POST":
        form = request.POST.dict()
        try:
            values = item_forms.item_form_values(request.POST)
            item = services.item_create(actor=request.user, code=request.POST.get("code", ""), **values)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"信息项“{item.name}”已新增（第 1 版）。")
            return redirect("catalog:config_item", code=item.code)
    return render(request, "catalog/config_item.html", _item_form_context(form, errors, None))


@office_admin_required
def config_item(request, code: str):
    """Edit (each save is a new version, stored rows migrated or the change refused) or end/resume."""
    item = services.item_get_by_code(code)
    errors: list[dict] = []
    form = _item_initial(item)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in ("end", "resume"):
                item = services.item_update(
                    actor=request.user,
                    item=item,
                    changes={"is_active": action == "resume"},
                    note="停止归集" if action == "end" else "恢复归集",
                )
                messages.success(
                    request,
                    f"信息项“{item.name}”已{'停用，不再生成归集任务' if action == 'end' else '恢复启用'}。",
                )
                return redirect("catalog:config_item", code=item.code)
            form = request.POST.dict()
            values = item_forms.item_form_values(request.POST)
            if values["collect_from"] is None:
                del values["collect_from"]
            version = item.version
            item = services.item_update(
                actor=request.user,
                item=item,
                changes=values,
                note=request.POST.get("note", "").strip(),
                expected_version=int_or(request.POST.get("version"), item.version),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            if item.version == version:
                messages.info(request, "没有改动，版本不变。")
            else:
                messages.success(request, f"信息项“{item.name}”已保存为第 {item.version} 版。")
            return redirect("catalog:config_item", code=item.code)
    context = _item_form_context(form, errors, item)
    context["versions"] = item.versions.select_related("changed_by")[:20]
    return render(request, "catalog/config_item.html", context)
