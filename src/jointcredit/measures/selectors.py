"""Reads: the check engine and browsing memoranda/measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.fastpath import CompiledQuery
from jointcredit.common.pagination import Page, paginate
from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.subjects.models import RelatedPerson, Subject, SubjectAlias, SubjectKind
from jointcredit.subjects.selectors import lookup_code, subject_find

from .catalog import catalog_get
from .engine import EntryRow, Hit, RoleLink, hits_compute, in_force
from .models import Measure, Memorandum, Screening
from .scenarios import SCENARIOS

ENTRY_COLUMNS = (
    "id",
    "subject_id",
    "list_type__code",
    "list_type__name",
    "list_type__color",
    "list_type__memorandum_id",
    "department__name",
    "legal_basis",
    "valid_from",
    "valid_until",
    "under_objection",
)


# Hot path of GET /check (bench/bench_check.py): see common.fastpath.
_ROLES = CompiledQuery(
    lambda person_id: (
        RelatedPerson.objects.filter(person_id=person_id)
        .order_by()
        .values_list(
            "subject_id",
            "role",
            "directly_responsible",
            "subject__identifier",
            "subject__name",
            "since",
            "until",
        )
    ),
    arg_types=(int,),
)


def _published_entries(**where):
    return (
        ListEntry.objects.filter(state=EntryState.PUBLISHED, **where).order_by().values_list(*ENTRY_COLUMNS)
    )


# The subject's own published entries, then those of the organisations where it holds a role, as
# one statement. Written as ``subject = %s OR subject IN (roles)`` PostgreSQL cannot use the
# (subject, state) index for the OR and scans every entry (~80 ms at 100k entries, for every check);
# each branch of the UNION ALL is an index lookup (~0.1 ms). An organisation's entry appears once
# however many roles the subject holds in it (semi-join).
_ENTRIES = CompiledQuery(
    lambda subject_id, person_id: _published_entries(subject_id=subject_id).union(
        _published_entries(
            subject_id__in=RelatedPerson.objects.filter(person_id=person_id).values("subject_id")
        ),
        all=True,
    ),
    arg_types=(int, int),
)
_KIND_LABELS = dict(SubjectKind.choices)
_SUBJECT_COLUMNS = ("id", "kind", "identifier", "name", "merged_into_id")


def scenario_validate(scenario: str | None) -> str:
    if scenario not in SCENARIOS:
        valid = "、".join(f"{k}（{v}）" for k, v in SCENARIOS.items())
        shown = scenario or "（空）"
        raise ValidationFailed(
            f"业务场景 scenario“{shown}”无效；有效代码为：{valid}。",
            details=[
                {
                    "field": "scenario",
                    "rule": "choice",
                    "message": f"有效代码为：{valid}",
                    "valid": list(SCENARIOS),
                }
            ],
        )
    return scenario


def effective_entries_q(on: date, prefix: str = "") -> Q:
    """Published and within validity on ``on`` (nulls are open ends) — ListEntry.is_effective in SQL."""
    return (
        Q(**{f"{prefix}state": EntryState.PUBLISHED})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on}))
        & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on}))
    )


def role_held_q(on: date) -> Q:
    return (Q(since__isnull=True) | Q(since__lte=on)) & (Q(until__isnull=True) | Q(until__gte=on))


@dataclass
class CheckResult:
    subject: Subject | None
    scenario: str
    on: date
    hits: list[Hit]
    roles: list[RoleLink]

    def subject_dict(self) -> dict | None:
        s = self.subject
        return None if s is None else _subject_out(s.id, s.kind, s.identifier, s.name)


def _subject_out(pk: int, kind: str, identifier: str, name: str) -> dict:
    # A dict lookup, not get_kind_display() (~0.1 ms on the hot path); CheckSubjectOut's fields in order.
    return {
        "id": pk,
        "kind": kind,
        "kind_label": _KIND_LABELS.get(kind, kind),
        "identifier": identifier,
        "name": name,
    }


def _hits_and_roles(subject_id: int, scenario: str, on: date) -> tuple[list[Hit], list[RoleLink]]:
    # Dates are applied in Python: the few rows per subject are cheaper to filter here than to
    # keep the queries compiled-and-prepared with date parameters (common.fastpath takes str/int).
    roles = [RoleLink(*row[:5]) for row in _ROLES.rows(subject_id) if in_force(row[5], row[6], on)]
    held = {r.organisation_id for r in roles}
    entries = [
        EntryRow(*row)
        for row in _ENTRIES.rows(subject_id, subject_id)
        if in_force(row[8], row[9], on) and (row[1] == subject_id or row[1] in held)
    ]
    self_entries = [e for e in entries if e.subject_id == subject_id]
    role_entries = [(e, r) for r in roles for e in entries if e.subject_id == r.organisation_id]
    hits = hits_compute(
        self_entries=self_entries, role_entries=role_entries, scenario=scenario, catalog=catalog_get()
    )
    return hits, roles


def measure_check(*, identifier: str, scenario: str, on: date | None = None) -> CheckResult:
    """(identifier, scenario, date) → every applicable measure with its cause, the subject as a
    model (staff page, other apps). GET /check uses ``check_out``: the same rule and queries.

    Three indexed queries, compiled and prepared once per process (subject by identifier; the
    subject's roles in organisations; published entries of the subject and those organisations)
    plus the in-process measure catalogue.
    """
    scenario = scenario_validate(scenario)
    on = on or clock.today()
    subject = subject_find(identifier)
    if subject is None:
        return CheckResult(subject=None, scenario=scenario, on=on, hits=[], roles=[])
    hits, roles = _hits_and_roles(subject.id, scenario, on)
    return CheckResult(subject=subject, scenario=scenario, on=on, hits=hits, roles=roles)


# The check's subject lookup (GET /check): the four columns it prints instead of the model — all
# 13 columns, two timestamps parsed in Python and Model.__init__ with its signals cost ~15 µs of a
# ~300 µs check — and the alias lookup compiled too (subject_find builds an ORM query for it, ~0.3
# ms on every unknown identifier). Same validation and the same answer as subject_find
# (test_check_subject_agrees_with_subject_find); a merged subject, which is rare, is followed by
# subject_find itself.
_SUBJECT_ROW = CompiledQuery(
    lambda code: Subject.objects.filter(identifier=code).order_by().values_list(*_SUBJECT_COLUMNS)[:1]
)
_ALIAS_ROW = CompiledQuery(
    lambda code: (
        SubjectAlias.objects.filter(value=code)
        .order_by("pk")
        .values_list(*(f"subject__{c}" for c in _SUBJECT_COLUMNS))[:1]
    )
)


def check_subject(identifier: str) -> dict | None:
    """``subject_find(identifier)`` as the check prints it (CheckSubjectOut), or None."""
    code = lookup_code(identifier)  # the same normalisation and validation as subject_find
    row = _SUBJECT_ROW.row(code) or _ALIAS_ROW.row(code)
    if row is None:
        return None
    if row[4] is not None:  # merged into another subject: subject_find follows the chain
        subject = subject_find(identifier)
        return (
            None
            if subject is None
            else _subject_out(subject.id, subject.kind, subject.identifier, subject.name)
        )
    return _subject_out(*row[:4])


def check_out(*, identifier: str, scenario: str, on: date | None = None) -> dict:
    """GET /api/v1/check's body (CheckOut, fields in order): ``measure_check`` without the model."""
    scenario = scenario_validate(scenario)
    on = on or clock.today()
    subject = check_subject(identifier)
    hits = _hits_and_roles(subject["id"], scenario, on)[0] if subject is not None else []
    return {"subject": subject, "scenario": scenario, "date": on, "hits": [h.as_dict() for h in hits]}


# --- memoranda and measures --------------------------------------------------------------------


def memorandum_list(*, page: int = 1, page_size: int = 20, active: bool | None = None) -> Page:
    qs = Memorandum.objects.annotate(measure_count=Count("measures")).prefetch_related("signatories")
    if active is not None:
        qs = qs.filter(is_active=active)
    return paginate(qs.order_by("code"), page=page, page_size=page_size)


def memorandum_get(code: str) -> Memorandum:
    memo = Memorandum.objects.prefetch_related("signatories").filter(code=code).first()
    if memo is None:
        raise NotFound(f"未找到代码为“{code}”的联合奖惩备忘录。")
    return memo


def measure_list(
    *,
    page: int = 1,
    page_size: int = 20,
    memorandum: str | None = None,
    kind: str | None = None,
    scenario: str | None = None,
    active: bool | None = None,
) -> Page:
    qs = Measure.objects.select_related("memorandum").prefetch_related("implementing_departments")
    if memorandum:
        qs = qs.filter(memorandum__code=memorandum)
    if kind:
        if kind not in ("incentive", "punishment"):
            raise ValidationFailed.single(
                "kind", "choice", "措施类型 kind 应为 incentive（激励）或 punishment（惩戒）。"
            )
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    items = qs.order_by("memorandum__code", "code")
    if scenario:
        scenario_validate(scenario)
        # JSON "contains" is not portable to SQLite; the catalogue is small, filter in Python.
        ids = [m.id for m in items if scenario in (m.scenarios or [])]
        items = qs.filter(id__in=ids).order_by("memorandum__code", "code")
    return paginate(items, page=page, page_size=page_size)


def measure_get(code: str) -> Measure:
    measure = (
        Measure.objects.select_related("memorandum")
        .prefetch_related("implementing_departments")
        .filter(code=code)
        .first()
    )
    if measure is None:
        raise NotFound(f"未找到代码为“{code}”的奖惩措施。")
    return measure


def screening_list(*, user, page: int = 1, page_size: int = 20) -> Page:
    qs = Screening.objects.select_related("created_by", "department")
    if not (user.is_superuser or getattr(user, "is_office_admin", False)):
        # A batch may hold personal identifiers: departments see their own batches only.
        qs = qs.filter(department_id=user.department_id)
    return paginate(qs, page=page, page_size=page_size)


def screening_get(*, user, screening_id: int) -> Screening:
    screening = Screening.objects.select_related("created_by", "department").filter(pk=screening_id).first()
    visible = screening is not None and (
        user.is_superuser
        or getattr(user, "is_office_admin", False)
        or screening.department_id == user.department_id
    )
    if not visible:
        raise NotFound(f"未找到编号为 {screening_id} 的批量比对，或无权查看。")
    return screening
