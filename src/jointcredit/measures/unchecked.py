"""应查未查 (issue #17 §3): grants to subjects under an effective black-list entry on the decision date.

A grant is a decision in a subject's favour that a black-list entry should have weighed on: a 双公示
licence, a business matter fed back as handled without applying the pushed measure (未涉及/不适用),
or rows of other capabilities registered with ``measures.extensions.register_grant_source`` (the
catalog sits above this app). Each source gives a queryset annotated with the grant's fields
(``GRANT_FIELDS``); the report adds, set-based, the black-list entry in force on the decision date
(the as-of rule of ADR 0032 with the date taken from the row) and the latest recorded check
(核查留痕) by the granting department for that subject made on or before that date. No recorded
check: 应查未查.

Reads lists, records, exchange and the recorded checks: all at or below ``measures`` (ADR 0016).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value

from jointcredit.accounts.permissions import ensure_office_admin
from jointcredit.common.errors import ValidationFailed
from jointcredit.common.pagination import Page, paginate
from jointcredit.exchange.models import Feedback, FeedbackResult
from jointcredit.lists.models import EntryState, ListColor, ListEntry
from jointcredit.records.models import License, RecordState, StatusCode

from .extensions import grant_sources
from .models import RecordedCheck

# What every source annotates on its rows.
GRANT_FIELDS = ("g_department_id", "g_subject_id", "g_doc_no", "g_matter", "g_decision_date")

COLUMNS = (
    ("source_label", "来源"),
    ("department_name", "授予部门"),
    ("doc_no", "文书号"),
    ("matter", "事项"),
    ("decision_date", "决定日期"),
    ("subject_identifier", "主体标识"),
    ("subject_name", "主体名称"),
    ("entry_id", "黑名单条目"),
    ("list_type_name", "名单"),
    ("entry_department_name", "认定部门"),
    ("entry_valid_until", "条目有效期至"),
    ("recorded_check_id", "核查留痕编号"),
    ("status_label", "核查情况"),
)


def licence_grants() -> QuerySet:
    """双公示 行政许可 in force (not withdrawn, 当前状态 有效)."""
    return (
        License.objects.exclude(state=RecordState.WITHDRAWN)
        .filter(status_code=StatusCode.VALID)
        .annotate(
            g_department_id=F("department_id"),
            g_subject_id=F("subject_id"),
            g_doc_no=F("doc_no"),
            g_matter=F("doc_name"),
            g_decision_date=F("decision_date"),
        )
    )


def feedback_grants() -> QuerySet:
    """Business matters a cooperating department fed back as handled without the pushed measure."""
    return (
        Feedback.objects.filter(result__in=(FeedbackResult.NOT_INVOLVED, FeedbackResult.NOT_APPLICABLE))
        .exclude(matter_name="")
        .annotate(
            g_department_id=F("department_id"),
            g_subject_id=F("entry__subject_id"),
            g_doc_no=F("matter_document_no"),
            g_matter=F("matter_name"),
            g_decision_date=F("handled_on"),
        )
    )


def _black_entry_in_force(subject, day) -> QuerySet:
    """The black-list entry of ``subject`` in force at the end of ``day`` (both outer references):
    ``selectors.entries_as_of_q`` with the date taken from the outer row."""
    published_by = Q(published_at__date__lte=day)
    return (
        ListEntry.objects.filter(subject_id=subject, list_type__color=ListColor.BLACK)
        .filter(
            Q(state=EntryState.PUBLISHED) & (Q(published_at__isnull=True) | published_by)
            | Q(state=EntryState.REMOVED) & published_by & Q(removed_at__date__gt=day)
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("id")
        .values("id")[:1]
    )


@dataclass(frozen=True)
class UncheckedFilter:
    decided_from: date | None = None
    decided_to: date | None = None
    department: str | None = None
    source: str | None = None
    unchecked_only: bool = False


def _source_rows(key: str, label: str, qs: QuerySet, f: UncheckedFilter) -> QuerySet:
    if f.decided_from:
        qs = qs.filter(g_decision_date__gte=f.decided_from)
    if f.decided_to:
        qs = qs.filter(g_decision_date__lte=f.decided_to)
    if f.department:
        qs = qs.filter(g_department_id__in=Subquery(_department_ids(f.department)))
    # Only subjects ever black-listed reach the per-row subqueries (a hash semi-join first).
    ever_black = ListEntry.objects.filter(
        list_type__color=ListColor.BLACK, state__in=(EntryState.PUBLISHED, EntryState.REMOVED)
    ).values("subject_id")
    qs = qs.filter(g_subject_id__in=ever_black).annotate(
        g_entry_id=Subquery(_black_entry_in_force(OuterRef("g_subject_id"), OuterRef("g_decision_date")))
    )
    qs = qs.filter(g_entry_id__isnull=False).annotate(
        g_recorded_check_id=Subquery(
            RecordedCheck.objects.filter(
                department_id=OuterRef("g_department_id"),
                subject_id=OuterRef("g_subject_id"),
                created_at__date__lte=OuterRef("g_decision_date"),
            )
            .order_by("-created_at", "-id")
            .values("id")[:1]
        ),
        g_source=Value(key),
        g_source_label=Value(label),
    )
    if f.unchecked_only:
        qs = qs.filter(g_recorded_check_id__isnull=True)
    return qs.values(
        "g_source", "g_source_label", *GRANT_FIELDS, "g_entry_id", "g_recorded_check_id"
    ).order_by()


def _department_ids(code: str) -> QuerySet:
    from jointcredit.accounts.models import Department

    return Department.objects.filter(code=code).values("id")


def unchecked_grants(*, actor, filters: UncheckedFilter) -> list[dict]:
    """Every report line (office only), newest decision first, with the names filled in."""
    ensure_office_admin(actor)
    sources = grant_sources()
    if filters.source and filters.source not in sources:
        valid = "、".join(f"{k}（{label}）" for k, (label, _) in sources.items())
        raise ValidationFailed.single("source", "choice", f"来源 source 无效；有效值为：{valid}。")
    lines: list[dict] = []
    for key, (label, grants) in sources.items():
        if filters.source and key != filters.source:
            continue
        lines.extend(_source_rows(key, label, grants(), filters))
    lines.sort(key=lambda r: (r["g_decision_date"], r["g_source"], r["g_doc_no"]), reverse=True)
    return _named(lines)


def _named(lines: list[dict]) -> list[dict]:
    from jointcredit.accounts.models import Department
    from jointcredit.subjects.models import Subject

    departments = dict(
        Department.objects.filter(id__in={r["g_department_id"] for r in lines}).values_list("id", "name")
    )
    subjects = {
        s[0]: s[1:]
        for s in Subject.objects.filter(id__in={r["g_subject_id"] for r in lines}).values_list(
            "id", "identifier", "name"
        )
    }
    entries = {
        e[0]: e[1:]
        for e in ListEntry.objects.filter(id__in={r["g_entry_id"] for r in lines}).values_list(
            "id", "list_type__name", "department__name", "valid_until"
        )
    }
    out = []
    for r in lines:
        identifier, name = subjects.get(r["g_subject_id"], ("", ""))
        list_type_name, entry_department, valid_until = entries.get(r["g_entry_id"], ("", "", None))
        out.append(
            {
                "source": r["g_source"],
                "source_label": r["g_source_label"],
                "department_name": departments.get(r["g_department_id"], ""),
                "doc_no": r["g_doc_no"],
                "matter": r["g_matter"],
                "decision_date": r["g_decision_date"],
                "subject_identifier": identifier,
                "subject_name": name,
                "entry_id": r["g_entry_id"],
                "list_type_name": list_type_name,
                "entry_department_name": entry_department,
                "entry_valid_until": valid_until,
                "recorded_check_id": r["g_recorded_check_id"],
                "checked": r["g_recorded_check_id"] is not None,
                "status_label": "已核查留痕" if r["g_recorded_check_id"] is not None else "应查未查",
            }
        )
    return out


def unchecked_report(*, actor, filters: UncheckedFilter, page: int = 1, page_size: int = 50) -> Page:
    return paginate(unchecked_grants(actor=actor, filters=filters), page=page, page_size=page_size)


def unchecked_table(lines: list[dict]) -> tuple[list[str], list[list]]:
    return [label for _, label in COLUMNS], [[line[key] for key, _ in COLUMNS] for line in lines]
