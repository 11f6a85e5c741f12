"""Staff pages for grading (internal), 双随机 plans and 评先评优. Thin: parse → service → render."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from jointcredit.common.errors import DomainError, ValidationFailed
from jointcredit.common.params import int_or as _int

from . import exports, honours, inspections, selectors, services
from .models import GRADE_ORDER, Grade


@login_required
def home(request):
    q = request.GET.get("identifier", "").strip()
    if q:
        return redirect("grading:subject", identifier=q)
    dist = selectors.grade_distribution()
    total = sum(dist.values()) or 1
    return render(
        request,
        "grading/home.html",
        {
            "distribution": [
                (g, Grade(g).label, dist[g], round(100 * dist[g] / total, 1)) for g in GRADE_ORDER
            ],
            "run": selectors.grading_run_latest(),
            "ruleset": selectors.ruleset_active(),
        },
    )


@login_required
def subject_grade(request, identifier: str):
    from jointcredit.subjects.selectors import subject_get

    try:
        subject = subject_get(identifier)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("grading:home")
    if request.method == "POST":
        try:
            services.grade_subject(actor=request.user, subject=subject)
            messages.success(request, "已重新计算信用等级。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("grading:subject", identifier=subject.identifier)
    return render(
        request,
        "grading/subject.html",
        {
            "subject": subject,
            "grade": selectors.grade_of(subject),
            "timeline": selectors.grade_timeline(subject),
            "honours": [(h, honours.honour_timeline(h)) for h in selectors.honours_of(subject)],
        },
    )


@login_required
def proposals(request):
    page = selectors.grade_a_proposals(q=request.GET.get("q", ""), page=_int(request.GET.get("page"), 1))
    return render(request, "grading/proposals.html", {"page": page, "q": request.GET.get("q", "")})


_MAPPING_RULES = ("penalty_category_points", "extra_source_points")


def _mapping_text(value: dict) -> str:
    return "\n".join(f"{name} {points}" for name, points in value.items())


def _mapping_parse(name: str, text: str) -> dict:
    """“名称 分值” per line → {名称: 分值}; a bad line is named with the rule's Chinese name."""
    out: dict = {}
    for row, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, _, points = line.rpartition(" ")
        try:
            value = float(points)
        except ValueError:
            raise ValidationFailed.single(
                name,
                "mapping",
                f"“{services.ruleset_field_label(name)}”第 {row} 行应为“名称 分值”，例如“罚款 5”。",
            ) from None
        out[label.strip()] = int(value) if value.is_integer() else value
    return out


def _rule_changes(post, active) -> dict:
    """The rules whose submitted value differs from the rule set in force."""
    current = services._ruleset_snapshot(active)
    changes: dict = {}
    for name in services.RULESET_FIELDS:
        if name not in post:
            continue
        raw = post.get(name, "").strip()
        if name in _MAPPING_RULES:
            mapping = _mapping_parse(name, post.get(name, ""))
            if mapping != current[name]:
                changes[name] = mapping
        elif name == "half_life_days":
            try:
                days = int(raw)
            except ValueError:
                raise ValidationFailed.single(
                    name, "integer", "衰减半衰期必须是 1 到 3650 天的整数。"
                ) from None
            if days != current[name]:
                changes[name] = days
        elif name == "black_max_grade":
            if raw != current[name]:
                changes[name] = raw
        elif not _same_number(raw, current[name]):
            changes[name] = raw
    return changes


def _same_number(raw: str, value) -> bool:
    try:
        return Decimal(raw) == Decimal(str(value))
    except InvalidOperation:
        return False


@login_required
def rules(request):
    errors: list[dict] = []
    active = selectors.ruleset_active()
    submitted = None
    if request.method == "POST":
        submitted = request.POST
        try:
            changes = _rule_changes(request.POST, active)
            if not changes:
                raise ValidationFailed.single("changes", "required", "没有修改任何规则，未发布新版本。")
            rs = services.grading_ruleset_publish(
                actor=request.user, changes=changes, note=request.POST.get("note", "")
            )
        except DomainError as exc:
            errors = exc.details or [{"message": exc.message}]
        else:
            messages.success(
                request,
                f"已发布评分规则 v{rs.version}，下次评级起生效（可运行 jointcredit grade 全量重算）。",
            )
            return redirect("grading:rules")
    current = services._ruleset_snapshot(active)
    fields = []
    for name in services.RULESET_FIELDS:
        value = current[name]
        if submitted is not None and name in submitted:
            shown = submitted.get(name)
        else:
            shown = _mapping_text(value) if name in _MAPPING_RULES else value
        kind = "mapping" if name in _MAPPING_RULES else "grade" if name == "black_max_grade" else "number"
        fields.append(
            {"name": name, "label": services.ruleset_field_label(name), "value": shown, "kind": kind}
        )
    return render(
        request,
        "grading/rules.html",
        {
            "active": active,
            "versions": selectors.ruleset_list()[:20],
            "errors": errors,
            "fields": fields,
            "grades": Grade.values,
            "note": submitted.get("note", "") if submitted is not None else "",
        },
    )


@login_required
def plan_list(request):
    error, form = None, {}
    if request.method == "POST":
        form = request.POST
        ratios = {
            g: {"rate": float(form[f"rate_{g}"])}
            for g in GRADE_ORDER
            if form.get(f"rate_{g}", "").strip().replace(".", "", 1).isdigit()
        }
        seed = form.get("seed", "").strip()
        try:
            plan = inspections.inspection_plan_create(
                actor=request.user,
                name=form.get("name", ""),
                industry=form.get("industry", "").strip(),
                region_code=form.get("region_code", "").strip(),
                subject_kind=form.get("subject_kind", ""),
                ratios=ratios,
                seed=int(seed) if seed.isdigit() else None,
                inspectors_per_subject=_int(form.get("inspectors_per_subject"), 2),
            )
            messages.success(
                request, f"已抽取：{plan.summary['sampled']} / {plan.population_size}，随机种子 {plan.seed}。"
            )
            return redirect("grading:plan_detail", pk=plan.pk)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "grading/plan_list.html",
        {
            "plans": inspections.inspection_plan_list()[:100],
            "defaults": inspections.default_ratios(),
            "error": error,
            "form": form,
        },
    )


@login_required
def plan_detail(request, pk: int):
    plan = inspections.inspection_plan_get(pk)
    if request.method == "POST":
        try:
            inspections.inspection_plan_publish(actor=request.user, plan=plan)
            messages.success(request, "已公开抽查计划和结果。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("grading:plan_detail", pk=pk)
    grades = [(g, plan.summary["grades"][g], plan.ratios[g]) for g in GRADE_ORDER]
    return render(
        request,
        "grading/plan_detail.html",
        {
            "plan": plan,
            "grades": grades,
            "rows": inspections.sample_rows(plan, public=False),
            "reproducible": inspections.inspection_plan_verify(plan),
        },
    )


@login_required
def plan_export(request, pk: int, fmt: str):
    try:
        body, content_type, filename = exports.plan_export(
            inspections.inspection_plan_get(pk), fmt=fmt, public=False
        )
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def honours_page(request):
    rows, error = None, None
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "screen":
            upload = request.FILES.get("file")
            ids = (
                exports.identifiers_from_upload(upload)
                if upload
                else exports.identifiers_from_text(request.POST.get("identifiers", ""))
            )
            rows = honours.honours_screen(identifiers=ids)
        elif action == "revoke":
            honours.honour_revoke(
                actor=request.user,
                honour=honours.honour_get(_int(request.POST.get("honour"), 0)),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "已撤销荣誉称号。")
            return redirect("grading:honours")
        elif action == "award":
            from datetime import date

            honours.honour_create(
                actor=request.user,
                identifier=request.POST.get("identifier", ""),
                title=request.POST.get("title", ""),
                awarded_on=date.fromisoformat(request.POST.get("awarded_on", "")),
            )
            messages.success(request, "已登记荣誉称号。")
            return redirect("grading:honours")
    except DomainError as exc:
        error = exc.message
    except ValueError:
        error = "授予日期格式应为 YYYY-MM-DD。"
    mine = request.user.department if request.user.department_id else None
    return render(
        request,
        "grading/honours.html",
        {
            "rows": rows,
            "error": error,
            "worklist": honours.honours_to_revoke(department=mine)[:200],
            "recent": honours.honour_list(department=mine)[:50],
        },
    )
