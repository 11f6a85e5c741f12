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
from jointcredit.subjects.models import RelatedPerson, Subject
from jointcredit.subjects.selectors import subject_find

from .catalog import catalog_get
from .engine import Hit, RoleLink, entry_as_of, hits_compute, in_force
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
    # As-of answers (engine.entry_as_of): publication and removal times, objection periods.
    "state",
    "published_at",
    "removed_at",
    "removal_reason",
    "objection_periods",
)
# Published entries, and removed ones that may have been in force on an earlier date: one index
# range of (subject, state) either way.
CHECKED_STATES = (EntryState.PUBLISHED, EntryState.REMOVED)


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
    return ListEntry.objects.filter(state__in=CHECKED_STATES, **where).order_by().values_list(*ENTRY_COLUMNS)


# The subject's own published (and removed) entries, then those of the organisations where it holds a role, as
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


def scenario_validate(scenario: str | None) -> str:
    if scenario not in SCENARIOS:
        valid = "、".join(SCENARIOS.values())
        message = "请选择业务场景" if not scenario else "业务场景无效"
        raise ValidationFailed(
            f"{message}：应为{valid}之一（接口中为 details 所列代码）。",
            details=[
                {
                    "field": "scenario",
                    "rule": "choice",
                    "message": f"业务场景应为{valid}之一。",
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


def _hits_and_roles(subject_id: int, scenario: str, on: date) -> tuple[list[Hit], list[RoleLink]]:
    # Dates are applied in Python: the few rows per subject are cheaper to filter here than to
    # keep the queries compiled-and-prepared with date parameters (common.fastpath takes str/int).
    roles = [RoleLink(*row[:5]) for row in _ROLES.rows(subject_id) if in_force(row[5], row[6], on)]
    held = {r.organisation_id for r in roles}
    today = clock.today()
    entries = [
        e
        for row in _ENTRIES.rows(subject_id, subject_id)
        if (row[1] == subject_id or row[1] in held) and (e := entry_as_of(row, on, today)) is not None
    ]
    self_entries = [e for e in entries if e.subject_id == subject_id]
    role_entries = [(e, r) for r in roles for e in entries if e.subject_id == r.organisation_id]
    hits = hits_compute(
        self_entries=self_entries, role_entries=role_entries, scenario=scenario, catalog=catalog_get()
    )
    return hits, roles


def measure_check(*, identifier: str, scenario: str, on: date | None = None) -> CheckResult:
    """(identifier, scenario, date) → every applicable measure with its cause: GET /check, the
    staff check page and other apps all ask this.

    Three indexed queries, compiled and prepared once per process (subject by identifier, alias as
    the fallback; the subject's roles in organisations; published and removed entries of the subject
    and those organisations) plus the in-process measure catalogue. The answer is as things stood on
    ``on`` (engine.entry_as_of): the same queries serve today and any past date.
    """
    scenario = scenario_validate(scenario)
    on = on or clock.today()
    subject = subject_find(identifier)
    if subject is None:
        return CheckResult(subject=None, scenario=scenario, on=on, hits=[], roles=[])
    hits, roles = _hits_and_roles(subject.id, scenario, on)
    return CheckResult(subject=subject, scenario=scenario, on=on, hits=hits, roles=roles)


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
