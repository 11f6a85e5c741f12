"""节假日日历 in the workbench (系统配置): the office enters a year's arrangement and single-day
adjustments here. Thin: the calendar services validate, audit and tell the apps holding
待配置节假日 deadlines to recompute (``calendar_changed``)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.decorators import office_admin_required
from jointcredit.common import clock
from jointcredit.common.errors import DomainError, ValidationFailed

from . import selectors, services
from .forms import override_lines_parse
from .models import DayKind


def _year(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


@office_admin_required
def years(request):
    """Every year around today with where its working days come from; configure a whole year."""
    errors: list[dict] = []
    form: dict = {}
    if request.method == "POST":
        form = request.POST
        year = _year(form.get("year"))
        try:
            if year is None:
                raise ValidationFailed.single("year", "range", "年度必须是 2000 到 2100 之间的整数。")
            overrides = override_lines_parse(form.get("overrides", ""))
            services.calendar_year_configure(
                actor=request.user,
                year=year,
                overrides=overrides,
                source=form.get("source", "").strip()[:200],
            )
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
        else:
            messages.success(request, f"{year} 年节假日安排已保存（{len(overrides)} 个调整日）。")
            return redirect("calendar:year_detail", year=year)
    today = clock.today()
    return render(
        request,
        "calendar/years.html",
        {"years": selectors.calendar_year_overview(today=today), "form": form, "errors": errors},
    )


@office_admin_required
def year_detail(request, year: int):
    """One year's adjustments; add or change one day."""
    errors: list[dict] = []
    form: dict = {}
    if request.method == "POST":
        form = request.POST
        try:
            try:
                day = date.fromisoformat(form.get("date", ""))
            except ValueError:
                raise ValidationFailed.single("date", "date", "日期无效，应为 YYYY-MM-DD。") from None
            services.holiday_override_set(
                actor=request.user, day=day, kind=form.get("kind", ""), name=form.get("name", "").strip()
            )
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
        else:
            messages.success(request, f"{day} 已保存。")
            return redirect("calendar:year_detail", year=day.year)
    status = next((y for y in selectors.calendar_year_overview(today=clock.today()) if y.year == year), None)
    return render(
        request,
        "calendar/year_detail.html",
        {
            "year": year,
            "status": status,
            "overrides": selectors.holiday_overrides_in(year=year),
            "kinds": DayKind.choices,
            "form": form,
            "errors": errors,
        },
    )


@require_POST
@office_admin_required
def override_delete(request, year: int, day: str):
    try:
        services.holiday_override_delete(actor=request.user, day=date.fromisoformat(day))
    except ValueError:
        messages.error(request, "日期无效。")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{day} 的调整已删除。")
    return redirect("calendar:year_detail", year=year)
