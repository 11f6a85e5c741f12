"""Writes: memoranda and measures (office admin only), seed defaults, batch screening."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.forms.models import model_to_dict

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import ensure_can_screen, ensure_can_write, ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed

from . import seed
from .models import Measure, Memorandum, RecordedCheck
from .recorded import canonical_document, check_answer, digest_of
from .selectors import measure_check
from .validation import measure_fields_ensure

_MEMO_FIELDS = ("name", "document_no", "signed_on", "feedback_working_days", "is_active")
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
) -> Memorandum:
    ensure_office_admin(actor)
    _memo_validate(code=code, name=name, feedback_working_days=feedback_working_days)
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
    )
    memo.signatories.set(departments)
    audit_record(actor=actor, action="memorandum.create", obj=memo, after=_snapshot(memo, "signatories"))
    return memo


@transaction.atomic
def memorandum_update(*, actor, memorandum: Memorandum, data: dict) -> Memorandum:
    """Partial update: keys of ``data`` among name, document_no, signed_on, feedback_working_days,
    is_active, signatories (department codes)."""
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
    departments = (
        _departments(data["signatories"], "signatories", "签署部门") if "signatories" in data else None
    )
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
    if Measure.objects.filter(code=code).exists():
        raise Conflict(f"措施代码“{code}”已存在。", details=[{"field": "code", "rule": "unique"}])
    departments = _departments(implementing_departments, "implementing_departments", "实施部门")
    measure = Measure.objects.create(
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


@transaction.atomic
def measure_update(*, actor, measure: Measure, data: dict) -> Measure:
    """Partial update: keys among name, kind, legal_basis, scenarios, reaches_subject, reach_roles,
    directly_responsible_roles, is_active, implementing_departments (department codes)."""
    ensure_office_admin(actor)
    row = Measure.objects.select_for_update().get(pk=measure.pk)
    before = _snapshot(row, "implementing_departments")
    unknown = set(data) - set(_MEASURE_FIELDS) - {"implementing_departments"}
    if unknown:
        raise ValidationFailed.single(
            sorted(unknown)[0], "unknown", f"不可修改的字段：{'、'.join(sorted(unknown))}。"
        )
    if "shareholder_min_share" in data:
        data = {**data, "shareholder_min_share": _share(data["shareholder_min_share"])}
    for key in _MEASURE_FIELDS:
        if key in data:
            setattr(row, key, data[key])
    measure_fields_ensure(
        code=row.code,
        name=row.name,
        kind=row.kind,
        scenarios=row.scenarios,
        reach_roles=row.reach_roles,
        directly_responsible_roles=row.directly_responsible_roles,
        reaches_subject=row.reaches_subject,
        shareholder_depth=row.shareholder_depth,
        shareholder_min_share=row.shareholder_min_share,
    )
    departments = (
        _departments(data["implementing_departments"], "implementing_departments", "实施部门")
        if "implementing_departments" in data
        else None
    )
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


@transaction.atomic
def measures_seed_defaults(*, actor=None) -> dict[str, list]:
    """Ship the default memoranda and measures (idempotent; ``actor=None`` = system, e.g. demo)."""
    if actor is not None:
        ensure_office_admin(actor)
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
