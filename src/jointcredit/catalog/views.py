"""Staff pages of the catalog (thin: parse → service/selector → template)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.models import DelegationScope, Department
from jointcredit.accounts.permissions import can_write_for
from jointcredit.common import clock
from jointcredit.common.errors import DomainError
from jointcredit.common.replicas import lag_tolerant
from jointcredit.importing.pipeline import ImportMode
from jointcredit.measures.scenarios import SCENARIOS
from jointcredit.subjects.selectors import subject_get

from . import selectors, services
from .models import TASK_STATUS_LABELS, Category, Usage
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
            "scenarios": SCENARIOS.items(),
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
            "scenarios": SCENARIOS.items(),
            "check": selectors.catalog_info_for(subject, scenario, request.user) if scenario else None,
        },
    )
