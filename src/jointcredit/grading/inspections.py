"""双随机、一公开: graded random inspection sampling (DESIGN.md §2).

* Population: subjects (not merged) matching the plan's filter (industry, region, subject kind),
  snapshotted with their grade and list flags when the plan is drawn; an ungraded subject counts
  as B (and the plan summary says how many were).
* Per grade the office sets a rate inside the grade's band (defaults A ≤5%, B 5–20%, C 21–60%,
  D 61–100%); red-list subjects are drawn at the band's lower bound, black-list subjects always.
* Reproducible: ``draw_sample(snapshot, ratios, seed)`` is a pure function of the snapshot (sorted by
  subject id) and the seed, so anyone can re-run it from the published plan. Seeds are never reused.
* Inspectors are drawn at random (from the same seed, separate stream) among the department's
  active staff.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from datetime import date

from django.db import transaction

from jointcredit.accounts.models import Role, User
from jointcredit.accounts.permissions import ensure_can_write
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jointcredit.common.masking import mask_id_number, mask_person_name
from jointcredit.exchange.outbox import event_emit
from jointcredit.lists.models import ListColor, ListEntry
from jointcredit.subjects.models import Subject, SubjectKind

from .models import (
    DEFAULT_RATES,
    DEFAULT_RATIO_BANDS,
    InspectionPlan,
    InspectionSample,
    PlanState,
    SubjectGrade,
)

GRADES = ("A", "B", "C", "D")
FLAG_NONE, FLAG_RED, FLAG_BLACK = "", "red", "black"
MAX_SEED = 2**63 - 1


def default_ratios() -> dict:
    return {
        g: {"min": DEFAULT_RATIO_BANDS[g][0], "max": DEFAULT_RATIO_BANDS[g][1], "rate": DEFAULT_RATES[g]}
        for g in GRADES
    }


def ratios_validate(ratios: dict | None) -> dict:
    """Every grade present, 0 ≤ min ≤ rate ≤ max ≤ 100, and better grades never inspected more."""
    merged = default_ratios()
    details = []
    for g, spec in (ratios or {}).items():
        if g not in GRADES:
            details.append(
                {"field": f"ratios.{g}", "rule": "grade", "message": f"未知等级“{g}”，只能是 A、B、C、D。"}
            )
            continue
        if not isinstance(spec, dict):
            details.append(
                {
                    "field": f"ratios.{g}",
                    "rule": "object",
                    "message": f"{g} 级比例必须是 {{min, max, rate}}。",
                }
            )
            continue
        for key in ("min", "max", "rate"):
            if key in spec:
                value = spec[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    details.append(
                        {
                            "field": f"ratios.{g}.{key}",
                            "rule": "number",
                            "message": f"{g} 级 {key} 必须是 0 到 100 之间的数字（百分比）。",
                        }
                    )
                    continue
                merged[g][key] = float(value)
        if "rate" not in spec and ("min" in spec or "max" in spec):
            merged[g]["rate"] = min(max(merged[g]["rate"], merged[g]["min"]), merged[g]["max"])
    if details:
        raise ValidationFailed(details[0]["message"], details=details)
    for g in GRADES:
        lo, hi, rate = merged[g]["min"], merged[g]["max"], merged[g]["rate"]
        if not (0 <= lo <= 100 and 0 <= hi <= 100 and 0 <= rate <= 100):
            details.append(
                {"field": f"ratios.{g}", "rule": "range", "message": f"{g} 级比例必须在 0% 到 100% 之间。"}
            )
        elif lo > hi:
            details.append(
                {
                    "field": f"ratios.{g}.min",
                    "rule": "min_le_max",
                    "message": f"{g} 级比例下限 {lo:g}% 大于上限 {hi:g}%。",
                }
            )
        elif not lo <= rate <= hi:
            details.append(
                {
                    "field": f"ratios.{g}.rate",
                    "rule": "within_band",
                    "message": f"{g} 级抽查比例 {rate:g}% 不在 {lo:g}%–{hi:g}% 范围内。",
                }
            )
    if not details:
        rates = [merged[g]["rate"] for g in GRADES]
        if rates != sorted(rates):
            details.append(
                {
                    "field": "ratios",
                    "rule": "monotonic",
                    "message": "抽查比例必须随信用等级降低而提高（A ≤ B ≤ C ≤ D），当前为 "
                    + "、".join(f"{g} {merged[g]['rate']:g}%" for g in GRADES)
                    + "。",
                }
            )
    if details:
        raise ValidationFailed(details[0]["message"], details=details)
    return merged


def _count(n: int, rate: float) -> int:
    """Round half up: 5% of 10 subjects is 1 (0.5), never 0 when the stratum and rate are non-zero."""
    return min(n, int(math.floor(n * rate / 100 + 0.5))) if n else 0


def draw_sample(snapshot: list[list], ratios: dict, seed: int) -> list[tuple[int, str, str]]:
    """Pure and reproducible: (subject_id, grade, reason) for the sample, in draw order.

    ``snapshot`` rows are [subject_id, grade, flag] sorted by subject_id. Black-list subjects are
    all taken; red-list ones are drawn at their band's lower bound, the rest at the plan's rate.
    """
    rng = random.Random(seed)
    out: list[tuple[int, str, str]] = [(sid, g, "black") for sid, g, flag in snapshot if flag == FLAG_BLACK]
    for g in GRADES:
        for flag, rate, reason in (
            (FLAG_NONE, ratios[g]["rate"], "ratio"),
            (FLAG_RED, ratios[g]["min"], "red_lower"),
        ):
            stratum = [sid for sid, grade, f in snapshot if grade == g and f == flag]
            k = _count(len(stratum), rate)
            out.extend((sid, g, reason) for sid in sorted(rng.sample(stratum, k)))
    return out


def draw_inspectors(sample_ids: list[int], staff: list[tuple[int, str]], per_subject: int, seed: int) -> dict:
    rng = random.Random(f"{seed}:inspectors")
    return {
        sid: [{"id": uid, "name": name} for uid, name in sorted(rng.sample(staff, per_subject))]
        for sid in sample_ids
    }


def _population(*, industry: str, region_code: str, subject_kind: str, on: date) -> list[list]:
    from jointcredit.measures.selectors import effective_entries_q

    qs = Subject.objects.filter(merged_into__isnull=True)
    if industry:
        qs = qs.filter(industry=industry)
    if region_code:
        qs = qs.filter(region_code=region_code)
    if subject_kind:
        qs = qs.filter(kind=subject_kind)
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    id_set = set(ids)
    grades = {}
    flags: dict[int, str] = {}
    # Grades and flags for the whole population: read by join rather than huge IN lists.
    for sid, grade in (
        SubjectGrade.objects.filter(subject__in=qs)
        .values_list("subject_id", "grade")
        .iterator(chunk_size=10000)
    ):
        grades[sid] = grade
    for sid, color in ListEntry.objects.filter(effective_entries_q(on), subject__in=qs).values_list(
        "subject_id", "list_type__color"
    ):
        if sid in id_set and (color == ListColor.BLACK or flags.get(sid) != FLAG_BLACK):
            flags[sid] = FLAG_BLACK if color == ListColor.BLACK else FLAG_RED
    return [[sid, grades.get(sid, "B"), flags.get(sid, FLAG_NONE), sid in grades] for sid in ids]


def _digest(snapshot: list[list]) -> str:
    return hashlib.sha256(json.dumps(snapshot, separators=(",", ":")).encode()).hexdigest()


def _department_staff(department) -> list[tuple[int, str]]:
    users = (
        User.objects.filter(department=department, is_active=True)
        .order_by("pk")
        .values_list("pk", "display_name", "username", "roles")
    )
    return [
        (pk, display or username)
        for pk, display, username, roles in users
        if {Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN} & set(roles or [])
    ]


def inspection_plan_create(
    *,
    actor,
    name: str,
    department=None,
    industry: str = "",
    region_code: str = "",
    subject_kind: str = "",
    ratios: dict | None = None,
    seed: int | None = None,
    inspectors_per_subject: int = 2,
    on: date | None = None,
) -> InspectionPlan:
    """Validate, snapshot the population, draw subjects and inspectors: all in one transaction, so
    bad input writes nothing."""
    department = department or getattr(actor, "department", None)
    if department is None:
        raise ValidationFailed.single("department", "required", "请指定检查部门。")
    ensure_can_write(actor, department)
    on = on or clock.today()
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed.single("name", "length", "计划名称不能为空且不超过 200 个字符。")
    if subject_kind and subject_kind not in SubjectKind.values:
        raise ValidationFailed.single(
            "subject_kind", "choice", "主体类别必须是 legal、individual_business 或 natural。"
        )
    if region_code and (len(region_code) != 6 or not region_code.isdigit()):
        raise ValidationFailed.single("region_code", "format", "行政区划码必须是 6 位数字，如 370102。")
    if len(industry) > 100:
        raise ValidationFailed.single("industry", "max_length", "行业不能超过 100 个字符。")
    merged = ratios_validate(ratios)
    if not isinstance(inspectors_per_subject, int) or not 1 <= inspectors_per_subject <= 5:
        raise ValidationFailed.single(
            "inspectors_per_subject", "range", "每户执法人员数必须是 1 到 5 之间的整数。"
        )
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValidationFailed.single("seed", "range", f"随机种子必须是 0 到 {MAX_SEED} 之间的整数。")
    if InspectionPlan.objects.filter(seed=seed).exists():
        raise ValidationFailed.single(
            "seed",
            "unique",
            f"随机种子 {seed} 已被其他抽查计划使用，不能重复使用；请留空由系统生成新的种子。",
        )
    staff = _department_staff(department)
    if len(staff) < inspectors_per_subject:
        raise ValidationFailed.single(
            "inspectors_per_subject",
            "staff",
            f"{department.name}可抽取的执法人员只有 {len(staff)} 名，少于每户 {inspectors_per_subject} 名。",
        )
    population = _population(industry=industry, region_code=region_code, subject_kind=subject_kind, on=on)
    if not population:
        raise ValidationFailed.single(
            "population", "empty", "按所选条件（行业、区划、主体类别）没有任何主体，无法抽取。"
        )
    ungraded = sum(1 for row in population if not row[3])
    snapshot = [row[:3] for row in population]
    sample = draw_sample(snapshot, merged, seed)
    inspectors = draw_inspectors([s for s, _, _ in sample], staff, inspectors_per_subject, seed)
    summary = _summary(snapshot, sample, merged)
    summary["ungraded_as_b"] = ungraded
    summary["on"] = on.isoformat()
    with transaction.atomic():
        plan = InspectionPlan.objects.create(
            department=department,
            name=name,
            industry=industry,
            region_code=region_code,
            subject_kind=subject_kind,
            ratios=merged,
            seed=seed,
            inspectors_per_subject=inspectors_per_subject,
            population_size=len(snapshot),
            population_digest=_digest(snapshot),
            population_snapshot=snapshot,
            summary=summary,
            state=PlanState.DRAWN,
            drawn_at=clock.now(),
            created_by=actor,
        )
        InspectionSample.objects.bulk_create(
            [
                InspectionSample(
                    plan=plan, subject_id=sid, grade=g, reason=reason, inspectors=inspectors[sid]
                )
                for sid, g, reason in sample
            ],
            batch_size=2000,
        )
        audit_record(
            actor=actor,
            action="inspection_plan.draw",
            obj=plan,
            department=department,
            after={
                "name": name,
                "seed": seed,
                "population": len(snapshot),
                "sampled": len(sample),
                "digest": plan.population_digest,
                "ratios": merged,
            },
        )
    return plan


def _summary(snapshot, sample, ratios) -> dict:
    per = {g: {"population": 0, "sampled": 0, "red": 0, "black": 0} for g in GRADES}
    for _, g, flag in snapshot:
        per[g]["population"] += 1
        if flag:
            per[g][flag] += 1
    for _, g, _reason in sample:
        per[g]["sampled"] += 1
    total_pop, total_sample = len(snapshot), len(sample)
    uniform = total_sample / total_pop if total_pop else 0.0
    for g in GRADES:
        p = per[g]
        p["rate"] = round(100 * p["sampled"] / p["population"], 2) if p["population"] else 0.0
        # What a flat draw of the same total size would inspect in this grade, and the difference.
        p["uniform_expected"] = round(p["population"] * uniform, 2)
        p["reduction"] = round(p["uniform_expected"] - p["sampled"], 2)
        p["reduction_pct"] = (
            round(100 * (1 - p["sampled"] / p["uniform_expected"]), 1) if p["uniform_expected"] else 0.0
        )
    good_pop = per["A"]["population"]
    good_sampled = per["A"]["sampled"]
    return {
        "grades": per,
        "population": total_pop,
        "sampled": total_sample,
        "uniform_rate": round(100 * uniform, 2),
        "good_reduction_pct": round(100 * (1 - (good_sampled / good_pop) / uniform), 1)
        if good_pop and uniform
        else 0.0,
        "configured_rates": {g: ratios[g]["rate"] for g in GRADES},
    }


def inspection_plan_verify(plan: InspectionPlan) -> bool:
    """Re-run the draw from the stored snapshot and seed: same sample → True."""
    if _digest(plan.population_snapshot) != plan.population_digest:
        return False
    again = draw_sample(plan.population_snapshot, plan.ratios, plan.seed)
    stored = list(plan.samples.order_by("id").values_list("subject_id", "grade", "reason"))
    return [tuple(x) for x in again] == [tuple(x) for x in stored]


def inspection_plan_publish(*, actor, plan: InspectionPlan) -> InspectionPlan:
    ensure_can_write(actor, plan.department)
    with transaction.atomic():
        locked = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.state == PlanState.PUBLISHED:
            raise Conflict("该抽查计划已公开。", details=[{"state": locked.state}])
        locked.state, locked.published_at = PlanState.PUBLISHED, clock.now()
        locked.save(update_fields=["state", "published_at"])
        audit_record(
            actor=actor,
            action="inspection_plan.publish",
            obj=locked,
            department=locked.department,
            before={"state": PlanState.DRAWN},
            after={"state": PlanState.PUBLISHED},
        )
        event_emit(
            kind="inspection_plan.published",
            aggregate_type="grading.inspectionplan",
            aggregate_id=locked.pk,
            department=locked.department,
            data={
                "plan_id": locked.pk,
                "name": locked.name,
                "seed": locked.seed,
                "population": locked.population_size,
                "sampled": locked.samples.count(),
            },
        )
    return locked


def inspection_plan_get(pk: int, *, actor=None, public: bool = False) -> InspectionPlan:
    plan = InspectionPlan.objects.select_related("department").filter(pk=pk).first()
    if plan is None or (public and plan.state != PlanState.PUBLISHED):
        raise NotFound("抽查计划不存在或尚未公开。")
    if actor is not None and not public and not (actor.is_authenticated and actor.department_id):
        raise PermissionDenied("未登录。")
    return plan


def inspection_plan_list(*, department=None, public: bool = False):
    qs = InspectionPlan.objects.select_related("department").defer("population_snapshot")
    if public:
        qs = qs.filter(state=PlanState.PUBLISHED)
    if department is not None:
        qs = qs.filter(department=department)
    return qs.order_by("-drawn_at", "-id")


def sample_rows(plan: InspectionPlan, *, public: bool) -> list[dict]:
    """Rows for pages and exports. Public rows: masked natural persons, no grade, no reason."""
    rows = []
    for s in plan.samples.select_related("subject").order_by("id"):
        subj = s.subject
        natural = subj.kind == SubjectKind.NATURAL
        row = {
            "name": mask_person_name(subj.name) if public and natural else subj.name,
            "identifier": mask_id_number(subj.identifier) if public and natural else subj.identifier,
            "kind": subj.get_kind_display(),
            "inspectors": "、".join(i["name"] for i in s.inspectors),
        }
        if not public:
            row.update({"subject_id": subj.pk, "grade": s.grade, "reason": s.get_reason_display()})
        rows.append(row)
    return rows
