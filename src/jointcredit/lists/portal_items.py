"""The red/black lists on the portal 信用历下 and in the credit report: search provider, subject
sections (public: entries in force; staff: every entry) and the home counters. Registered with the
portal's plug-in points by ``ListsConfig.ready`` (the portal knows no domain app, ADR 0016)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from jointcredit.common import clock
from jointcredit.common.portal_registry import (
    SEARCH_COUNT_CAP,
    SearchResults,
    register_portal_stat,
    register_search_provider,
    register_subject_public_section,
    register_subject_staff_section,
)
from jointcredit.subjects import privacy
from jointcredit.subjects.identifiers import normalize
from jointcredit.subjects.models import Subject
from jointcredit.subjects.public import subject_public_ref
from jointcredit.subjects.selectors import subject_ids_for_identifier

from .asof import entry_as_of
from .models import REMOVAL_SHORT_LABELS, EntryState, ListColor, ListEntry


def _url_or_blank(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _effective(on: date) -> Q:
    return (
        Q(state=EntryState.PUBLISHED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    )


def _entry_item(entry, *, today: date, staff: bool = False, under_objection: bool | None = None) -> dict:
    black = entry.list_type.color == ListColor.BLACK
    tags = [{"label": "黑名单" if black else "红名单", "tone": "black" if black else "red"}]
    if entry.under_objection if under_objection is None else under_objection:
        tags.append({"label": "异议中", "tone": "warn"})
    fields = [
        ("认定单位", entry.issuer_name),
        ("列入事由", entry.reason),
        ("认定依据", entry.legal_basis),
        ("认定文书号", entry.document_no or "—"),
        ("认定日期", entry.decided_on or "—"),
        ("有效期", f"{entry.valid_from or entry.decided_on or '—'} 至 {entry.valid_until or '长期'}"),
    ]
    if staff:
        fields.insert(0, ("状态", entry.display_status(today)))
    return {
        "title": entry.list_type.name,
        "subtitle": entry.list_type.get_category_display(),
        "fields": fields,
        "tags": tags,
        "url": "" if staff else _url_or_blank("lists_public:detail", entry.pk),
    }


def list_entries_public_section(subject: Subject, *, today: date) -> list[dict]:
    """The public subject page's entries in force on ``today``; a page asked for a past date
    (``?date=``) shows those in force at the end of that day (ADR 0036, ``asof.entry_as_of``), one
    removed since marked with its removal (已撤销 when the listing was wrong)."""
    if today < clock.today():
        return _public_section_as_of(subject, on=today)
    qs = (
        ListEntry.objects.filter(_effective(today), subject=subject)
        .select_related("list_type", "department", "source_authority")
        .order_by("-valid_from", "-pk")
    )
    return [_entry_item(e, today=today) for e in qs[:100]]


def _public_section_as_of(subject: Subject, *, on: date) -> list[dict]:
    qs = (
        ListEntry.objects.filter(subject=subject, state__in=(EntryState.PUBLISHED, EntryState.REMOVED))
        .select_related("list_type", "department")
        .order_by("-valid_from", "-pk")
    )
    today = clock.today()
    items = []
    for entry in qs:
        found = entry_as_of(
            state=entry.state,
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
            published_at=entry.published_at,
            removed_at=entry.removed_at,
            removal_reason=entry.removal_reason,
            objection_periods=entry.objection_periods,
            under_objection=entry.under_objection,
            on=on,
            today=today,
        )
        if found is None:
            continue
        item = _entry_item(entry, today=on, under_objection=found.under_objection)
        if found.removed_on is not None:
            label = REMOVAL_SHORT_LABELS.get(entry.removal_reason, entry.removal_reason)
            item["fields"].append(("此后移出", f"{found.removed_on:%Y-%m-%d}（{label}）"))
            item["tags"].append(
                {"label": "此后已撤销" if found.later_revoked else "此后已移出", "tone": "warn"}
            )
            item["url"] = ""  # no longer on the public list
        items.append(item)
        if len(items) == 100:
            break
    return items


def list_entries_staff_section(subject: Subject, *, today: date) -> list[dict]:
    qs = (
        ListEntry.objects.filter(subject=subject)
        .select_related("list_type", "department", "source_authority")
        .order_by("-created_at")
    )
    return [_entry_item(e, today=today, staff=True) for e in qs[:200]]


def list_entries_search(q: str, page: int, page_size: int) -> SearchResults:
    """Published, effective entries by subject name fragment, identifier or 认定文书号."""

    today = clock.today()
    # Candidates without ORDER BY: LIMIT then stops the scan at SEARCH_COUNT_CAP + 1 matches instead of
    # sorting every match (a common fragment matches a large share of the entries); the page puts
    # the candidates in date order, as the subjects provider does with name order (ADR 0005).
    effective = ListEntry.objects.filter(_effective(today)).order_by()
    # Separate indexed/small queries instead of one OR across a join to the subjects table.
    ids = set(effective.filter(document_no=q).values_list("pk", flat=True)[: SEARCH_COUNT_CAP + 1])
    subject_ids = subject_ids_for_identifier(normalize(q)) if len(q) >= 8 else []
    if subject_ids:
        ids |= set(
            effective.filter(subject_id__in=subject_ids).values_list("pk", flat=True)[: SEARCH_COUNT_CAP + 1]
        )
    if len(q) >= 2:
        # Natural persons are found by their full name only (masking rules). The entry carries its
        # subject's kind, so no join to the subjects table (10M rows: a random page per entry).
        named = effective.filter(privacy.name_match(q, name_field="subject_name", kind_field="subject_kind"))
        ids |= set(named.values_list("pk", flat=True)[: SEARCH_COUNT_CAP + 1])
    qs = (
        ListEntry.objects.filter(pk__in=sorted(ids)[: SEARCH_COUNT_CAP + 1])
        .select_related("list_type", "department", "subject", "source_authority")
        .order_by("-published_at", "-pk")
    )
    n = len(ids)
    offset = (page - 1) * page_size
    items = []
    for entry in qs[offset : offset + page_size]:
        item = _entry_item(entry, today=today)
        ref = subject_public_ref(entry.subject)
        item["title"] = f"{ref['name']} · {entry.list_type.name}"
        item["fields"] = [(ref["id_type_label"], ref["identifier"])] + item["fields"][:1] + item["fields"][3:]
        item["url"] = item["url"] or ref["url"]
        item["subject"] = ref
        items.append(item)
    return SearchResults(items=items, total=min(n, SEARCH_COUNT_CAP), capped=n > SEARCH_COUNT_CAP)


def count_effective(color: str) -> int:

    return ListEntry.objects.filter(_effective(clock.today()), list_type__color=color).count()


def register() -> None:
    register_search_provider("lists", "红黑名单", list_entries_search, order=40)
    register_subject_public_section(
        "lists",
        "红黑名单（当前有效）",
        list_entries_public_section,
        order=40,
        empty_text="未被列入当前有效的红名单或黑名单。",
    )
    register_subject_staff_section(
        "lists_all",
        "名单条目（全部状态，内部）",
        list_entries_staff_section,
        order=40,
        empty_text="无名单条目。",
    )
    register_portal_stat("red", "红名单（有效）", lambda: count_effective("red"), order=40)
    register_portal_stat("black", "黑名单（有效）", lambda: count_effective("black"), order=41)
