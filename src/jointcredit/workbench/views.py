import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.decorators import office_admin_required
from jointcredit.accounts.selectors import department_capabilities
from jointcredit.common.errors import DomainError
from jointcredit.common.jsonable import jsonable
from jointcredit.common.params import int_or as _int
from jointcredit.common.replicas import lag_tolerant
from jointcredit.common.workbench_registry import dashboard_panels, todos
from jointcredit.portal import reports
from jointcredit.portal.models import ReportAudience
from jointcredit.subjects import selectors as subject_selectors
from jointcredit.subjects import services as subject_services
from jointcredit.subjects.public import subject_public_url

logger = logging.getLogger(__name__)


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "workbench/home.html",
        {
            "capabilities": department_capabilities(
                user.department, user.roles if not user.is_superuser else user.roles + ["office_admin"]
            ),
            "todos": todos(user),
        },
    )


@login_required
def subjects(request):
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind") or None
    error, page = None, None
    try:
        page = subject_selectors.subject_search(
            q=q, kind=kind, page=_int(request.GET.get("page"), 1), page_size=20
        )
    except DomainError as exc:
        error = exc.message
    return render(
        request, "workbench/subjects.html", {"q": q, "kind": kind or "", "page": page, "error": error}
    )


@login_required
def subject_detail(request, identifier: str):
    subject = subject_selectors.subject_get(identifier)
    return render(
        request,
        "workbench/subject_detail.html",
        {
            "subject": subject,
            "sections": reports.subject_sections_render(subject, staff=True),
            "public_url": subject_public_url(subject),
            "merged_from": subject_selectors.subject_merged_from(subject),
            "can_merge": request.user.is_superuser or request.user.is_office_admin,
        },
    )


@office_admin_required
def subject_merge(request, identifier: str):
    """合并重复主体 (office): GET asks for the subject that stays; POST without ``confirm`` shows both
    subjects side by side; POST with ``confirm`` merges and lands on the subject that stays."""
    source = subject_selectors.subject_get(identifier, follow_merges=False)
    into = (request.POST.get("into") or request.GET.get("into") or "").strip()
    reason = (request.POST.get("reason") or "").strip()
    context = {"source": source, "into": into, "reason": reason, "target": None, "error": None}
    if request.method == "POST":
        try:
            target = subject_selectors.subject_get(into, follow_merges=False, field="into")
            if request.POST.get("confirm") == "1":
                merge = subject_services.subject_merge(
                    actor=request.user, source=source, target=target, reason=reason
                )
                messages.success(
                    request,
                    f"已将“{merge.source.name}（{merge.source.identifier}）”合并至本主体，原标识今后解析到本主体。",
                )
                return redirect("workbench:subject_detail", identifier=merge.target.identifier)
            context["target"] = target
            context["target_sections"] = reports.subject_sections_render(target, staff=True)
            context["source_sections"] = reports.subject_sections_render(source, staff=True)
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "workbench/subject_merge.html", context)


@login_required
@require_POST
def subject_report(request, identifier: str):
    """内部版信用报告 (public sections + internal ones), audited."""
    subject = subject_selectors.subject_get(identifier)
    report = reports.credit_report_create(subject=subject, audience=ReportAudience.STAFF, actor=request.user)
    return redirect("portal:report_detail", number=report.number)


@login_required
@lag_tolerant  # counts a few seconds old are fine: a read replica may answer (ADR 0048)
def dashboard(request):
    panels = []
    for panel in dashboard_panels(request.user):
        try:
            chart = panel.provider(request.user)
        except Exception:  # a broken panel must not take the dashboard down
            logger.exception("dashboard panel %s failed", panel.key)
            chart, error = None, "该图表暂不可用。"
        else:
            error = ""
        if chart is None and not error:
            continue
        rows = []
        if chart:
            rows = [
                (c, [s["data"][i] if i < len(s["data"]) else "" for s in chart.get("series", [])])
                for i, c in enumerate(chart.get("categories", []))
            ]
        panels.append(
            {
                "key": panel.key,
                "title": panel.title,
                "description": panel.description,
                "chart": chart,
                "error": error,
                "rows": rows,
                "chart_json": json.dumps(jsonable(chart), ensure_ascii=False) if chart else "",
            }
        )
    return render(request, "workbench/dashboard.html", {"panels": panels})
