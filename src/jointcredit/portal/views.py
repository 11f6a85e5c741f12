"""Public pages of 信用历下 (no login). Every page shows natural persons masked only."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from jointcredit.common import clock
from jointcredit.common import extracts as public_extracts
from jointcredit.common.errors import DomainError
from jointcredit.common.portal_registry import home_blocks, search_providers
from jointcredit.subjects.privacy import public_query
from jointcredit.subjects.public import (
    subject_from_slug,
    subject_public_ref,
    subject_public_url,
    subject_slug,
)

from . import reports, selectors
from .models import CreditReport, ReportAudience

RATE_LIMIT_MESSAGE = "查询过于频繁，请稍后再试（每个网络地址每分钟的查询次数有限制）。"


def search_rate() -> str:
    return getattr(settings, "PORTAL_SEARCH_RATE", settings.PUBLIC_API_RATE)


def report_rate() -> str:
    return getattr(settings, "PORTAL_REPORT_RATE", "10/m")


def rate_limited(request, group: str, rate: str) -> bool:
    return is_ratelimited(request, group=group, key="ip", rate=rate, increment=True)


def _too_many(request):
    response = render(request, "portal/rate_limited.html", {"message": RATE_LIMIT_MESSAGE}, status=429)
    response["Retry-After"] = "60"
    return response


def _int(value, default: int = 1) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def _url_name(*names: str) -> str:
    """First URL among ``names`` that exists: the forms of objections/repairs may land later."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


@require_GET
def home(request):
    return render(
        request,
        "portal/home.html",
        {
            "counts": selectors.home_counts(),
            "providers": search_providers(),
            "home_blocks": _home_blocks(),
        },
    )


def _home_blocks() -> list[dict]:
    """The blocks the apps registered (``register_home_block``); one that has nothing is left out."""
    out = []
    for provider in home_blocks():
        block = provider.fn()
        if block and block.items:
            out.append(
                {
                    "key": provider.key,
                    "title": provider.title,
                    "items": block.items,
                    "more_url": block.more_url,
                }
            )
    return out


@require_GET
def search(request):
    q = request.GET.get("q", "")
    provider = request.GET.get("type") or None
    page = _int(request.GET.get("page"))
    query = public_query(q)
    context = {
        # a person's document number or full name is never echoed (title, links, form): privacy rule
        "q": query.link,
        "type": provider or "",
        "providers": search_providers(),
        "groups": [],
        "error": None,
        "sensitive": query.sensitive,
        "q_display": query.echo,
    }
    if q.strip():
        if rate_limited(request, "portal-search", search_rate()):
            return _too_many(request)
        try:
            context["groups"] = selectors.unified_search(q, provider=provider, page=page, page_size=10)
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "portal/search.html", context)


def _as_of_param(request) -> date | None:
    """``?date=YYYY-MM-DD`` on the public subject page: the page as things stood at the end of that day
    (ADR 0036); malformed or future dates are ignored (the page shows today)."""
    try:
        on = date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        return None
    return on if on < clock.today() else None


@require_GET
def subject(request, slug: str):
    found = subject_from_slug(slug)
    if found is None:
        raise Http404("未找到该信用主体。")
    canonical = found
    hops = 0
    while canonical.merged_into_id and hops < 5:
        canonical, hops = canonical.merged_into, hops + 1
    if canonical.pk != found.pk or slug != subject_slug(found):
        return redirect(subject_public_url(canonical), permanent=True)
    on = _as_of_param(request)
    sections = reports.subject_sections_render(found, staff=False, today=on)
    under_objection = any(t["label"] == "异议中" for s in sections for i in s["items"] for t in i["tags"])
    return render(
        request,
        "portal/subject.html",
        {
            "ref": subject_public_ref(found),
            "header": reports.subject_header(found, staff=False),
            "sections": sections,
            "as_of": on,
            "under_objection": under_objection,
            "objection_url": reverse("portal:guide_objection"),
            "repair_url": reverse("portal:guide_repair"),
        },
    )


@require_POST
def report_create(request, slug: str):
    found = subject_from_slug(slug)
    if found is None:
        raise Http404("未找到该信用主体。")
    if rate_limited(request, "portal-report", report_rate()):
        return _too_many(request)
    report = reports.credit_report_create(subject=found, audience=ReportAudience.PUBLIC)
    return redirect("portal:report_detail", number=report.number)


def _report_or_404(request, number: str) -> CreditReport:
    report = CreditReport.objects.select_related("subject").filter(number=number.strip().upper()).first()
    if report is None:
        raise Http404("报告编号不存在。")
    return report


def _may_read(request, report: CreditReport) -> bool:
    return not report.is_staff_report or (request.user.is_authenticated and request.user.is_active)


@require_GET
def report_detail(request, number: str):
    """Online verification: the same snapshot that was printed (internal reports: content to staff
    only; anyone may still verify the number, time and digest)."""
    report = _report_or_404(request, number)
    context = reports.report_context(report)
    context["may_read"] = _may_read(request, report)
    context["subject_url"] = subject_public_url(report.subject)
    return render(request, "portal/report.html", context)


@require_GET
def report_pdf(request, number: str):
    report = _report_or_404(request, number)
    if not _may_read(request, report):
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    response = HttpResponse(reports.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credit-report-{report.number}.pdf"'
    response["Cache-Control"] = "private, max-age=0"
    return response


@require_http_methods(["GET"])
def report_lookup(request):
    number = request.GET.get("number", "").strip().upper()
    if number:
        if CreditReport.objects.filter(number=number).exists():
            return redirect("portal:report_detail", number=number)
        # whatever was typed goes back through the privacy rule: a person's ID or name is not echoed
        return render(
            request,
            "portal/report_lookup.html",
            {"number": public_query(number).link, "error": "未找到该编号的信用报告，请核对后重试。"},
            status=404,
        )
    return render(request, "portal/report_lookup.html", {"number": ""})


@require_GET
def guide_objection(request):
    return render(
        request,
        "portal/guide_objection.html",
        {
            "form_url": _url_name(
                "objections_public:create", "objections_public:new", "objections:public_create"
            ),
        },
    )


@require_GET
def guide_repair(request):
    return render(
        request,
        "portal/guide_repair.html",
        {
            "form_url": _url_name("repairs_public:create", "repairs_public:new", "repairs:public_create"),
        },
    )


@require_GET
def extracts(request):
    """公开数据批量下载: the latest daily extracts with sizes and checksums (ADR 0031)."""
    return render(
        request,
        "portal/extracts.html",
        {"extracts": public_extracts.extract_list(limit=7), "datasets": public_extracts.extract_datasets()},
    )


_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


@require_GET
def extract_file(request, day: str, name: str):
    try:
        as_of = date.fromisoformat(day)
    except ValueError:
        raise Http404("没有该日期的数据包。") from None
    path = public_extracts.extract_file_path(as_of, name)
    if path is None:
        raise Http404("没有该文件。")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:  # replaced by a forced rebuild this very moment
        raise Http404("该数据包正在更新，请稍后再试。") from None
    ext = name.rsplit(".", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Content-Type"] = _TYPES.get(ext, "text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
