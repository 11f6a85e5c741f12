"""/api/v1/grading: grades (internal), rule sets, grade-A proposals, 双随机 plans, honours.

There is deliberately no ``public_router`` here: grades never reach the public API. The published
inspection results are public as pages (``public_urls``), without grades.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.http import HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common.schemas import (
    Identifier,
    PageNumber,
    PageSize,
    StatusChangeOut,
    choice_of,
    required_text,
)
from jointcredit.subjects.models import SubjectKind
from jointcredit.subjects.selectors import subject_get

from . import exports, honours, inspections, selectors, services
from .models import Grade

PREFIX = "/grading"
router = Router(tags=["信用分级与双随机抽查（内部）"])

if TYPE_CHECKING:  # types built at run time (the OpenAPI enums and documented bounds)
    SubjectKindFilter = str
    RequiredText200 = str
    RequiredText500 = str
else:
    RequiredText500 = required_text(500)
    SubjectKindFilter = choice_of(SubjectKind.values, blank=True)
    RequiredText200 = required_text(200)


class GradeOut(Schema):
    identifier: str
    name: str
    grade: str | None
    score: int | None
    ruleset_version: int | None
    computed_on: date | None
    explanation: list[dict[str, Any]]
    history: list[dict[str, Any]]


def _grade_out(subject) -> dict:
    grade = selectors.grade_of(subject)
    return {
        "identifier": subject.identifier,
        "name": subject.name,
        "grade": grade.grade if grade else None,
        "score": grade.score if grade else None,
        "ruleset_version": grade.ruleset_version if grade else None,
        "computed_on": grade.computed_on if grade else None,
        "explanation": (grade.explanation if grade else []),
        "history": [
            {
                "grade": h.grade,
                "score": h.score,
                "previous_grade": h.previous_grade or None,
                "previous_score": h.previous_score,
                "computed_on": h.computed_on.isoformat(),
                "computed_at": h.computed_at.isoformat(),
                "trigger": h.trigger,
                "ruleset_version": h.ruleset_version,
            }
            for h in selectors.grade_history(subject)
        ],
    }


@router.get("/subjects/{identifier}", response=GradeOut, summary="主体信用等级、评分说明和历史（内部）")
def grade_detail(request, identifier: Identifier):
    ensure_can_view(request.auth)
    return _grade_out(subject_get(identifier))


class GradeChangeOut(StatusChangeOut):
    event: str = Field(description="变更事项：graded 首次评级 / regraded 等级或得分变化")


@router.get(
    "/subjects/{identifier}/history",
    response=list[GradeChangeOut],
    summary="主体信用等级状态历史（内部）",
    description="等级或得分的每次变化（旧到新，最近 50 次）：原等级、新等级、得分与规则版本、"
    "计算时间（事务时间）和评价基准日（有效时间）。等级仅供内部使用。",
)
def grade_history(request, identifier: str):
    ensure_can_view(request.auth)
    return selectors.grade_timeline(subject_get(identifier))


@router.post("/subjects/{identifier}/recompute", response=GradeOut, summary="重新计算主体信用等级（信用办）")
def grade_recompute(request, identifier: Identifier):
    subject = subject_get(identifier)
    services.grade_subject(actor=request.auth, subject=subject)
    return _grade_out(subject)


@router.get("/distribution", summary="各等级主体数")
def distribution(request):
    ensure_can_view(request.auth)
    run = selectors.grading_run_latest()
    return {
        "grades": selectors.grade_distribution(),
        "last_run": None
        if run is None
        else {
            "on": run.on,
            "subjects": run.subjects,
            "seconds": run.seconds,
            "ruleset_version": run.ruleset_version,
        },
    }


# The rule fields and their bounds as the service checks them (services._validate_ruleset).
_RULESET_CHANGES = {
    "additionalProperties": False,
    "properties": {
        **{
            name: {"type": "number", "minimum": low, "maximum": high}
            for name, (low, high) in services._DECIMAL_FIELDS.items()
        },
        "penalty_category_points": {
            "type": "object",
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1000},
        },
        "extra_source_points": {
            "type": "object",
            "additionalProperties": {"type": "number", "minimum": -1000, "maximum": 1000},
        },
        "half_life_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        "black_max_grade": {"type": "string", "enum": list(Grade.values)},
    },
}
# 抽查比例 per grade: {min, max, rate} in percent (inspections.ratios_validate).
_RATIOS = {
    "propertyNames": {"enum": list(Grade.values)},
    "additionalProperties": {
        "type": "object",
        "properties": {
            key: {"type": "number", "minimum": 0, "maximum": 100} for key in ("min", "max", "rate")
        },
    },
}


class RuleSetIn(Schema):
    changes: Annotated[dict[str, Any], Field(json_schema_extra=_RULESET_CHANGES)]
    note: str = ""


def _ruleset_out(rs) -> dict:
    out = services._ruleset_snapshot(rs)
    out.update(
        {
            "is_active": rs.is_active,
            "note": rs.note,
            "created_at": rs.created_at.isoformat() if rs.created_at else None,
        }
    )
    return out


@router.get("/rulesets", summary="评分规则各版本")
def rulesets(request):
    ensure_can_view(request.auth)
    return {
        "active": _ruleset_out(selectors.ruleset_active()),
        "versions": [_ruleset_out(r) for r in selectors.ruleset_list()[:50]],
    }


@router.post("/rulesets", response={201: dict}, summary="发布新版评分规则（信用办管理员）")
def ruleset_publish(request, payload: RuleSetIn):
    rs = services.grading_ruleset_publish(actor=request.auth, changes=payload.changes, note=payload.note)
    return Status(201, _ruleset_out(rs))


@router.get("/proposals", summary="A 级主体：拟列入“信用评级良好”红名单的建议（不自动列入）")
def proposals(request, q: str = "", page: PageNumber = 1, page_size: PageSize = 20):
    ensure_can_view(request.auth)
    page_obj = selectors.grade_a_proposals(q=q, page=page, page_size=page_size)
    return {
        "items": [
            {
                "identifier": g.subject.identifier,
                "name": g.subject.name,
                "kind": g.subject.kind,
                "score": g.score,
                "computed_on": g.computed_on,
            }
            for g in page_obj.items
        ],
        "list_type": selectors.GOOD_RATING_LIST_TYPE,
        **page_obj.as_meta(),
    }


# --- 双随机 ---------------------------------------------------------------------------------------


class PlanIn(Schema):
    # Bounds the service checks with its own messages, documented here.
    name: RequiredText200
    industry: Annotated[str, Field(json_schema_extra={"maxLength": 100})] = ""
    region_code: Annotated[str, Field(json_schema_extra={"pattern": r"^(\d{6})?$"})] = ""
    subject_kind: SubjectKindFilter = ""
    ratios: Annotated[dict[str, Any], Field(json_schema_extra=_RATIOS)] | None = None
    seed: Annotated[int, Field(json_schema_extra={"minimum": 0, "maximum": inspections.MAX_SEED})] | None = (
        None
    )
    inspectors_per_subject: Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 5})] = 2


def _plan_out(plan, *, with_samples: bool = True) -> dict:
    out = {
        "id": plan.pk,
        "name": plan.name,
        "department": plan.department.code,
        "state": plan.state,
        "industry": plan.industry,
        "region_code": plan.region_code,
        "subject_kind": plan.subject_kind,
        "seed": plan.seed,
        "ratios": plan.ratios,
        "population": plan.population_size,
        "population_digest": plan.population_digest,
        "summary": plan.summary,
        "drawn_at": plan.drawn_at.isoformat(),
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
    }
    if with_samples:
        out["samples"] = inspections.sample_rows(plan, public=False)
    return out


@router.post("/inspection-plans", response={201: dict}, summary="创建双随机抽查计划并抽取（种子留存）")
def plan_create(request, payload: PlanIn):
    plan = inspections.inspection_plan_create(actor=request.auth, **payload.dict())
    return Status(201, _plan_out(plan))


@router.get("/inspection-plans", summary="抽查计划列表")
def plan_list(request):
    ensure_can_view(request.auth)
    return {"items": [_plan_out(p, with_samples=False) for p in inspections.inspection_plan_list()[:200]]}


@router.get("/inspection-plans/{plan_id}", summary="抽查计划详情（含等级，内部）")
def plan_detail(request, plan_id: int):
    ensure_can_view(request.auth)
    plan = inspections.inspection_plan_get(plan_id)
    return {**_plan_out(plan), "reproducible": inspections.inspection_plan_verify(plan)}


@router.post("/inspection-plans/{plan_id}/publish", summary="公开抽查计划和结果")
def plan_publish(request, plan_id: int):
    plan = inspections.inspection_plan_publish(
        actor=request.auth, plan=inspections.inspection_plan_get(plan_id)
    )
    return _plan_out(plan, with_samples=False)


@router.get("/inspection-plans/{plan_id}/export", summary="导出抽查结果（csv 或 xlsx）")
def plan_export(request, plan_id: int, format: Literal["csv", "xlsx"] = "csv"):  # noqa: A002 - query parameter name
    ensure_can_view(request.auth)
    plan = inspections.inspection_plan_get(plan_id)
    body, content_type, filename = exports.plan_export(plan, fmt=format, public=False)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


# --- 评先评优 -------------------------------------------------------------------------------------


class ScreenIn(Schema):
    # Each identifier gets its own result row (an invalid one is a row, not a 422).
    identifiers: Annotated[
        list[str], Field(json_schema_extra={"minItems": 1, "maxItems": honours.MAX_CANDIDATES})
    ]


def _screen_out(rows) -> dict:
    return {
        "rows": [r.__dict__ for r in rows],
        "barred": sum(r.status == "barred" for r in rows),
        "total": len(rows),
    }


@router.post("/honours/screenings", summary="评先评优候选名单筛查（JSON 标识列表）")
def honours_screen(request, payload: ScreenIn):
    ensure_can_view(request.auth)
    return _screen_out(honours.honours_screen(identifiers=payload.identifiers))


@router.post("/honours/screenings/upload", summary="评先评优候选名单筛查（上传 CSV/XLSX/TXT）")
def honours_screen_upload(request, file: File[UploadedFile]):
    ensure_can_view(request.auth)
    return _screen_out(honours.honours_screen(identifiers=exports.identifiers_from_upload(file)))


class HonourIn(Schema):
    identifier: Identifier
    title: RequiredText200
    awarded_on: date


def _honour_out(h) -> dict:
    return {
        "id": h.pk,
        "identifier": h.subject.identifier,
        "name": h.subject.name,
        "title": h.title,
        "department": h.department.code,
        "awarded_on": h.awarded_on,
        "revoked_at": h.revoked_at.isoformat() if h.revoked_at else None,
        "revoke_reason": h.revoke_reason,
    }


@router.post("/honours", response={201: dict}, summary="登记荣誉称号")
def honour_create(request, payload: HonourIn):
    return Status(201, _honour_out(honours.honour_create(actor=request.auth, **payload.dict())))


@router.get("/honours/revocations", summary="待撤销荣誉称号（获得者已被列入黑名单）")
def honours_to_revoke(request, mine: bool = True):
    ensure_can_view(request.auth)
    department = request.auth.department if mine else None
    items = honours.honours_to_revoke(department=department)[:500]
    return {"items": [_honour_out(r.honour) | {"reasons": r.reasons} for r in items]}


class RevokeIn(Schema):
    reason: RequiredText500


class HonourChangeOut(StatusChangeOut):
    event: str = Field(description="变更事项：awarded 授予 / revoked 撤销")


@router.get(
    "/honours/{honour_id}/history",
    response=list[HonourChangeOut],
    summary="荣誉称号状态历史",
    description="荣誉称号的授予和撤销（旧到新）：变更前后状态、原因、操作人、记录时间（事务时间）和生效日期（有效时间）。",
)
def honour_history(request, honour_id: int):
    ensure_can_view(request.auth)
    return honours.honour_timeline(honours.honour_get(honour_id))


@router.post("/honours/{honour_id}/revoke", summary="撤销荣誉称号")
def honour_revoke(request, honour_id: int, payload: RevokeIn):
    return _honour_out(
        honours.honour_revoke(actor=request.auth, honour=honours.honour_get(honour_id), reason=payload.reason)
    )
