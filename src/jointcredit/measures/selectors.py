"""Reads: the check engine and browsing memoranda/measures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.fastpath import CompiledQuery
from jointcredit.common.pagination import Page, paginate
from jointcredit.lists.models import ChangeEvent, EntryState, ListEntry, ListEntryChange
from jointcredit.subjects.models import RelatedPerson, Subject
from jointcredit.subjects.selectors import subject_find

from .catalog import Catalog, catalog_get
from .engine import Hit, RoleLink, entry_as_of, hits_compute, in_force
from .models import Measure, Memorandum, RecordedCheck, Scenario, Screening
from .reach import ownership_up, responsible_choices
from .scenarios import scenario_validate

ENTRY_COLUMNS = (
    "id",
    "subject_id",
    "list_type__code",
    "list_type__name",
    "list_type__color",
    "list_type__memorandum_id",
    "department__name",
    # Upstream entries (ADR 0038, 0044): the outside authority that decided it, shown as 认定单位.
    "source_authority__name",
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
            "valid_from",
            "valid_until",
            "id",
            "share_ratio",
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


def day_end(on: date) -> datetime:
    """The first instant after ``on`` in the local time zone: "published/removed on or before D" is
    "at a time before day_end(D)" (engine.entry_as_of compares local dates)."""
    return datetime.combine(on + timedelta(days=1), time(0), tzinfo=timezone.get_current_timezone())


def entries_as_of_q(on: date, prefix: str = "") -> Q:
    """The as-of rule of ``engine.entry_as_of`` in SQL (ADR 0032): in force at the end of ``on`` —
    published by then (a published row without ``published_at`` counts from its validity start),
    within its validity, and not removed by then (one removed later still counts)."""
    end = day_end(on)
    published = Q(**{f"{prefix}state": EntryState.PUBLISHED}) & (
        Q(**{f"{prefix}published_at__isnull": True}) | Q(**{f"{prefix}published_at__lt": end})
    )
    removed_later = Q(
        **{
            f"{prefix}state": EntryState.REMOVED,
            f"{prefix}published_at__lt": end,
            f"{prefix}removed_at__gte": end,
        }
    )
    return (
        (published | removed_later)
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on}))
        & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on}))
    )


def effective_entries_q(on: date, prefix: str = "") -> Q:
    """Published and within validity on ``on`` (nulls are open ends) — ListEntry.is_effective in SQL."""
    return (
        Q(**{f"{prefix}state": EntryState.PUBLISHED})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on}))
        & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on}))
    )


def role_held_q(on: date) -> Q:
    """Related-person roles held on ``on`` (ADR 0046; nulls are open ends)."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


@dataclass
class CheckResult:
    subject: Subject | None
    scenario: str
    on: date
    hits: list[Hit]
    roles: list[RoleLink]
    known_at: datetime | None = None


def _hits_and_roles(
    subject_id: int, scenario: str, on: date, known_at: datetime | None = None, catalog: Catalog | None = None
) -> tuple[list[Hit], list[RoleLink]]:
    # Dates are applied in Python: the few rows per subject are cheaper to filter here than to
    # keep the queries compiled-and-prepared with date parameters (common.fastpath takes str/int).
    catalog = catalog or catalog_get()
    roles = [
        RoleLink(*row[:5], link_id=row[7], share=None if row[8] is None else float(row[8]))
        for row in _ROLES.rows(subject_id)
        if in_force(row[5], row[6], on)
    ]
    held = {r.organisation_id for r in roles}
    rows = [row for row in _ENTRIES.rows(subject_id, subject_id) if row[1] == subject_id or row[1] in held]
    # Shares held through other companies, as far as a measure follows them (ADR 0046).
    indirect = ownership_up(roles, on=on, depth=catalog.shareholder_depth)
    if indirect:
        roles += indirect
        further = {r.organisation_id for r in indirect} - held
        rows += list(_published_entries(subject_id__in=further)) if further else []
    if known_at is None:
        today = clock.today()
    else:
        # What the system knew at known_at: each row as its history recorded it by then (ADR 0037).
        today = timezone.localdate(known_at)
        rows = entry_rows_known_at(rows, known_at)
    entries = [e for row in rows if (e := entry_as_of(row, on, today)) is not None]
    self_entries = [e for e in entries if e.subject_id == subject_id]
    role_entries = [(e, r) for r in roles for e in entries if e.subject_id == r.organisation_id]
    # The choices made at 认定 matter only for a role a measure limits to directly responsible
    # persons: only then one more query (the hot path of a legal representative's check stays as is).
    limited = [
        e.id
        for e, link in role_entries
        if any(
            link.role in m.directly_responsible_roles
            for m in catalog.measures_for(e.memorandum_id, scenario, on)
        )
    ]
    hits = hits_compute(
        self_entries=self_entries,
        role_entries=role_entries,
        scenario=scenario,
        catalog=catalog,
        on=on,
        responsible=responsible_choices(limited) if limited else None,
    )
    return hits, roles


def entry_rows_known_at(rows: list[tuple], known_at: datetime) -> list[tuple]:
    """Entry rows (``ENTRY_COLUMNS``) as the system held them at ``known_at`` (ADR 0037), rebuilt from
    the history rows recorded at or before it (``ListEntryChange.recorded_at``):

    * state — the state after the last change recorded by then (no change yet: not on file, dropped);
    * publication — ``published_at`` only if it was stamped by then; removal time and reason — the
      last 移出 recorded by then; objection periods and the 异议中 flag — the objection steps recorded
      by then;
    * validity and basis — a 更正 recorded after ``known_at`` is undone with the values its audit row
      holds as "before";
    * an entry with no history at all (written around the services, e.g. bulk loads) keeps its row,
      with its publication and removal cut at their stored times.
    """
    if not rows:
        return rows
    ids = [row[0] for row in rows]
    changes: dict[int, list[tuple]] = defaultdict(list)
    for entry_id, *change in (
        ListEntryChange.objects.filter(entry_id__in=ids)
        .order_by("entry_id", "recorded_at", "pk")
        .values_list("entry_id", "event", "state_after", "removal_reason", "recorded_at", "effective_on")
    ):
        changes[entry_id].append(tuple(change))
    corrected_later = [
        entry_id
        for entry_id, steps in changes.items()
        if any(event == ChangeEvent.CORRECTED and at > known_at for event, _, _, at, _ in steps)
    ]
    before_correction: dict[int, dict] = {}
    if corrected_later:
        for object_id, before in (
            AuditEvent.objects.filter(
                object_type=ListEntry._meta.label_lower,
                object_id__in=[str(i) for i in corrected_later],
                action="list_entry.correct",
                created_at__gt=known_at,
            )
            .order_by("seq")
            .values_list("object_id", "before")
        ):
            before_correction.setdefault(int(object_id), before or {})
    out = []
    for row in rows:
        (entry_id, *head, legal_basis, valid_from, valid_until, objecting, state, published_at) = row[:14]
        removed_at, reason = row[14], row[15]
        steps = changes.get(entry_id)
        if published_at is not None and published_at > known_at:
            if not steps:  # no history: the stored stamps are all there is
                continue
            published_at = None
        if not steps:
            if state == EntryState.REMOVED and removed_at is not None and removed_at > known_at:
                state, removed_at, reason = EntryState.PUBLISHED, None, ""
            out.append(
                (
                    entry_id,
                    *head,
                    legal_basis,
                    valid_from,
                    valid_until,
                    objecting,
                    state,
                    published_at,
                    removed_at,
                    reason,
                    row[16],
                )
            )
            continue
        known = [step for step in steps if step[3] <= known_at]
        if not known:
            continue
        state = known[-1][1]
        if state not in CHECKED_STATES:
            continue
        removed_at, reason = None, ""
        periods: list[list] = []
        for event, _, removal_reason, at, effective_on in known:
            if event == ChangeEvent.REMOVED:
                removed_at, reason = at, removal_reason
            elif event == ChangeEvent.OBJECTION_OPENED:
                periods.append([effective_on.isoformat(), None])
            elif event == ChangeEvent.OBJECTION_CLOSED and periods and periods[-1][1] is None:
                periods[-1][1] = effective_on.isoformat()
        if state != EntryState.REMOVED:
            removed_at, reason = None, ""
        objecting = bool(periods) and periods[-1][1] is None
        before = before_correction.get(entry_id)
        if before:
            legal_basis = before.get("legal_basis", legal_basis)
            valid_until = _as_date(before.get("valid_until", valid_until))
        out.append(
            (
                entry_id,
                *head,
                legal_basis,
                valid_from,
                valid_until,
                objecting,
                state,
                published_at,
                removed_at,
                reason,
                periods,
            )
        )
    return out


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def known_at_validate(known_at: datetime | None) -> datetime | None:
    if known_at is None:
        return None
    if timezone.is_naive(known_at):
        known_at = timezone.make_aware(known_at)
    if known_at > clock.now():
        raise ValidationFailed.single(
            "known_at", "not_future", "记录时点 known_at 不能晚于当前时间（系统不能回答尚未发生的记录）。"
        )
    return known_at


def measure_check(
    *,
    identifier: str,
    scenario: str,
    on: date | None = None,
    known_at: datetime | None = None,
    retired_ok: bool = False,
) -> CheckResult:
    """(identifier, scenario, date) → every applicable measure with its cause: GET /check, the
    staff check page and other apps all ask this.

    Three indexed queries, compiled and prepared once per process (subject by identifier, alias as
    the fallback; the subject's roles in organisations; published and removed entries of the subject
    and those organisations) plus the in-process measure catalogue. The answer is as things stood on
    ``on`` (engine.entry_as_of): the same queries serve today and any past date. A retired scenario
    is refused unless ``retired_ok`` (reproducing a recorded check made while it was in use).
    """
    catalog = catalog_get()  # one version check per request (TTL 0 in tests)
    scenario = scenario_validate(scenario, retired_ok=retired_ok, catalog=catalog)
    known_at = known_at_validate(known_at)
    on = on or (timezone.localdate(known_at) if known_at is not None else clock.today())
    subject = subject_find(identifier)
    if subject is None:
        return CheckResult(subject=None, scenario=scenario, on=on, hits=[], roles=[], known_at=known_at)
    hits, roles = _hits_and_roles(subject.id, scenario, on, known_at, catalog)
    return CheckResult(subject=subject, scenario=scenario, on=on, hits=hits, roles=roles, known_at=known_at)


# --- memoranda and measures --------------------------------------------------------------------


def scenario_list(*, include_retired: bool = False):
    qs = Scenario.objects.prefetch_related("departments").order_by("-is_active", "id")
    return qs if include_retired else qs.filter(is_active=True)


def memorandum_list(*, page: int = 1, page_size: int = 20, active: bool | None = None) -> Page:
    current = Q(measures__superseded_by__isnull=True)
    qs = Memorandum.objects.annotate(measure_count=Count("measures", filter=current)).prefetch_related(
        "signatories"
    )
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
    # The current version of each measure; earlier ones are its history (measure_versions).
    qs = (
        Measure.objects.filter(superseded_by__isnull=True)
        .select_related("memorandum")
        .prefetch_related("implementing_departments")
    )
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
        scenario_validate(scenario, retired_ok=True)
        # JSON "contains" is not portable to SQLite; the catalogue is small, filter in Python.
        ids = [m.id for m in items if scenario in (m.scenarios or [])]
        items = qs.filter(id__in=ids).order_by("memorandum__code", "code")
    return paginate(items, page=page, page_size=page_size)


def measure_versions(code: str) -> list[Measure]:
    """Every version of the measure, oldest first, with its validity."""
    return list(
        Measure.objects.filter(code=code)
        .select_related("memorandum")
        .prefetch_related("implementing_departments")
    )


def measure_get(code: str) -> Measure:
    """The current version of the measure."""
    measure = (
        Measure.objects.filter(superseded_by__isnull=True)
        .select_related("memorandum")
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


# --- 核查留痕 (recorded checks) -------------------------------------------------------------------


def _sees_all_departments(user) -> bool:
    return bool(user.is_superuser or getattr(user, "is_office_admin", False))


def recorded_check_filter(
    *,
    user,
    identifier: str | None = None,
    scenario: str | None = None,
    case_no: str | None = None,
    department: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
):
    """The recorded checks ``user`` may see (own department; the office sees all), filtered."""
    qs = RecordedCheck.objects.select_related("department", "user", "subject")
    if not _sees_all_departments(user):
        qs = qs.filter(department_id=user.department_id)
    if identifier:
        qs = qs.filter(identifier=identifier.strip().upper())
    if scenario:
        qs = qs.filter(scenario=scenario_validate(scenario, retired_ok=True))
    if case_no:
        qs = qs.filter(case_no=case_no.strip())
    if department:
        qs = qs.filter(department__code=department)
    if created_from:
        qs = qs.filter(created_at__gte=day_end(created_from - timedelta(days=1)))
    if created_to:
        qs = qs.filter(created_at__lt=day_end(created_to))
    return qs.order_by("-created_at", "-id")


def recorded_check_list(*, user, page: int = 1, page_size: int = 20, **filters) -> Page:
    return paginate(recorded_check_filter(user=user, **filters), page=page, page_size=page_size)


def recorded_check_get(*, user, recorded_check_id: int) -> RecordedCheck:
    recorded = (
        RecordedCheck.objects.select_related("department", "user", "subject")
        .filter(pk=recorded_check_id)
        .first()
    )
    visible = recorded is not None and (
        _sees_all_departments(user) or recorded.department_id == user.department_id
    )
    if not visible:
        raise NotFound(f"未找到编号为 {recorded_check_id} 的核查留痕，或无权查看。")
    return recorded
