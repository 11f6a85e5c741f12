"""Staff pages for 双公示 (thin: parse → service/selector → template)."""

from __future__ import annotations

import random
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import can_write_for, delegated_departments
from jointcredit.common import clock
from jointcredit.common.errors import DomainError, NotFound
from jointcredit.common.params import int_or as _int
from jointcredit.importing.pipeline import ImportMode
from jointcredit.importing.template_files import template_response

from . import exports, samples, selectors, services
from .fields import FIELDS, PENALTY, RECORD_TYPE_LABELS, RECORD_TYPES


def _type(record_type: str) -> str:
    if record_type not in RECORD_TYPES:
        raise Http404("未知的信息类别")
    return record_type


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _department(code: str | None) -> Department | None:
    return Department.objects.filter(code=code).first() if code else None


def _writable_departments(user, record_type: str) -> list[Department]:
    if user.department is None:
        return []
    candidates = [user.department, *delegated_departments(user.department, scope=record_type)]
    return [d for d in candidates if can_write_for(user, d, scope=record_type)]


@login_required
def record_list(request):
    record_type = request.GET.get("type") or "penalty"
    _type(record_type)
    params = {
        "q": request.GET.get("q", "").strip(),
        "state": request.GET.get("state", ""),
        "department": request.GET.get("department", ""),
        "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
        "overdue": request.GET.get("overdue", ""),
    }
    error, page = None, None
    try:
        page = selectors.record_list(
            record_type=record_type,
            department=_department(params["department"]),
            q=params["q"],
            state=params["state"],
            date_from=_date(params["date_from"]),
            date_to=_date(params["date_to"]),
            overdue=bool(params["overdue"]),
            page=_int(request.GET.get("page"), 1),
            page_size=20,
        )
    except DomainError as exc:
        error = exc.message
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return render(
        request,
        "records/list.html",
        {
            "record_type": record_type,
            "type_label": RECORD_TYPE_LABELS[record_type],
            "types": RECORD_TYPE_LABELS,
            "page": page,
            "error": error,
            "params": params,
            "query": query,
            "departments": Department.objects.filter(is_active=True),
            "today": clock.today(),
            "can_write": bool(_writable_departments(request.user, record_type)),
        },
    )


@login_required
def record_detail(request, record_type: str, pk: int):
    record = selectors.record_get(record_type=_type(record_type), pk=pk)
    fields = exports.standard_fields(record)
    labels = {s.code: s.label for s in FIELDS[record_type]}
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "record_type": record_type,
            "type_label": RECORD_TYPE_LABELS[record_type],
            "fields": [(code, labels[code], value) for code, value in fields.items()],
            "history": selectors.record_history(record),
            "timeline": selectors.record_publication_timeline(record),
            "can_write": can_write_for(request.user, record.department, scope=record_type),
        },
    )


@login_required
def record_new(request, record_type: str):
    _type(record_type)
    specs = FIELDS[record_type]
    values = {s.code: "" for s in specs}
    errors: dict[str, list[str]] = {}
    general = None
    departments = _writable_departments(request.user, record_type)
    if request.method == "POST":
        values = {s.code: request.POST.get(s.code, "").strip() for s in specs}
        dept = next(
            (d for d in departments if d.code == request.POST.get("department")), request.user.department
        )
        try:
            record, _ = services.record_save(
                actor=request.user,
                record_type=record_type,
                data={k: v for k, v in values.items() if v},
                department=dept,
                hold_as_draft=bool(request.POST.get("draft")),
                source="form",
            )
            messages.success(request, f"已保存：{record.doc_no}（{record.display_status_label()}）")
            return redirect("records:detail", record_type=record_type, pk=record.pk)
        except DomainError as exc:
            general = exc.message
            for d in exc.details:
                errors.setdefault(d.get("field", ""), []).append(d.get("message", ""))
    return render(
        request,
        "records/form.html",
        {
            "record_type": record_type,
            "type_label": RECORD_TYPE_LABELS[record_type],
            "departments": departments,
            "rows": [(s, values.get(s.code, ""), errors.get(s.code, [])) for s in specs],
            "general": general,
        },
    )


@login_required
def import_template(request, record_type: str, fmt: str):
    """导入模板: the national header of the record type and one example row of the user's department."""
    _type(record_type)
    department = request.user.department or Department(name="示例部门", code="demo")
    sample = samples.penalty_row if record_type == PENALTY else samples.license_row
    example = sample(random.Random(0), department, decided=clock.today())
    header = samples.PENALTY_HEADER if record_type == PENALTY else samples.LICENSE_HEADER
    try:
        return template_response(
            header=header,
            example=example,
            fmt=fmt,
            filename=RECORD_TYPE_LABELS[record_type],
            labels={s.code: s.label for s in FIELDS[record_type]},
        )
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
def record_import(request, record_type: str):
    _type(record_type)
    departments = _writable_departments(request.user, record_type)
    report, error = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        dept = next(
            (d for d in departments if d.code == request.POST.get("department")), request.user.department
        )
        if upload is None:
            error = "请选择要导入的文件。"
        else:
            try:
                batch = services.records_import(
                    actor=request.user,
                    record_type=record_type,
                    department=dept,
                    fileobj=upload,
                    name=upload.name,
                    size=upload.size,
                    mode=request.POST.get("mode") or ImportMode.ALL_OR_NOTHING,
                    hold_as_draft=bool(request.POST.get("draft")),
                    source="ui",
                )
                return redirect("records:import_detail", batch_id=batch.pk)
            except services.ImportRejected as exc:
                return redirect("records:import_detail", batch_id=exc.batch.pk)
            except DomainError as exc:
                error = exc.message
    return render(
        request,
        "records/import.html",
        {
            "record_type": record_type,
            "type_label": RECORD_TYPE_LABELS[record_type],
            "departments": departments,
            "modes": ImportMode.choices,
            "report": report,
            "error": error,
            "codes": [(s.code, s.label) for s in FIELDS[record_type]],
        },
    )


@login_required
def import_detail(request, batch_id: int):
    batch = selectors.batch_get(batch_id)
    return render(
        request, "records/import_detail.html", {"batch": batch, "report": services.import_report(batch)}
    )


@login_required
def record_export(request, record_type: str):
    _type(record_type)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        fmt = "csv"
    try:
        return exports.export_response(
            record_type=record_type,
            fmt=fmt,
            department=_department(request.GET.get("department")),
            date_from=_date(request.GET.get("date_from")),
            date_to=_date(request.GET.get("date_to")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("records:list")


@login_required
@require_POST
def record_publish(request, record_type: str, pk: int):
    record = selectors.record_get(record_type=_type(record_type), pk=pk)
    try:
        services.record_publish(actor=request.user, record=record)
        messages.success(request, "已公示。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:detail", record_type=record_type, pk=pk)


@login_required
@require_POST
def record_withdraw(request, record_type: str, pk: int):
    record = selectors.record_get(record_type=_type(record_type), pk=pk)
    try:
        services.record_withdraw(actor=request.user, record=record, reason=request.POST.get("reason", ""))
        messages.success(request, "已撤销，记录已从门户移出。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:detail", record_type=record_type, pk=pk)


@login_required
def timeliness(request):
    today = clock.today()
    date_from = _date(request.GET.get("date_from")) or date(today.year, 1, 1)
    date_to = _date(request.GET.get("date_to")) or today
    department = _department(request.GET.get("department"))
    rows, error = [], None
    try:
        rows = selectors.timeliness_report(date_from=date_from, date_to=date_to, department=department)
    except DomainError as exc:
        error = exc.message
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx") and not error:
        return exports.timeliness_response(rows=rows, fmt=fmt)
    for row in rows:
        row["rate_pct"] = round(row["on_time_rate"] * 100) if row["on_time_rate"] is not None else None
    totals = {
        k: sum(r[k] for r in rows)
        for k in ("total", "on_time", "late", "overdue_unpublished", "not_yet_due", "pending_calendar")
    }
    return render(
        request,
        "records/timeliness.html",
        {
            "rows": rows,
            "totals": totals,
            "date_from": date_from,
            "date_to": date_to,
            "error": error,
            "department": department.code if department else "",
            "departments": Department.objects.filter(is_active=True),
        },
    )
