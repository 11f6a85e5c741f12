"""Staff pages of 上下联动: platforms with their figures and latest reconciliation (office), held
inbound items (correct and apply, or reject), rejected outgoing items (re-send). Thin: selectors
and services do the work; domain errors are shown as messages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.decorators import forbidden_page, office_admin_required
from jointcredit.common.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from jointcredit.common.pagination import paginate
from jointcredit.common.tabular import table_response

from . import formats, selectors, services
from .models import Transport
from .transports import config as transport_config
from .transports import files


def _int(value, default=1):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


@office_admin_required
def home(request):
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
        platform = selectors.platform_get(code)
        result = services.platform_exchange_request(actor=request.user, platform=platform)
    except PermissionDenied as exc:
        return forbidden_page(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("platforms:home")
    if result.get("failed"):
        messages.error(request, "上级平台不可用，本轮交换未完成；已暂存的事项将在恢复后发送。")
    elif platform.transport == Transport.FILE:  # “生成上报文件”: the new files are on the files page
        messages.success(
            request, f"已生成上报文件，共 {result.get('sent', 0)} 条事项；请下载后上传至{platform.name}。"
        )
        return redirect("platforms:files", code=platform.code)
    else:
        handled = sum(v for k, v in result.items() if k in ("applied", "linked", "held"))
        messages.success(request, f"交换完成：上报 {result.get('sent', 0)} 条，下发处理 {handled} 条。")
    return redirect("platforms:home")


# --- transports (ADR 0043): the config page, the file transport's files and receipt files ---------------
def _platform(code: str):
    try:
        return selectors.platform_get(code)
    except NotFound as exc:
        raise Http404(exc.message) from None


@office_admin_required
def config(request, code: str):
    platform = _platform(code)
    form = {
        "transport": platform.transport,
        "interval_minutes": platform.interval_minutes,
        "url": (platform.settings or {}).get("url", ""),
        "key_env": (platform.settings or {}).get("key_env", ""),
        "file_format": (platform.settings or {}).get("file_format", "xlsx"),
        "is_active": platform.is_active,
    }
    if request.method == "POST":
        form = {
            **form,
            **{
                k: request.POST.get(k, "")
                for k in ("transport", "interval_minutes", "url", "key_env", "file_format")
            },
            "is_active": bool(request.POST.get("is_active")),
        }
        try:
            platform = transport_config.platform_transport_update(
                actor=request.user, platform=platform, **form
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"{platform.name}的交换方式已保存：{platform.get_transport_display()}。"
            )
            return redirect("platforms:config", code=platform.code)
    return render(
        request,
        "platforms/config.html",
        {
            "platform": platform,
            "form": form,
            "transports": Transport.choices,
            "formats": files.FORMATS,
            "key_status": transport_config.key_env_status(platform),
        },
    )


@office_admin_required
def file_list(request, code: str):
    platform = _platform(code)
    page = paginate(selectors.outgoing_files(platform), page=_int(request.GET.get("page")))
    return render(
        request,
        "platforms/files.html",
        {
            "platform": platform,
            "page": page,
            "receipt_columns": files.RECEIPT_COLUMNS,
            "formats": files.FORMATS,
        },
    )


@office_admin_required
def file_download(request, code: str, file_id: int, fmt: str):
    if fmt not in files.FORMATS:
        raise Http404("不支持的文件格式。")
    try:
        file = selectors.outgoing_file_get(_platform(code), file_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return table_response(
        header=files.file_header(file.item_type),
        rows=files.file_rows(file),
        fmt=fmt,
        stem=f"{file.platform.code}-{file.item_type_label}-上报文件{file.pk}",
    )


@login_required
@require_POST
def file_receipt(request, code: str):
    platform = _platform(code)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择回执文件（CSV 或 XLSX）。")
        return redirect("platforms:files", code=code)
    try:
        counts = files.receipt_file_record(
            actor=request.user, platform=platform, upload=upload, name=upload.name or "", size=upload.size
        )
    except PermissionDenied as exc:
        return forbidden_page(request, exc.message)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        for detail in exc.details[1:20]:
            messages.error(request, detail.get("message", ""))
    else:
        messages.success(
            request,
            f"回执文件已导入 {counts['lines']} 行：接收 {counts['accepted']} 条，退回 {counts['rejected']} 条"
            "（此前已有回执的事项不重复登记）。",
        )
    return redirect("platforms:files", code=code)
