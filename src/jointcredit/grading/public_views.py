from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from jointcredit.common.errors import NotFound

from . import exports, inspections


def plan_list(request):
    plans = inspections.inspection_plan_list(public=True)[:200]
    return render(request, "grading/public_plan_list.html", {"plans": plans})


def _plan(pk: int):
    try:
        return inspections.inspection_plan_get(pk, public=True)
    except NotFound:
        raise Http404("抽查计划不存在或尚未公开。") from None


def plan_detail(request, pk: int):
    plan = _plan(pk)
    return render(
        request,
        "grading/public_plan_detail.html",
        {"plan": plan, "rows": inspections.sample_rows(plan, public=True)},
    )


def plan_export(request, pk: int):
    body, content_type, filename = exports.plan_export(_plan(pk), fmt="csv", public=True)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
