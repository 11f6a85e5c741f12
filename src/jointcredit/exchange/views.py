"""Staff pages: 待处理名单 (push inbox) with the feedback form, CSV import, subscriptions and
deliveries with manual redelivery, and the office dashboard with cases export. Thin: selectors and
services do the work; domain errors are shown as messages."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.decorators import domain_errors_page
from jointcredit.common import clock
from jointcredit.common.errors import DomainError, NotFound
from jointcredit.common.replicas import lag_tolerant
from jointcredit.common.tabular import safe_cell
from jointcredit.importing.template_files import template_response

from . import selectors, services
from .charts import bar_chart_svg
from .kinds import event_kinds, kind_label
from .models import DeliveryStatus, FeedbackResult


def _int(value, default=1):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


@login_required
def inbox(request):
    state = request.GET.get("state", "awaiting")
    today = clock.today()
    try:
        page = selectors.push_inbox(
            actor=request.user, state=state, today=today, page=_int(request.GET.get("page"))
        )
    except DomainError as exc:
        return render(
            request, "exchange/inbox.html", {"error": exc.message, "filters": selectors.INBOX_FILTERS}
        )
    rows = [
        {
            "push": p,
            "status": selectors.push_status(p, today=today),
            "withdrawal": selectors.push_withdrawal(p, today=today),
        }
        for p in page.items
    ]
    return render(
        request,
        "exchange/inbox.html",
        {"page": page, "rows": rows, "state": state, "filters": selectors.INBOX_FILTERS},
    )


@domain_errors_page
def push_detail(request, push_id: int):
    push = selectors.push_get(actor=request.user, push_id=push_id)
    today = clock.today()
    form = {"handled_on": today.isoformat()}
    errors = []
    if request.method == "POST":
        form = request.POST.dict()
        try:
            services.feedback_create(
                actor=request.user,
                department=push.department,
                entry_id=push.entry_id,
                measure=form.get("measure", ""),
                result=form.get("result", ""),
                handled_on=form.get("handled_on") or None,
                matter_name=form.get("matter_name", ""),
                matter_document_no=form.get("matter_document_no", ""),
                reason=form.get("reason", ""),
            )
            messages.success(request, "反馈已保存。")
            return redirect("exchange:push_detail", push_id=push.pk)
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
    return render(
        request,
        "exchange/push_detail.html",
        {
            "push": push,
            "status": selectors.push_status(push, today=today),
            "withdrawal": selectors.push_withdrawal(push, today=today),
            "feedback": push.feedback.select_related("measure").order_by("-created_at"),
            "results": FeedbackResult.choices,
            "form": form,
            "errors": errors,
            "can_feed_back": request.user.department_id == push.department_id,
        },
    )


@login_required
def feedback_import(request):
    result, errors = None, []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [{"message": "请选择要导入的文件（CSV 或 XLSX）。"}]
        else:
            try:
                result = services.feedback_import(actor=request.user, fileobj=upload, name=upload.name)
            except DomainError as exc:
                errors = exc.details or [{"message": exc.message}]
    return render(
        request,
        "exchange/feedback_import.html",
        {"result": result, "errors": errors[:200], "more": max(0, len(errors) - 200)},
    )


@login_required
def feedback_import_template(request, fmt: str):
    """导入模板 for 执行反馈: the Chinese header and one example row — the department's oldest pending
    push when it has one, so the example names a real entry and measure."""
    header = [names[0] for names in services.IMPORT_COLUMNS.values()]
    push = None
    if request.user.department_id:
        push = (
            selectors.push_filter(department_id=request.user.department_id)
            .prefetch_related("measures")
            .order_by("pushed_on", "pk")
            .first()
        )
    measure = push.measures.first() if push is not None else None
    example = {
        "名单条目编号": push.entry_id if push is not None else 1,
        "措施代码": measure.code if measure is not None else "punish-public-resource-trading",
        "事项名称": "政府采购投标资格审查",
        "文号": f"历采审〔{clock.today().year}〕1号",
        "反馈结果": FeedbackResult.PUNISHED.label,
        "理由": "",
        "实施日期": clock.today().isoformat(),
    }
    try:
        return template_response(header=header, example=example, fmt=fmt, filename="执行反馈")
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
def subscriptions(request):
    created_secret, errors, form = None, [], {}
    if request.method == "POST":
        form = request.POST
        try:
            sub, created_secret = services.subscription_create(
                actor=request.user,
                department=request.user.department,
                name=form.get("name", ""),
                url=form.get("url", ""),
                event_kinds=form.getlist("event_kinds"),
                list_type_codes=[c.strip() for c in form.get("list_type_codes", "").split(",") if c.strip()],
                batch_size=_int(form.get("batch_size"), default=1),
            )
            messages.success(request, f"订阅“{sub.name}”已登记。签名密钥仅显示这一次，请立即妥善保存。")
            form = {}
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
    try:
        page = selectors.subscription_list(actor=request.user, page=_int(request.GET.get("page")))
    except DomainError as exc:
        return render(request, "exchange/subscriptions.html", {"error": exc.message})
    for sub in page.items:
        sub.event_kind_labels = [kind_label(k) for k in sub.event_kinds]
    return render(
        request,
        "exchange/subscriptions.html",
        {
            "page": page,
            "kinds": event_kinds(),
            "form": form,
            "errors": errors,
            "created_secret": created_secret,
        },
    )


@domain_errors_page
def subscription_detail(request, subscription_id: int):
    sub = selectors.subscription_get(actor=request.user, subscription_id=subscription_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "redeliver_dead":
                n = services.deliveries_redeliver_dead(actor=request.user, subscription=sub)
                messages.success(request, f"已将 {n} 条死信重新排队投递。")
            elif request.POST.get("action") in ("pause", "resume"):
                services.subscription_set_active(
                    actor=request.user, subscription=sub, active=request.POST["action"] == "resume"
                )
                messages.success(request, "订阅状态已更新。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("exchange:subscription_detail", subscription_id=sub.pk)
    status = request.GET.get("status") or None
    page = selectors.delivery_list(
        actor=request.user, subscription_id=sub.pk, status=status, page=_int(request.GET.get("page"))
    )
    return render(
        request,
        "exchange/subscription_detail.html",
        {"sub": sub, "page": page, "status": status or "", "statuses": DeliveryStatus.choices},
    )


@login_required
@require_POST
def delivery_redeliver(request, delivery_id: int):
    try:
        row = selectors.delivery_get(actor=request.user, delivery_id=delivery_id)
        services.delivery_redeliver(actor=request.user, delivery=row)
        messages.success(request, "已重新排队投递。")
        return redirect("exchange:subscription_detail", subscription_id=row.subscription_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exchange:subscriptions")


@login_required
@lag_tolerant  # counts a few seconds old are fine: a read replica may answer (ADR 0048)
def dashboard(request):
    try:
        rates = selectors.response_rates(actor=request.user)
        overdue = selectors.overdue_pushes(actor=request.user, page=_int(request.GET.get("page")))
        series = selectors.measures_applied_by_month(actor=request.user)
    except DomainError as exc:
        return render(request, "exchange/dashboard.html", {"error": exc.message})
    chart = bar_chart_svg(
        labels=[m["month"].strftime("%Y-%m") for m in series],
        series=[
            ("惩戒", "#b23b3b", [m["punished"] for m in series]),
            ("激励", "#2f7d4f", [m["rewarded"] for m in series]),
        ],
        title="按月实施的奖惩措施",
    )
    return render(
        request,
        "exchange/dashboard.html",
        {"rates": rates, "overdue": overdue, "series": series, "chart": chart},
    )


CASE_COLUMNS = [
    "实施日期",
    "反馈部门",
    "主体名称",
    "统一社会信用代码/证件号码",
    "名单类型",
    "认定部门",
    "措施代码",
    "措施名称",
    "反馈结果",
    "事项名称",
    "文号",
]


def _case_row(f) -> list:
    return [
        f.handled_on.isoformat(),
        f.department.name,
        f.entry.subject_name,
        f.entry.subject.identifier,
        f.entry.list_type.name,
        f.entry.department.name,
        f.measure.code,
        f.measure.name,
        f.get_result_display(),
        f.matter_name,
        f.matter_document_no,
    ]


@login_required
def cases(request):
    kind = request.GET.get("kind") or None
    try:
        qs = selectors.cases(actor=request.user, kind=kind)
    except DomainError as exc:
        return render(request, "exchange/cases.html", {"error": exc.message})
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            "attachment; filename*=UTF-8''%E5%A5%96%E6%83%A9%E6%A1%88%E4%BE%8B.csv"
        )
        response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(response)
        writer.writerow(CASE_COLUMNS)
        for f in qs.iterator(chunk_size=2000):
            writer.writerow([safe_cell(v) for v in _case_row(f)])
        return response
    from jointcredit.common.pagination import paginate

    try:
        page = paginate(qs, page=_int(request.GET.get("page")), page_size=20)
    except DomainError as exc:
        return render(request, "exchange/cases.html", {"error": exc.message})
    return render(request, "exchange/cases.html", {"page": page, "kind": kind or ""})
