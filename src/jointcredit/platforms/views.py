"""Staff pages of 上下联动: platforms with their figures and latest reconciliation (office), held
inbound items (correct and apply, or reject), rejected outgoing items (re-send). Thin: selectors
and services do the work; domain errors are shown as messages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.common.errors import DomainError, PermissionDenied
from jointcredit.common.pagination import paginate

from . import formats, selectors, services


def _int(value, default=1):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


@login_required
def home(request):
    if not (request.user.is_superuser or request.user.is_office_admin):
        return HttpResponseForbidden("上下联动总览仅限信用办查看。")
    rows = []
    for p in selectors.platform_list():
        rows.append(
            {
                "platform": p,
                "figures": selectors.exchange_figures(p),
                "report": selectors.reconciliation_latest(p),
            }
        )
    return render(request, "platforms/home.html", {"rows": rows})


@login_required
def held(request):
    page = paginate(
        selectors.held_items_filter(department_id=selectors.department_scope(request.user)),
        page=_int(request.GET.get("page")),
    )
    return render(request, "platforms/held.html", {"page": page, "fields": formats.LIST_ENTRY_FIELDS})


@login_required
def rejected(request):
    page = paginate(
        selectors.rejected_items_filter(department_id=selectors.department_scope(request.user)),
        page=_int(request.GET.get("page")),
    )
    return render(request, "platforms/rejected.html", {"page": page})


@login_required
@require_POST
def held_apply(request, item_id: int):
    corrections = {k: v for k, v in request.POST.items() if k in formats.LIST_ENTRY_FIELDS and v.strip()}
    try:
        item = services.inbound_item_apply(
            item=selectors.inbound_item_get(item_id), actor=request.user, corrections=corrections
        )
        messages.success(request, f"下发事项 {item.item_key} 已{item.get_state_display()}。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("platforms:held")


@login_required
@require_POST
def held_reject(request, item_id: int):
    try:
        item = services.inbound_item_reject(
            item=selectors.inbound_item_get(item_id),
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, f"下发事项 {item.item_key} 已退回上级平台。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("platforms:held")


@login_required
@require_POST
def rejected_resend(request, item_id: int):
    try:
        again = services.outgoing_item_resend(item=selectors.outgoing_item_get(item_id), actor=request.user)
        messages.success(request, f"已按当前数据重新上报（{again.idempotency_key}）。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("platforms:rejected")


@login_required
@require_POST
def exchange_now(request, code: str):
    try:
        result = services.platform_exchange_request(actor=request.user, platform=selectors.platform_get(code))
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("platforms:home")
    if result.get("failed"):
        messages.error(request, "前置库不可用，本轮交换未完成；已暂存的事项将在恢复后发送。")
    else:
        handled = sum(v for k, v in result.items() if k in ("applied", "linked", "held"))
        messages.success(request, f"交换完成：上报 {result.get('sent', 0)} 条，下发处理 {handled} 条。")
    return redirect("platforms:home")
