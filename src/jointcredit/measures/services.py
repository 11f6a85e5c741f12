"""Writes: memoranda and measures (office admin only), seed defaults, batch screening."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.forms.models import model_to_dict

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import ensure_can_screen, ensure_can_write, ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed

from . import seed
from .models import Measure, Memorandum, RecordedCheck, Scenario
from .recorded import canonical_document, check_answer, digest_of
from .selectors import measure_check
from .validation import measure_fields_ensure

_MEMO_FIELDS = (
    "name",
    "document_no",
    "signed_on",
    "feedback_working_days",
    "is_active",
    "effective_from",
    "effective_until",
)
_MEASURE_FIELDS = (
    "name",
    "kind",
    "legal_basis",
    "scenarios",
    "reaches_subject",
    "reach_roles",
    "directly_responsible_roles",
    "shareholder_depth",
    "shareholder_min_share",
    "is_active",
)


def _share(value) -> Decimal | None:
    """A share in % to two decimals (the column's precision); the ranges are validation's."""
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _snapshot(obj, m2m: str) -> dict:
    data = model_to_dict(obj, exclude=[m2m])
    data[m2m] = sorted(getattr(obj, m2m).values_list("code", flat=True)) if obj.pk else []
    return data


def _departments(codes: list[str] | None, field: str, label: str) -> list[Department]:
    codes = list(dict.fromkeys(codes or []))
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        message = f"{label}中有 {len(missing)} 个部门不存在。"
        raise ValidationFailed(
            message, details=[{"field": field, "rule": "exists", "message": message, "values": missing}]
        )
    return [found[c] for c in codes]


def _memo_validate(*, code: str, name: str, feedback_working_days: int) -> None:
    errors = []
    if not (code or "").strip():
        errors.append({"field": "code", "rule": "required", "message": "备忘录代码不能为空。"})
    if not (name or "").strip():
        errors.append({"field": "name", "rule": "required", "message": "备忘录名称不能为空。"})
    if not 1 <= int(feedback_working_days) <= 60:
        errors.append(
            {
                "field": "feedback_working_days",
                "rule": "range",
                "message": "反馈期限应在 1 到 60 个工作日之间。",
            }
        )
    if errors:
        raise ValidationFailed("；".join(e["message"] for e in errors), details=errors)


@transaction.atomic
def memorandum_create(
    *,
    actor,
    code: str,
    name: str,
    document_no: str = "",
    signed_on: date | None = None,
    feedback_working_days: int = 10,
    signatories: list[str] | None = None,
    is_active: bool = True,
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> Memorandum:
    ensure_office_admin(actor)
    _memo_validate(code=code, name=name, feedback_working_days=feedback_working_days)
    _validity_ensure(effective_from, effective_until)
    if Memorandum.objects.filter(code=code).exists():
        raise Conflict(f"备忘录代码“{code}”已存在。", details=[{"field": "code", "rule": "unique"}])
    departments = _departments(signatories, "signatories", "签署部门")
    memo = Memorandum.objects.create(
        code=code,
        name=name.strip(),
        document_no=document_no,
        signed_on=signed_on,
        feedback_working_days=feedback_working_days,
        is_active=is_active,
        effective_from=effective_from,
        effective_until=effective_until,
    )
    memo.signatories.set(departments)
    audit_record(actor=actor, action="memorandum.create", obj=memo, after=_snapshot(memo, "signatories"))
    return memo


@transaction.atomic
def memorandum_update(*, actor, memorandum: Memorandum, data: dict) -> Memorandum:
    """Partial update: keys of ``data`` among name, document_no, signed_on, feedback_working_days,
    is_active, effective_from, effective_until, signatories (department codes). Every change bumps
    ``version``; the audit row keeps the content before and after. The check applies a memorandum's
    measures only on dates within its validity (ADR 0045)."""
    ensure_office_admin(actor)
    memo = Memorandum.objects.select_for_update().get(pk=memorandum.pk)
    before = _snapshot(memo, "signatories")
    unknown = set(data) - set(_MEMO_FIELDS) - {"signatories"}
    if unknown:
        raise ValidationFailed.single(
            sorted(unknown)[0], "unknown", f"不可修改的字段：{'、'.join(sorted(unknown))}。"
        )
    for key in _MEMO_FIELDS:
        if key in data:
            setattr(memo, key, data[key])
    _memo_validate(code=memo.code, name=memo.name, feedback_working_days=memo.feedback_working_days)
    _validity_ensure(memo.effective_from, memo.effective_until)
    departments = (
        _departments(data["signatories"], "signatories", "签署部门") if "signatories" in data else None
    )
    changed = any(getattr(memo, k) != before[k] for k in _MEMO_FIELDS) or (
        departments is not None and sorted(d.code for d in departments) != before["signatories"]
    )
    if changed:
        memo.version += 1
    memo.save()
    if departments is not None:
        memo.signatories.set(departments)
    audit_record(
        actor=actor, action="memorandum.update", obj=memo, before=before, after=_snapshot(memo, "signatories")
    )
    return memo


@transaction.atomic
def measure_create(
    *,
    actor,
    memorandum: Memorandum,
    code: str,
    name: str,
    kind: str,
    scenarios: list[str],
    legal_basis: str = "",
    implementing_departments: list[str] | None = None,
    reaches_subject: bool = True,
    reach_roles: list[str] | None = None,
    directly_responsible_roles: list[str] | None = None,
    shareholder_depth: int = 1,
    shareholder_min_share: Decimal | float | None = None,
    is_active: bool = True,
    effective_from: date | None = None,
    effective_until: date | None = None,
) -> Measure:
    ensure_office_admin(actor)
    reach_roles, directly_responsible_roles = list(reach_roles or []), list(directly_responsible_roles or [])
    shareholder_min_share = _share(shareholder_min_share)
    measure_fields_ensure(
        code=code,
        name=name,
        kind=kind,
        scenarios=scenarios,
        reach_roles=reach_roles,
        directly_responsible_roles=directly_responsible_roles,
        reaches_subject=reaches_subject,
        shareholder_depth=shareholder_depth,
        shareholder_min_share=shareholder_min_share,
    )
    _validity_ensure(effective_from, effective_until)
    if Measure.objects.filter(code=code).exists():
        raise Conflict(f"措施代码“{code}”已存在。", details=[{"field": "code", "rule": "unique"}])
    departments = _departments(implementing_departments, "implementing_departments", "实施部门")
    measure = Measure.objects.create(
        effective_from=effective_from,
        effective_until=effective_until,
        memorandum=memorandum,
        code=code,
        name=name.strip(),
        kind=kind,
        scenarios=list(dict.fromkeys(scenarios)),
        legal_basis=legal_basis,
        reaches_subject=reaches_subject,
        reach_roles=reach_roles,
        directly_responsible_roles=directly_responsible_roles,
        shareholder_depth=shareholder_depth,
        shareholder_min_share=shareholder_min_share,
        is_active=is_active,
    )
    measure.implementing_departments.set(departments)
    audit_record(
        actor=actor,
        action="measure.create",
        obj=measure,
        after=_snapshot(measure, "implementing_departments"),
    )
    return measure


def _validity_ensure(effective_from: date | None, effective_until: date | None) -> None:
    if effective_from and effective_until and effective_until < effective_from:
        raise ValidationFailed.single(
            "effective_until", "order", "失效日期不能早于生效日期（两端均含当日）。"
        )


@transaction.atomic
def measure_update(*, actor, measure: Measure, data: dict) -> Measure:
    """Partial update: keys among name, kind, legal_basis, scenarios, reaches_subject, reach_roles,
    directly_responsible_roles, is_active, implementing_departments (department codes),
    effective_from, effective_until.

    A version in force (``effective_from`` empty or not after today) is never rewritten: the change
    becomes the next version, in force from ``data["effective_from"]`` (default today, never in the
    past), and the current version ends the day before; checks dated earlier keep applying the old
    version (ADR 0045). A version not yet in force is edited in place. Returns the current version."""
    ensure_office_admin(actor)
    row = Measure.objects.select_for_update().get(pk=measure.pk)
    if row.superseded_by_id is not None:
        raise Conflict(
            f"措施“{row.name}”第 {row.version} 版已被新版本取代，历史版本不能修改；请修改现行版本。",
            details=[{"field": "version", "rule": "superseded", "version": row.version}],
        )
    before = _snapshot(row, "implementing_departments")
    unknown = (
        set(data) - set(_MEASURE_FIELDS) - {"implementing_departments", "effective_from", "effective_until"}
    )
    if unknown:
        raise ValidationFailed.single(
            sorted(unknown)[0], "unknown", f"不可修改的字段：{'、'.join(sorted(unknown))}。"
        )
    if "shareholder_min_share" in data:
        data = {**data, "shareholder_min_share": _share(data["shareholder_min_share"])}
    values = {key: data.get(key, getattr(row, key)) for key in _MEASURE_FIELDS}
    measure_fields_ensure(
        code=row.code,
        name=values["name"],
        kind=values["kind"],
        scenarios=values["scenarios"],
        reach_roles=values["reach_roles"],
        directly_responsible_roles=values["directly_responsible_roles"],
        reaches_subject=values["reaches_subject"],
        kept_scenarios=before["scenarios"],
        shareholder_depth=values["shareholder_depth"],
        shareholder_min_share=values["shareholder_min_share"],
    )
    departments = (
        _departments(data["implementing_departments"], "implementing_departments", "实施部门")
        if "implementing_departments" in data
        else None
    )
    today = clock.today()
    in_force = row.effective_from is None or row.effective_from <= today
    content_changed = any(values[k] != before[k] for k in _MEASURE_FIELDS) or (
        departments is not None and sorted(d.code for d in departments) != before["implementing_departments"]
    )
    if not in_force or not content_changed:
        # Not in force yet (nothing has applied it) or only its validity moves: edit in place.
        for key, value in values.items():
            setattr(row, key, value)
        row.effective_from = data.get("effective_from", row.effective_from)
        row.effective_until = data.get("effective_until", row.effective_until)
        if in_force and row.effective_from and row.effective_from > today:
            raise ValidationFailed.single(
                "effective_from", "not_past", "措施已生效，不能把生效日期改到以后；请修改内容以生成新版本。"
            )
        _validity_ensure(row.effective_from, row.effective_until)
        row.save()
        if departments is not None:
            row.implementing_departments.set(departments)
        audit_record(
            actor=actor,
            action="measure.update",
            obj=row,
            before=before,
            after=_snapshot(row, "implementing_departments"),
        )
        return row
    start = data.get("effective_from") or today
    if start < today:
        raise ValidationFailed.single(
            "effective_from",
            "not_past",
            f"措施已生效，修改只能自今天（{today:%Y-%m-%d}）或以后生效，不能改写已经适用的历史。",
        )
    until = data.get("effective_until", row.effective_until)
    _validity_ensure(start, until)
    kept = list(row.implementing_departments.all()) if departments is None else departments
    # At most one current row per code (measure_code_current): the old row points at itself for
    # the instant between closing it and creating its successor.
    row.superseded_by = row
    row.effective_until = start - timedelta(days=1)
    row.save(update_fields=["superseded_by", "effective_until"])
    successor = Measure.objects.create(
        memorandum=row.memorandum,
        code=row.code,
        version=row.version + 1,
        effective_from=start,
        effective_until=until,
        **{k: (list(dict.fromkeys(v)) if k == "scenarios" else v) for k, v in values.items()},
    )
    successor.implementing_departments.set(kept)
    row.superseded_by = successor
    row.save(update_fields=["superseded_by"])
    audit_record(
        actor=actor,
        action="measure.revise",
        obj=successor,
        before=before,
        after=_snapshot(successor, "implementing_departments"),
    )
    return successor


# --- 业务场景 (scenarios: office only; ADR 0045) ---------------------------------------------------

SCENARIO_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def _scenario_snapshot(row: Scenario) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "departments": sorted(row.departments.values_list("code", flat=True)) if row.pk else [],
        "is_active": row.is_active,
    }


def _scenario_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed.single("name", "length", "场景名称不能为空且不超过 100 个字符。")
    return name


@transaction.atomic
def scenario_create(*, actor, code: str, name: str, departments: list[str] | None = None) -> Scenario:
    """登记业务场景 (e.g. 限制高消费): usable in measures and checks at once."""
    ensure_office_admin(actor)
    code = (code or "").strip()
    errors = []
    if not SCENARIO_CODE.match(code):
        errors.append(
            {
                "field": "code",
                "rule": "format",
                "message": "场景代码须为 2–32 个字符：小写字母开头，由小写字母、数字和下划线组成"
                "（例如 high_consumption）。",
            }
        )
    try:
        name = _scenario_name(name)
    except ValidationFailed as exc:
        errors.extend(exc.details)
    if errors:
        raise ValidationFailed("；".join(e["message"] for e in errors), details=errors)
    if Scenario.objects.filter(code=code).exists():
        raise Conflict(
            f"场景代码“{code}”已存在（含已停用的场景）。", details=[{"field": "code", "rule": "unique"}]
        )
    if Scenario.objects.filter(name=name).exists():
        raise Conflict(f"场景名称“{name}”已存在。", details=[{"field": "name", "rule": "unique"}])
    found = _departments(departments, "departments", "使用部门")
    row = Scenario.objects.create(code=code, name=name, created_at=clock.now())
    row.departments.set(found)
    audit_record(actor=actor, action="scenario.create", obj=row, after=_scenario_snapshot(row))
    return row


def scenario_measures_using(code: str) -> list[Measure]:
    """Current versions of measures in use that bite in the scenario (earlier versions are history:
    they keep naming it, and answer checks dated while it was in use)."""
    # JSON "contains" is not portable to SQLite; the catalogue is small, filter in Python.
    rows = Measure.objects.filter(
        is_active=True, memorandum__is_active=True, superseded_by__isnull=True
    ).order_by("code")
    return [m for m in rows if code in (m.scenarios or [])]


@transaction.atomic
def scenario_update(*, actor, scenario: Scenario, data: dict) -> Scenario:
    """Partial update: keys among name, departments (codes), is_active. Setting ``is_active`` to
    false retires the scenario (停用): refused while a measure in use still bites in it. The code
    never changes: stored checks, screenings and measures name the scenario by it."""
    ensure_office_admin(actor)
    row = Scenario.objects.select_for_update().get(pk=scenario.pk)
    unknown = set(data) - {"name", "departments", "is_active"}
    if unknown:
        raise ValidationFailed.single(
            sorted(unknown)[0], "unknown", f"不可修改的字段：{'、'.join(sorted(unknown))}。"
        )
    before = _scenario_snapshot(row)
    if "name" in data:
        row.name = _scenario_name(data["name"])
        if Scenario.objects.filter(name=row.name).exclude(pk=row.pk).exists():
            raise Conflict(f"场景名称“{row.name}”已存在。", details=[{"field": "name", "rule": "unique"}])
    found = _departments(data["departments"], "departments", "使用部门") if "departments" in data else None
    action = "scenario.update"
    if "is_active" in data and bool(data["is_active"]) != row.is_active:
        if row.is_active:
            using = scenario_measures_using(row.code)
            if using:
                names = "、".join(f"“{m.name}”" for m in using[:5]) + ("等" if len(using) > 5 else "")
                raise ValidationFailed.single(
                    "is_active",
                    "in_use",
                    f"仍有 {len(using)} 项在用措施适用业务场景“{row.name}”（{names}），"
                    "请先在措施中取消该场景或停用这些措施，再停用场景。",
                )
            row.is_active, row.retired_at, action = False, clock.now(), "scenario.deactivate"
        else:
            row.is_active, row.retired_at, action = True, None, "scenario.activate"
    row.save()
    if found is not None:
        row.departments.set(found)
    audit_record(actor=actor, action=action, obj=row, before=before, after=_scenario_snapshot(row))
    return row


@transaction.atomic
def measures_seed_defaults(*, actor=None) -> dict[str, list]:
    """Ship the default memoranda and measures (idempotent; ``actor=None`` = system, e.g. demo)."""
    if actor is not None:
        ensure_office_admin(actor)
    for obj in seed.seed_scenarios(Scenario):
        audit_record(actor=actor, action="scenario.seed", obj=obj, after=_scenario_snapshot(obj))
    created = seed.seed_defaults(Memorandum, Measure, Department)
    for obj in created["memoranda"]:
        audit_record(actor=actor, action="memorandum.seed", obj=obj, after=_snapshot(obj, "signatories"))
    for obj in created["measures"]:
        audit_record(
            actor=actor, action="measure.seed", obj=obj, after=_snapshot(obj, "implementing_departments")
        )
    return created


def screening_run(*, actor, fileobj, file_name: str, scenario: str, on: date | None = None, progress=None):
    """批量比对 a file of identifiers; stores the result file and an audited summary row."""
    from .screening import screening_execute  # heavy imports (polars) only when screening

    ensure_can_screen(actor)
    return screening_execute(
        actor=actor, fileobj=fileobj, file_name=file_name, scenario=scenario, on=on, progress=progress
    )


# --- 核查留痕 (recorded checks) -------------------------------------------------------------------


def _case_text(value: str | None, field: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.single(field, "required", f"{label} {field} 不能为空（留痕须注明业务案卷）。")
    if len(text) > limit:
        raise ValidationFailed.single(field, "max_length", f"{label} {field} 不能超过 {limit} 个字符。")
    return text


def recorded_check_create(
    *,
    actor,
    identifier: str,
    scenario: str,
    case_no: str,
    matter_name: str,
    on: date | None = None,
    known_at: datetime | None = None,
) -> RecordedCheck:
    """核查留痕: make the check for a business case and keep its answer with a SHA-256 digest.

    Recorded for the actor's own department (a clerk's daily work: licensing, funding, tendering);
    the digest also goes on the audit chain."""
    department = getattr(actor, "department", None)
    if department is None:
        raise PermissionDenied("当前账号未归属任何部门，不能核查留痕。")
    ensure_can_write(actor, department)
    case_no = _case_text(case_no, "case_no", "业务案卷号", 100)
    matter_name = _case_text(matter_name, "matter_name", "事项名称", 200)
    result = measure_check(identifier=identifier, scenario=scenario, on=on, known_at=known_at)
    answer = check_answer(result)
    created_at = clock.now()
    identifier = identifier.strip().upper()
    document = canonical_document(
        department=department.code,
        user=actor.username,
        identifier=identifier,
        scenario=result.scenario,
        on=result.on,
        known_at=result.known_at,
        case_no=case_no,
        matter_name=matter_name,
        created_at=created_at,
        answer=answer,
    )
    with transaction.atomic():
        recorded = RecordedCheck.objects.create(
            department=department,
            user=actor,
            identifier=identifier,
            subject=result.subject,
            scenario=result.scenario,
            on=result.on,
            known_at=result.known_at,
            case_no=case_no,
            matter_name=matter_name,
            answer=answer,
            digest=digest_of(document),
            created_at=created_at,
        )
        audit_record(
            actor=actor,
            action="recorded_check.create",
            obj=recorded,
            department=department,
            after={
                "identifier": identifier,
                "scenario": result.scenario,
                "on": result.on,
                "known_at": result.known_at,
                "case_no": case_no,
                "matter_name": matter_name,
                "hits": len(answer["hits"]),
                "digest": recorded.digest,
            },
        )
    return recorded
