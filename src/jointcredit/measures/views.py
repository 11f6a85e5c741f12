"""Staff pages: the check with explanations, batch screening, memoranda and measures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jointcredit.accounts.decorators import office_admin_required
from jointcredit.accounts.models import Department
from jointcredit.common.errors import DomainError, NotFound, ValidationFailed
from jointcredit.common.params import int_or as _int
from jointcredit.subjects.models import RelatedRole, SubjectKind

from . import selectors, services
from .extensions import check_contexts
from .models import Measure, MeasureKind, Memorandum, Scenario
from .scenarios import scenario_names, scenarios_active


def _screening_or_404(request, screening_id: int):
    try:
        return selectors.screening_get(user=request.user, screening_id=screening_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
def check(request):
    identifier = request.GET.get("identifier", "").strip()
    scenario = request.GET.get("scenario", "")
    on_text = request.GET.get("date", "").strip()
    result, error = None, None
    if identifier or request.GET.get("scenario"):
        try:
            on = None
            if on_text:
                try:
                    on = date.fromisoformat(on_text)
                except ValueError:
                    raise DomainError(f"日期“{on_text}”格式错误，应为 YYYY-MM-DD。") from None
            result = selectors.measure_check(identifier=identifier, scenario=scenario, on=on)
        except DomainError as exc:
            error = exc.message
    contexts = []
    if result is not None and result.subject is not None:
        contexts = check_contexts(result.subject, result.scenario, request.user)
    return render(
        request,
        "measures/check.html",
        {
            "identifier": identifier,
            "scenario": scenario,
            "date": on_text,
            "scenarios": scenarios_active().items(),
            "result": result,
            "error": error,
            "contexts": contexts,
            "hits": [h.as_dict() for h in result.hits] if result else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def screenings(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        scenario = request.POST.get("scenario", "")
        on_text = request.POST.get("date", "").strip()
        try:
            if upload is None:
                raise DomainError("请选择要比对的文件（CSV、XLSX 或 TXT）。")
            try:
                on = date.fromisoformat(on_text) if on_text else None
            except ValueError:
                raise DomainError(f"日期“{on_text}”格式错误，应为 YYYY-MM-DD。") from None
            screening = services.screening_run(
                actor=request.user, fileobj=upload, file_name=upload.name, scenario=scenario, on=on
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("measures:screenings")
        messages.success(
            request,
            f"比对完成：共 {screening.total} 行，命中 {screening.hit}，未命中 {screening.clear}，"
            f"无效 {screening.invalid}。",
        )
        return redirect("measures:screening_detail", screening_id=screening.id)
    page = selectors.screening_list(user=request.user, page=_int(request.GET.get("page"), 1), page_size=20)
    return render(
        request, "measures/screenings.html", {"page": page, "scenarios": scenarios_active().items()}
    )


@login_required
def screening_detail(request, screening_id: int):
    from .screening import screening_rows_page

    screening = _screening_or_404(request, screening_id)
    status = request.GET.get("status") or None
    if status not in (None, "hit", "clear", "invalid"):
        status = None
    rows = screening_rows_page(
        screening, page=max(1, _int(request.GET.get("page"), 1)), page_size=100, status=status
    )
    return render(
        request,
        "measures/screening_detail.html",
        {
            "screening": screening,
            "rows": rows,
            "status": status or "",
            "status_choices": [("", "全部"), ("hit", "命中"), ("clear", "未命中"), ("invalid", "无效")],
        },
    )


@login_required
def screening_download(request, screening_id: int):
    from .screening import screening_result_file

    screening = _screening_or_404(request, screening_id)
    fmt = request.GET.get("format", "csv")
    try:
        content, content_type, name = screening_result_file(screening, fmt=fmt)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("measures:screening_detail", screening_id=screening.id)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"screening-{screening.id}.{fmt}\"; filename*=UTF-8''{name}"
    )
    return response


@login_required
def memoranda(request):
    page = selectors.memorandum_list(page=_int(request.GET.get("page"), 1), page_size=20)
    return render(request, "measures/memoranda.html", {"page": page})


@login_required
def measures(request):
    memorandum = request.GET.get("memorandum") or None
    scenario = request.GET.get("scenario") or None
    kind = request.GET.get("kind") or None
    error, page = None, None
    try:
        page = selectors.measure_list(
            page=_int(request.GET.get("page"), 1),
            page_size=50,
            memorandum=memorandum,
            scenario=scenario,
            kind=kind,
        )
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "measures/measures.html",
        {
            "page": page,
            "error": error,
            "memorandum": memorandum or "",
            "scenario": scenario or "",
            "kind": kind or "",
            "scenarios": scenario_names().items(),
            "scenario_labels": scenario_names(),
            "memoranda": selectors.memorandum_list(page=1, page_size=200).items,
        },
    )


# --- 系统配置: memoranda and measures (office only; the services validate and audit) ---------------


def _form_errors(exc: DomainError) -> list[dict]:
    """One line per bad field; a detail without its own message (a conflict) carries the error's."""
    return [d if d.get("message") else d | {"message": exc.message} for d in exc.details] or [
        {"message": exc.message}
    ]


@office_admin_required
@require_http_methods(["GET", "POST"])
def memorandum_edit(request, code: str | None = None):
    """系统配置 → 备忘录: the office creates or edits a memorandum."""
    current = Memorandum.objects.filter(code=code).first() if code is not None else None
    if code is not None and current is None:
        raise Http404("备忘录不存在。")
    errors: list[dict] = []
    if request.method == "POST":
        post = request.POST
        form = {k: post.get(k, "") for k in post} | {"signatories": post.getlist("signatories")}
        fields = {
            "name": post.get("name", ""),
            "document_no": post.get("document_no", "").strip(),
            "signatories": post.getlist("signatories"),
            "is_active": post.get("is_active") == "on",
        }
        signed_on_text = post.get("signed_on", "").strip()
        try:
            fields["signed_on"] = date.fromisoformat(signed_on_text) if signed_on_text else None
        except ValueError:
            errors.append(
                {"field": "signed_on", "message": f"签署日期“{signed_on_text}”格式错误，应为 YYYY-MM-DD。"}
            )
        for key, label in (("effective_from", "生效日期"), ("effective_until", "失效日期")):
            text = post.get(key, "").strip()
            try:
                fields[key] = date.fromisoformat(text) if text else None
            except ValueError:
                errors.append({"field": key, "message": f"{label}“{text}”格式错误，应为 YYYY-MM-DD。"})
        days_text = post.get("feedback_working_days", "").strip()
        try:
            fields["feedback_working_days"] = int(days_text)
        except ValueError:
            errors.append({"field": "feedback_working_days", "message": "反馈期限（工作日）必须是整数。"})
        if not errors:
            try:
                if current is None:
                    saved = services.memorandum_create(
                        actor=request.user, code=post.get("code", "").strip(), **fields
                    )
                else:
                    saved = services.memorandum_update(actor=request.user, memorandum=current, data=fields)
            except DomainError as exc:
                errors = _form_errors(exc)
            else:
                messages.success(request, f"备忘录“{saved.name}”已保存。")
                return redirect("measures:memoranda")
    elif current is not None:
        form = {
            "code": current.code,
            "name": current.name,
            "document_no": current.document_no,
            "signed_on": current.signed_on.isoformat() if current.signed_on else "",
            "feedback_working_days": current.feedback_working_days,
            "signatories": [d.code for d in current.signatories.all()],
            "is_active": "on" if current.is_active else "",
            "effective_from": current.effective_from.isoformat() if current.effective_from else "",
            "effective_until": current.effective_until.isoformat() if current.effective_until else "",
        }
    else:
        form = {"feedback_working_days": 10, "signatories": [], "is_active": "on"}
    return render(
        request,
        "measures/memorandum_edit.html",
        {
            "current": current,
            "form": form,
            "errors": errors,
            "departments": Department.objects.filter(is_active=True),
        },
    )


def _shareholder_reach(post) -> dict:
    """股东穿透层级 and 最低持股比例 from the form (ADR 0046); the service checks their ranges."""
    depth_text = (post.get("shareholder_depth") or "1").strip()
    share_text = (post.get("shareholder_min_share") or "").strip().rstrip("%")
    if not depth_text.isdigit():
        raise ValidationFailed.single("shareholder_depth", "number", "股东穿透层级应为整数。")
    try:
        share = Decimal(share_text) if share_text else None
    except InvalidOperation:
        raise ValidationFailed.single(
            "shareholder_min_share", "number", "股东最低持股比例应为数字。"
        ) from None
    return {"shareholder_depth": int(depth_text), "shareholder_min_share": share}


@office_admin_required
@require_http_methods(["GET", "POST"])
def measure_edit(request, code: str | None = None):
    """系统配置 → 奖惩措施: the office creates or edits a measure; the check uses it at once."""
    current = (
        Measure.objects.filter(code=code, superseded_by__isnull=True).select_related("memorandum").first()
        if code is not None
        else None
    )
    if code is not None and current is None:
        raise Http404("措施不存在。")
    errors: list[dict] = []
    lists = ("implementing_departments", "scenarios", "reach_roles", "directly_responsible_roles")
    if request.method == "POST":
        post = request.POST
        form = {k: post.get(k, "") for k in post} | {k: post.getlist(k) for k in lists}
        fields = {
            "name": post.get("name", ""),
            "kind": post.get("kind", ""),
            "legal_basis": post.get("legal_basis", "").strip(),
            "reaches_subject": post.get("reaches_subject") == "on",
            "is_active": post.get("is_active") == "on",
        } | {k: post.getlist(k) for k in lists}
        try:
            fields |= _shareholder_reach(post)
        except ValidationFailed as exc:
            errors = _form_errors(exc)
        try:
            if errors:
                raise ValidationFailed(errors[0]["message"], details=errors)
            for key, label in (("effective_from", "生效日期"), ("effective_until", "失效日期")):
                text = post.get(key, "").strip()
                try:
                    value = date.fromisoformat(text) if text else None
                except ValueError:
                    raise ValidationFailed.single(
                        key, "format", f"{label}“{text}”格式错误，应为 YYYY-MM-DD。"
                    ) from None
                # On an edit an empty 生效日期 means "from today" (a new version) or unchanged.
                if value is not None or key == "effective_until" or current is None:
                    fields[key] = value
            if current is None:
                memorandum = Memorandum.objects.filter(code=post.get("memorandum", "")).first()
                if memorandum is None:
                    raise ValidationFailed.single("memorandum", "required", "请选择措施所属的备忘录。")
                saved = services.measure_create(
                    actor=request.user,
                    memorandum=memorandum,
                    code=post.get("code", "").strip(),
                    **fields,
                )
            else:
                saved = services.measure_update(actor=request.user, measure=current, data=fields)
        except DomainError as exc:
            errors = _form_errors(exc)
        else:
            messages.success(request, f"措施“{saved.name}”已保存。")
            return redirect(
                f"{reverse('measures:measures')}?{urlencode({'memorandum': saved.memorandum.code})}"
            )
    elif current is not None:
        form = {
            "code": current.code,
            "name": current.name,
            "kind": current.kind,
            "legal_basis": current.legal_basis,
            "implementing_departments": [d.code for d in current.implementing_departments.all()],
            "scenarios": list(current.scenarios),
            "reaches_subject": "on" if current.reaches_subject else "",
            "reach_roles": list(current.reach_roles),
            "directly_responsible_roles": list(current.directly_responsible_roles),
            "shareholder_depth": current.shareholder_depth,
            "shareholder_min_share": ""
            if current.shareholder_min_share is None
            else current.shareholder_min_share,
            "is_active": "on" if current.is_active else "",
            "effective_until": current.effective_until.isoformat() if current.effective_until else "",
        }
    else:
        form = {"memorandum": request.GET.get("memorandum", ""), "kind": "punishment"}
        form |= {"reaches_subject": "on", "is_active": "on", "shareholder_depth": 1} | {k: [] for k in lists}
    return render(
        request,
        "measures/measure_edit.html",
        {
            "current": current,
            "form": form,
            "errors": errors,
            "memoranda": Memorandum.objects.order_by("-is_active", "code"),
            "kinds": MeasureKind.choices,
            "versions": selectors.measure_versions(current.code) if current else [],
            "departments": Department.objects.filter(is_active=True),
            # In use, plus retired ones the measure still names (kept unless unticked).
            "scenarios": (
                scenarios_active()
                | {
                    c: scenario_names()[c]
                    for c in (current.scenarios if current else [])
                    if c in scenario_names()
                }
            ).items(),
            "roles": RelatedRole.choices,
        },
    )


# --- 系统配置: 业务场景 (office only; ADR 0045) -----------------------------------------------------


@office_admin_required
@require_http_methods(["GET", "POST"])
def scenarios(request):
    """系统配置 → 业务场景: every scenario (in use and retired) and the form to add one."""
    errors: list[dict] = []
    form: dict = {"departments": []}
    if request.method == "POST":
        post = request.POST
        form = {
            "code": post.get("code", ""),
            "name": post.get("name", ""),
            "departments": post.getlist("departments"),
        }
        try:
            saved = services.scenario_create(
                actor=request.user,
                code=form["code"].strip(),
                name=form["name"],
                departments=form["departments"],
            )
        except DomainError as exc:
            errors = _form_errors(exc)
        else:
            messages.success(request, f"业务场景“{saved.name}”已登记，可在措施中选用。")
            return redirect("measures:scenarios")
    return render(
        request,
        "measures/scenarios.html",
        {
            "rows": selectors.scenario_list(include_retired=True),
            "form": form,
            "errors": errors,
            "departments": Department.objects.filter(is_active=True),
        },
    )


@office_admin_required
@require_http_methods(["GET", "POST"])
def scenario_edit(request, code: str):
    """Edit a scenario's name and departments, retire it (停用) or bring it back (启用)."""
    current = Scenario.objects.filter(code=code).first()
    if current is None:
        raise Http404("业务场景不存在。")
    errors: list[dict] = []
    form = {"name": current.name, "departments": [d.code for d in current.departments.all()]}
    if request.method == "POST":
        post = request.POST
        action = post.get("action", "save")
        if action in ("retire", "reactivate"):
            data: dict = {"is_active": action == "reactivate"}
        else:
            form = {"name": post.get("name", ""), "departments": post.getlist("departments")}
            data = dict(form)
        try:
            saved = services.scenario_update(actor=request.user, scenario=current, data=data)
        except DomainError as exc:
            errors = _form_errors(exc)
        else:
            done = {"retire": "已停用", "reactivate": "已重新启用"}.get(action, "已保存")
            messages.success(request, f"业务场景“{saved.name}”{done}。")
            return redirect("measures:scenarios")
    return render(
        request,
        "measures/scenario_edit.html",
        {
            "current": current,
            "form": form,
            "errors": errors,
            "departments": Department.objects.filter(is_active=True),
            "using": services.scenario_measures_using(current.code),
        },
    )


# --- 核查留痕 (recorded checks) -------------------------------------------------------------------


@login_required
@require_http_methods(["POST"])
def recorded_check_create(request):
    identifier = request.POST.get("identifier", "").strip()
    scenario = request.POST.get("scenario", "")
    on_text = request.POST.get("date", "").strip()
    try:
        try:
            on = date.fromisoformat(on_text) if on_text else None
        except ValueError:
            raise DomainError(f"日期“{on_text}”格式错误，应为 YYYY-MM-DD。") from None
        rc = services.recorded_check_create(
            actor=request.user,
            identifier=identifier,
            scenario=scenario,
            on=on,
            case_no=request.POST.get("case_no", ""),
            matter_name=request.POST.get("matter_name", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        query = urlencode({"identifier": identifier, "scenario": scenario, "date": on_text})
        return redirect(f"{reverse('measures:check')}?{query}")
    messages.success(request, f"已留痕：业务案卷 {rc.case_no}，摘要 {rc.digest[:12]}…")
    return redirect("measures:recorded_check_detail", recorded_check_id=rc.id)


@login_required
def recorded_checks(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("identifier", "case_no", "scenario")}
    page, error = None, None
    try:
        page = selectors.recorded_check_list(
            user=request.user,
            page=max(1, _int(request.GET.get("page"), 1)),
            page_size=20,
            **{k: v or None for k, v in filters.items()},
        )
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "measures/recorded_checks.html",
        {
            "page": page,
            "error": error,
            "filters": filters,
            "query": urlencode(filters),
            "scenarios": scenarios_active().items(),
            "sees_all": request.user.is_superuser or request.user.is_office_admin,
        },
    )


@login_required
def recorded_check_detail(request, recorded_check_id: int):
    from .recorded import recorded_check_verify

    try:
        rc = selectors.recorded_check_get(user=request.user, recorded_check_id=recorded_check_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(
        request,
        "measures/recorded_check_detail.html",
        {"rc": rc, "verification": recorded_check_verify(rc)},
    )


# --- 应查未查 (office) ----------------------------------------------------------------------------


def _date_param(request, name: str) -> date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"日期 {name}“{text}”格式错误，应为 YYYY-MM-DD。") from None


@office_admin_required
def unchecked_grants(request):
    from jointcredit.common.tabular import table_response

    from .extensions import grant_sources
    from .unchecked import UncheckedFilter, unchecked_grants, unchecked_report, unchecked_table

    params = {
        k: request.GET.get(k, "").strip() for k in ("decided_from", "decided_to", "department", "source")
    }
    unchecked_only = request.GET.get("unchecked_only") == "1"
    page, error = None, None
    try:
        filters = UncheckedFilter(
            decided_from=_date_param(request, "decided_from"),
            decided_to=_date_param(request, "decided_to"),
            department=params["department"] or None,
            source=params["source"] or None,
            unchecked_only=unchecked_only,
        )
        if request.GET.get("format") in ("csv", "xlsx"):
            header, rows = unchecked_table(unchecked_grants(actor=request.user, filters=filters))
            return table_response(header=header, rows=rows, fmt=request.GET["format"], stem="应查未查")
        page = unchecked_report(
            actor=request.user, filters=filters, page=max(1, _int(request.GET.get("page"), 1)), page_size=50
        )
    except DomainError as exc:
        error = exc.message
    query = urlencode({**params, **({"unchecked_only": "1"} if unchecked_only else {})})
    return render(
        request,
        "measures/unchecked_grants.html",
        {
            "page": page,
            "error": error,
            "params": params,
            "unchecked_only": unchecked_only,
            "query": query,
            "sources": [(k, label) for k, (label, _) in grant_sources().items()],
        },
    )


@login_required
def match(request):
    """按名称查找: the match API's answer as a page (ADR 0041), each candidate linked to its check."""
    from .matching import SCORING, match_query_validate, subject_match

    g = request.GET
    form = {
        k: g.get(k, "").strip() for k in ("name", "identifier", "kind", "birth_date", "region", "address")
    }
    form |= {"threshold": g.get("threshold", "").strip(), "limit": g.get("limit", "").strip()}
    result, error = None, None
    if form["name"] or form["identifier"]:
        try:
            birth_date = None
            if form["birth_date"]:
                try:
                    birth_date = date.fromisoformat(form["birth_date"])
                except ValueError:
                    raise DomainError(f"出生日期“{form['birth_date']}”格式错误，应为 YYYY-MM-DD。") from None
            try:
                threshold = float(form["threshold"]) if form["threshold"] else None
            except ValueError:
                raise DomainError("得分下限应为 0 到 1 之间的数。") from None
            query = match_query_validate(
                name=form["name"],
                identifier=form["identifier"],
                kind=form["kind"] or None,
                birth_date=birth_date,
                region=form["region"],
                address=form["address"],
                threshold=threshold,
                limit=_int(form["limit"], 10),
            )
            result = subject_match(query).as_dict()
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "measures/match.html",
        {
            "form": form,
            "kinds": SubjectKind.choices,
            "scenarios": scenarios_active().items(),
            "scenario": g.get("scenario", ""),
            "result": result,
            "error": error,
            "scoring": SCORING,
        },
    )
