"""数据分区 in the workbench (系统配置, office admins only): partitions, sizes, schedules; archive one
partition. Thin: selectors read the catalogue, services archive and audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jointcredit.accounts.permissions import ensure_office_admin
from jointcredit.common import partitions
from jointcredit.common.errors import DomainError, PermissionDenied

from . import selectors, services


def _office_only(view):
    def wrapper(request, *args, **kwargs):
        try:
            ensure_office_admin(request.user)
        except PermissionDenied as exc:
            return HttpResponseForbidden(exc.message)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_required(wrapper)


@_office_only
def partition_list(request):
    return render(
        request,
        "operations/partitions.html",
        {
            "enabled": partitions.enabled(),
            "tables": selectors.partition_tables(),
            "schedules": selectors.schedule_list(),
        },
    )


@_office_only
@require_POST
def partition_archive(request):
    table, name = request.POST.get("table", ""), request.POST.get("partition", "")
    try:
        path = services.partition_archive(actor=request.user, table=table, name=name)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"分区 {name} 已归档到 {path}，并已从数据库移除。")
    return redirect("operations:partitions")
