"""What the portal registers itself (from ``PortalConfig.ready``).

* ``subjects`` search provider and the subject counter — the portal owns these.
* Fall-backs (``default=True``) for red/black list entries, built on the shared ``lists.models``
  only: the lists app replaces them by registering the same keys with its own functions.
* Adapters for 双公示 records (``licenses``, ``penalties`` search; ``records`` section) over the
  records app's *public* selectors (``public_search``, ``subject_records_section(public=True)``),
  imported lazily and skipped when the records app is absent; also ``default=True``.
* Staff-only sections (related persons, every list entry in any state) for the internal pages and
  the internal credit report.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from jointcredit.common import clock
from jointcredit.subjects import privacy
from jointcredit.subjects.identifiers import normalize
from jointcredit.subjects.models import Subject, SubjectKind

from .public import subject_public_ref
from .registry import (
    SearchResults,
    register_portal_stat,
    register_search_provider,
    register_subject_public_section,
    register_subject_staff_section,
)
from .selectors import COUNT_CAP, _ids_for_identifier, subject_search_public


def _url_or_blank(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- red/black list fall-backs -------------------------------------------------------------------
def _effective(on: date) -> Q:
    from jointcredit.lists.models import EntryState

    return (
        Q(state=EntryState.PUBLISHED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    )


def _entry_item(entry, *, today: date, staff: bool = False) -> dict:
    from jointcredit.lists.models import ListColor

    black = entry.list_type.color == ListColor.BLACK
    tags = [{"label": "黑名单" if black else "红名单", "tone": "black" if black else "red"}]
    if entry.under_objection:
        tags.append({"label": "异议中", "tone": "warn"})
    fields = [
        ("认定部门", entry.department.name),
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
    from jointcredit.lists.models import ListEntry

    qs = (
        ListEntry.objects.filter(_effective(today), subject=subject)
        .select_related("list_type", "department")
        .order_by("-valid_from", "-pk")
    )
    return [_entry_item(e, today=today) for e in qs[:100]]


def list_entries_staff_section(subject: Subject, *, today: date) -> list[dict]:
    from jointcredit.lists.models import ListEntry

    qs = (
        ListEntry.objects.filter(subject=subject)
        .select_related("list_type", "department")
        .order_by("-created_at")
    )
    return [_entry_item(e, today=today, staff=True) for e in qs[:200]]


def list_entries_search(q: str, page: int, page_size: int) -> SearchResults:
    """Published, effective entries by subject name fragment, identifier or 认定文书号."""

    from jointcredit.lists.models import ListEntry

    today = clock.today()
    # Candidates without ORDER BY: LIMIT then stops the scan at COUNT_CAP + 1 matches instead of
    # sorting every match (a common fragment matches a large share of the entries); the page puts
    # the candidates in date order, as the subjects provider does with name order (ADR 0005).
    effective = ListEntry.objects.filter(_effective(today)).order_by()
    # Separate indexed/small queries instead of one OR across a join to the subjects table.
    ids = set(effective.filter(document_no=q).values_list("pk", flat=True)[: COUNT_CAP + 1])
    subject_ids = _ids_for_identifier(normalize(q)) if len(q) >= 8 else []
    if subject_ids:
        ids |= set(effective.filter(subject_id__in=subject_ids).values_list("pk", flat=True)[: COUNT_CAP + 1])
    if len(q) >= 2:
        # Natural persons are found by their full name only (masking rules). The entry carries its
        # subject's kind, so no join to the subjects table (10M rows: a random page per entry).
        named = effective.filter(privacy.name_match(q, name_field="subject_name", kind_field="subject_kind"))
        ids |= set(named.values_list("pk", flat=True)[: COUNT_CAP + 1])
    qs = (
        ListEntry.objects.filter(pk__in=sorted(ids)[: COUNT_CAP + 1])
        .select_related("list_type", "department", "subject")
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
    return SearchResults(items=items, total=min(n, COUNT_CAP), capped=n > COUNT_CAP)


def _count_effective(color: str) -> int:

    from jointcredit.lists.models import ListEntry

    return ListEntry.objects.filter(_effective(clock.today()), list_type__color=color).count()


# --- 双公示 records adapters ------------------------------------------------------------------------
_RECORD_LABELS = {"license": "行政许可", "penalty": "行政处罚"}


def _record_item(view: dict) -> dict:
    rt = view.get("record_type", "")
    penalty = rt == "penalty"
    subject_id = view.get("uscc") or view.get("id_number") or ""
    fields = [
        ("文书号", view.get("doc_no", "")),
        ("统一社会信用代码/证件号码", subject_id),
        ("决定日期", view.get("decision_date") or "—"),
        ("决定机关", view.get("organ_name") or view.get("department", "")),
    ]
    if penalty:
        fields += [
            ("处罚类别", view.get("categories", "")),
            ("违法行为类型", view.get("violation_type", "")),
            ("处罚内容", view.get("content", "")),
        ]
    else:
        fields += [
            ("许可类别", view.get("category", "")),
            ("许可内容", view.get("content", "")),
            ("有效期", f"{view.get('valid_from') or '—'} 至 {view.get('valid_to') or '—'}"),
        ]
    fields.append(("公示截止", view.get("public_until") or "—"))
    return {
        "title": f"{_RECORD_LABELS.get(rt, rt)} · {view.get('subject_name', '')}",
        "subtitle": view.get("tier", "") if penalty else view.get("doc_name", ""),
        "fields": [(label, value) for label, value in fields if value not in ("", None)],
        "tags": [{"label": _RECORD_LABELS.get(rt, rt), "tone": "warn" if penalty else ""}],
        "url": _url_or_blank("records_public_detail", rt, view.get("id")),
    }


def _records_search(record_type: str):
    def search(q: str, page: int, page_size: int) -> SearchResults:
        from jointcredit.records import selectors as records

        result = records.public_search(record_type=record_type, q=q, page=page, page_size=page_size)
        return SearchResults(items=[_record_item(v) for v in result.items], total=result.total)

    return search


def records_public_section(subject: Subject, *, today: date) -> list[dict]:
    from jointcredit.records import selectors as records

    return [_record_item(v) for v in records.subject_records_section(subject, public=True)]


def _records_available() -> bool:
    try:
        from jointcredit.records import selectors as records
    except ImportError:
        return False
    return all(hasattr(records, name) for name in ("public_search", "subject_records_section"))


# --- staff-only sections -------------------------------------------------------------------------
def related_persons_staff_section(subject: Subject, *, today: date) -> list[dict]:
    items = []
    for link in subject.related_persons.select_related("person").order_by("role", "person__name")[:100]:
        items.append(
            {
                "title": f"{link.get_role_display()} {link.person.name}",
                "fields": [
                    ("证件号码", link.person.identifier),
                    ("对失信行为负有直接责任", "是" if link.directly_responsible else "否"),
                ],
                "url": _url_or_blank("workbench:subject_detail", link.person.identifier),
            }
        )
    for link in subject.roles_in.select_related("subject").order_by("subject__name")[:100]:
        items.append(
            {
                "title": f"{link.subject.name} 的{link.get_role_display()}",
                "fields": [("统一社会信用代码", link.subject.identifier)],
                "url": _url_or_blank("workbench:subject_detail", link.subject.identifier),
            }
        )
    return items


def related_public_section(subject: Subject, *, today: date) -> list[dict]:
    """法定代表人 etc. of an organisation, masked (a natural person's own page shows nothing here)."""
    if subject.kind == SubjectKind.NATURAL:
        return []
    return [
        {"title": link.get_role_display(), "fields": [("姓名", privacy.mask_person_name(link.person.name))]}
        for link in subject.related_persons.select_related("person").order_by("role")[:20]
    ]


def register_defaults() -> None:
    register_search_provider("subjects", "信用主体", subject_search_public, order=10)
    register_search_provider("lists", "红黑名单", list_entries_search, order=40, default=True)
    if _records_available():
        register_search_provider("penalties", "行政处罚", _records_search("penalty"), order=20, default=True)
        register_search_provider("licenses", "行政许可", _records_search("license"), order=30, default=True)
        register_subject_public_section(
            "records",
            "双公示信息（公示期内）",
            records_public_section,
            order=20,
            default=True,
            empty_text="公示期内无行政许可、行政处罚信息。",
        )
    register_subject_public_section(
        "lists",
        "红黑名单（当前有效）",
        list_entries_public_section,
        order=40,
        default=True,
        empty_text="未被列入当前有效的红名单或黑名单。",
    )
    register_subject_public_section(
        "related",
        "法定代表人及主要人员",
        related_public_section,
        order=90,
        default=True,
        empty_text="无公开的关联人信息。",
    )
    register_subject_staff_section(
        "lists_all",
        "名单条目（全部状态，内部）",
        list_entries_staff_section,
        order=40,
        default=True,
        empty_text="无名单条目。",
    )
    register_subject_staff_section(
        "related_staff",
        "关联人（内部，未脱敏）",
        related_persons_staff_section,
        order=90,
        default=True,
        empty_text="无关联人。",
    )
    register_portal_stat("red", "红名单（有效）", lambda: _count_effective("red"), order=40, default=True)
    register_portal_stat("black", "黑名单（有效）", lambda: _count_effective("black"), order=41, default=True)
