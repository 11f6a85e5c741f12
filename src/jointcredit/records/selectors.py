"""Reads on 双公示 records: lists, detail, history, timeliness, export rows, public search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from jointcredit.accounts.models import Department
from jointcredit.calendar.selectors import WorkingCalendar
from jointcredit.common import clock
from jointcredit.common.errors import CalendarNotConfigured, NotFound, ValidationFailed
from jointcredit.common.history import timeline_step
from jointcredit.common.pagination import Page, paginate
from jointcredit.subjects import privacy
from jointcredit.subjects.identifiers import IdType, normalize

from .fields import FIELDS, LICENSE, RECORD_TYPE_LABELS, RECORD_TYPES, SUBJECT_KIND_LABEL
from .models import (
    MODELS,
    PUBLIC_PUBLICATION_EVENTS,
    DisplayStatus,
    ImportBatch,
    PublicationEndReason,
    PublicationEvent,
    RecordHistory,
    RecordPublicationChange,
    RecordState,
)

MAX_EXPORT_DAYS = 3660


def _model(record_type: str):
    if record_type not in RECORD_TYPES:
        raise ValidationFailed.single(
            "record_type", "choice", "信息类别必须是 license（行政许可）或 penalty（行政处罚）。"
        )
    return MODELS[record_type]


def _check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise ValidationFailed.single("date_to", "order", "截止日期 date_to 不能早于起始日期 date_from。")


def record_list(
    *,
    record_type: str,
    department: Department | None = None,
    q: str = "",
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    overdue: bool = False,
    page: int = 1,
    page_size: int = 20,
    today: date | None = None,
) -> Page:
    qs = record_filter(
        record_type=record_type,
        department=department,
        q=q,
        state=state,
        date_from=date_from,
        date_to=date_to,
        overdue=overdue,
        today=today,
    )
    return paginate(
        qs.select_related("department", "subject").order_by("-decision_date", "-id"),
        page=page,
        page_size=page_size,
    )


def record_filter(
    *,
    record_type: str,
    department: Department | None = None,
    q: str = "",
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    overdue: bool = False,
    today: date | None = None,
):
    """The records ``record_list`` pages through (the workbench to-do cards count this queryset)."""
    model = _model(record_type)
    _check_range(date_from, date_to)
    q = (q or "").strip()
    if len(q) > 100:
        raise ValidationFailed.single("q", "max_length", "查询内容不能超过 100 个字符。")
    qs = model.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    if q:
        qs = qs.filter(
            Q(doc_no=q) | Q(uscc=q.upper()) | Q(id_number=q.upper()) | Q(subject_name__icontains=q)
        )
    if state:
        if state not in RecordState.values:
            raise ValidationFailed.single(
                "state", "choice", "状态 state 必须是 draft、published 或 withdrawn。"
            )
        qs = qs.filter(state=state)
    if date_from:
        qs = qs.filter(decision_date__gte=date_from)
    if date_to:
        qs = qs.filter(decision_date__lte=date_to)
    if overdue:
        qs = qs.filter(state=RecordState.DRAFT, publication_deadline__lt=today or clock.today())
    return qs


def record_get(*, record_type: str, pk: int):
    model = _model(record_type)
    record = model.objects.select_related("department", "subject").filter(pk=pk).first()
    if record is None:
        raise NotFound(f"未找到编号为 {pk} 的{'行政许可' if record_type == LICENSE else '行政处罚'}记录。")
    return record


def record_history(record) -> list[RecordHistory]:
    return list(
        RecordHistory.objects.filter(record_type=record.record_type, record_id=record.pk)
        .select_related("actor")
        .order_by("version", "id")
    )


_STATE_LABELS = dict(RecordState.choices)


def record_publication_timeline(record) -> list[dict]:
    """The record's publication history (ADR 0036), oldest first. A window that has ended without
    its ``expired`` step yet (the sweep has not run) is added as a derived step, as every read
    derives it from ``public_until``."""
    steps = [
        timeline_step(c, state_labels=_STATE_LABELS)
        for c in RecordPublicationChange.objects.filter(
            record_type=record.record_type, record_id=record.pk
        ).order_by("recorded_at", "pk")
    ]
    ended = {PublicationEvent.EXPIRED, PublicationEvent.PUBLICATION_ENDED}
    today = clock.today()
    if (
        record.state == RecordState.PUBLISHED
        and record.public_until is not None
        and record.public_until < today
        and not any(s["event"] in ended for s in steps)
    ):
        steps.append(
            {
                "event": PublicationEvent.EXPIRED.value,
                "label": PublicationEvent.EXPIRED.label,
                "state_before": record.state,
                "state_after": record.state,
                "state_before_label": _STATE_LABELS[record.state],
                "state_after_label": _STATE_LABELS[record.state],
                "reason": f"公示期已于 {record.public_until} 届满",
                "actor": "系统",
                "recorded_at": None,
                "effective_on": record.public_until + timedelta(days=1),
                "backfilled": False,
                "derived": True,
            }
        )
    return steps


def record_public_timeline(record) -> list[dict]:
    """What the portal shows of the publication history: the public steps, dated, without who or why."""
    return privacy.public_timeline(record_publication_timeline(record), events=PUBLIC_PUBLICATION_EVENTS)


def under_publication_q(on: date) -> Q:
    """Records under publication at the end of ``on``, as known today (ADR 0036, the rules of ADR
    0032): published by then, inside their window that day (the current, corrected ``public_until``
    — a repair shortens it), and not withdrawn by then. A record withdrawn later was under
    publication on ``on`` and is kept (the reader flags it)."""
    end_of_day = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
    return (
        Q(published_at__lt=end_of_day)
        & (Q(public_until__isnull=True) | Q(public_until__gte=on))
        & (Q(state=RecordState.PUBLISHED) | Q(state=RecordState.WITHDRAWN, withdrawn_at__gte=end_of_day))
    )


def batch_get(pk: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("department").filter(pk=pk).first()
    if batch is None:
        raise NotFound(f"未找到编号为 {pk} 的导入批次。")
    return batch


# --- timeliness -----------------------------------------------------------------------------------


def timeliness_report(
    *,
    date_from: date,
    date_to: date,
    department: Department | None = None,
    record_type: str | None = None,
    today: date | None = None,
) -> list[dict]:
    """Per department and month of decision: published on time, late (and by how many working
    days), overdue still unpublished, not yet due, deadline pending (待配置节假日). Derived from the
    stored dates at read time with the current calendar."""
    _check_range(date_from, date_to)
    if (date_to - date_from).days > MAX_EXPORT_DAYS:
        raise ValidationFailed.single("date_to", "range", "统计区间不能超过 10 年。")
    today = today or clock.today()
    cal = WorkingCalendar.load()
    rows: dict[tuple, dict] = {}
    types = [record_type] if record_type else list(RECORD_TYPES)
    names = dict(Department.objects.values_list("pk", "name"))
    codes = dict(Department.objects.values_list("pk", "code"))
    for rt in types:
        qs = (
            _model(rt)
            .objects.filter(decision_date__range=(date_from, date_to))
            .exclude(state=RecordState.WITHDRAWN, published_at__isnull=True)
        )
        if department is not None:
            qs = qs.filter(department=department)
        grouped = (
            qs.annotate(pub=TruncDate("published_at"))
            .values("department_id", "decision_date", "publication_deadline", "pub")
            .annotate(n=Count("id"))
        )
        for g in grouped:
            month = g["decision_date"].strftime("%Y-%m")
            key = (g["department_id"], month)
            row = rows.setdefault(
                key,
                {
                    "department_code": codes.get(g["department_id"], ""),
                    "department_name": names.get(g["department_id"], ""),
                    "month": month,
                    "total": 0,
                    "on_time": 0,
                    "late": 0,
                    "late_working_days_total": 0,
                    "late_working_days_max": 0,
                    "overdue_unpublished": 0,
                    "not_yet_due": 0,
                    "pending_calendar": 0,
                },
            )
            n, deadline, pub = g["n"], g["publication_deadline"], g["pub"]
            row["total"] += n
            if deadline is None:
                row["pending_calendar"] += n
            elif pub is not None:
                if pub <= deadline:
                    row["on_time"] += n
                else:
                    row["late"] += n
                    late = _working_days(cal, deadline, pub)
                    row["late_working_days_total"] += late * n
                    row["late_working_days_max"] = max(row["late_working_days_max"], late)
            elif today > deadline:
                row["overdue_unpublished"] += n
            else:
                row["not_yet_due"] += n
    out = sorted(rows.values(), key=lambda r: (r["department_code"], r["month"]))
    for row in out:
        done = row["on_time"] + row["late"] + row["overdue_unpublished"]
        row["on_time_rate"] = round(row["on_time"] / done, 4) if done else None
    return out


def _working_days(cal: WorkingCalendar, start: date, end: date) -> int:
    try:
        return cal.working_days_between(start, end)
    except CalendarNotConfigured:
        return (end - start).days  # only for dates in an unconfigured year; calendar days as an upper bound


TIMELINESS_COLUMNS = [
    ("department_name", "部门"),
    ("month", "决定月份"),
    ("total", "记录数"),
    ("on_time", "按时公示"),
    ("late", "逾期公示"),
    ("late_working_days_total", "逾期工作日合计"),
    ("late_working_days_max", "最长逾期（工作日）"),
    ("overdue_unpublished", "逾期未公示"),
    ("not_yet_due", "未到期未公示"),
    ("pending_calendar", "待配置节假日"),
    ("on_time_rate", "按时率"),
]


def overdue_count(*, department: Department | None, today: date | None = None) -> int:
    return sum(
        record_filter(record_type=t, department=department, overdue=True, today=today).count() for t in MODELS
    )


def overdue_todo(user, *, record_type: str):
    """Workbench to-do (one card per record type): this department's drafts past their 7-working-day
    deadline. The link carries the filters the count was computed with."""
    from jointcredit.common.workbench_registry import todo_card

    if not getattr(user, "is_authenticated", False) or user.department is None:
        return None
    filters = {
        "type": record_type,
        "department": user.department.code,
        "state": RecordState.DRAFT,
        "overdue": 1,
    }
    count = record_filter(
        record_type=record_type, department=user.department, state=RecordState.DRAFT, overdue=True
    ).count()
    return todo_card(
        label=f"双公示逾期未公示（{RECORD_TYPE_LABELS[record_type]}）",
        count=count,
        url_name="records:list",
        filters=filters,
    )


# --- export ---------------------------------------------------------------------------------------


def export_rows(
    *,
    record_type: str,
    department: Department | None,
    date_from: date | None = None,
    date_to: date | None = None,
    include_drafts: bool = False,
) -> tuple[list[str], Iterator[list]]:
    """Header (standard codes) and rows of the 信用济南 upload file; values are raw (callers apply
    ``safe_cell``)."""
    model = _model(record_type)
    _check_range(date_from, date_to)
    specs = FIELDS[record_type]
    qs = model.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    if not include_drafts:
        qs = qs.exclude(state=RecordState.DRAFT)
    if date_from:
        qs = qs.filter(decision_date__gte=date_from)
    if date_to:
        qs = qs.filter(decision_date__lte=date_to)
    header = [s.code for s in specs]

    def rows():
        for rec in qs.order_by("decision_date", "id").iterator(chunk_size=5000):
            yield [_export_value(rec, s.attr) for s in specs]

    return header, rows()


def _export_value(rec, attr: str):
    value = getattr(rec, attr, "")
    if attr == "subject_kind":
        return SUBJECT_KIND_LABEL.get(value, value)
    if attr == "id_type":
        return IdType.LABELS.get(value, value)
    if attr == "tier":
        return rec.get_tier_display()
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "normalize"):
        return format(value.normalize(), "f")
    return value


# --- public surfaces ------------------------------------------------------------------------------


def public_queryset(record_type: str, today: date | None = None):
    """Published, not withdrawn, inside the publication window (CF_GSJZQ / licence validity)."""
    today = today or clock.today()
    return (
        _model(record_type)
        .objects.filter(state=RecordState.PUBLISHED)
        .filter(Q(public_until__isnull=True) | Q(public_until__gte=today))
    )


def public_extract_records(*, record_type: str, on: date):
    """The daily public extract (``records.extracts``): records under publication on ``on`` —
    inside their window that day and published by the end of it, still published — oldest first
    (stable order)."""
    return (
        _model(record_type)
        .objects.filter(under_publication_q(on), state=RecordState.PUBLISHED)
        .select_related("department")
        .order_by("pk")
    )


def public_search(*, record_type: str, q: str = "", page: int = 1, page_size: int = 20) -> Page:
    q = (q or "").strip()
    if len(q) > 100:
        raise ValidationFailed.single("q", "max_length", "查询内容不能超过 100 个字符。")
    qs = public_queryset(record_type).select_related("department")
    if q:
        # One policy for every public surface (subjects.privacy): natural persons only by full name or
        # full document number; organisations also by name fragment.
        code = normalize(q)
        match = (
            Q(doc_no=q)
            | Q(uscc=code)
            | privacy.name_match(q, name_field="subject_name", kind_field="subject_kind")
        )
        if privacy.is_personal_identifier(q):
            match |= Q(id_number=code)
        qs = qs.filter(match)
    page_obj = paginate(qs.order_by("-decision_date", "-id"), page=page, page_size=page_size)
    page_obj.items = [public_view(r) for r in page_obj.items]
    return page_obj


def public_get(*, record_type: str, pk: int) -> dict:
    record = public_queryset(record_type).select_related("department").filter(pk=pk).first()
    if record is None:
        raise NotFound("该记录不存在或已不在公示期内。")
    return public_view(record) | {"timeline": record_public_timeline(record)}


def public_view(record) -> dict:
    """What the public may see: natural persons' name and ID masked (张*, 370102********1234)."""
    natural = record.is_natural_person
    view = {
        "id": record.pk,
        "record_type": record.record_type,
        "doc_no": record.doc_no,
        "subject_name": privacy.public_name_of(record.subject_name, record.subject_kind),
        "subject_kind": SUBJECT_KIND_LABEL.get(record.subject_kind, record.subject_kind),
        "uscc": "" if natural else record.uscc,
        "id_number": privacy.mask_id_number(record.id_number) if natural else "",
        # the 法定代表人 of an organisation is a natural person too
        "legal_rep": "" if natural else privacy.mask_person_name(record.legal_rep),
        "decision_date": record.decision_date,
        "organ_name": record.organ_name,
        "department": record.department.name,
        "public_until": record.public_until,
        "content": record.content,
    }
    if record.record_type == LICENSE:
        view |= {
            "doc_name": record.doc_name,
            "category": record.category,
            "certificate_name": record.certificate_name,
            "licence_no": record.licence_no,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
        }
    else:
        view |= {
            "violation_type": record.violation_type,
            "facts": record.facts,
            "basis": record.basis,
            "categories": record.categories.replace(";", "、"),
            "fine": record.fine,
            "confiscation": record.confiscation,
            "licence_affected": record.licence_affected,
            "tier": record.get_tier_display(),
        }
    return view


def subject_records_section(subject, *, public: bool = False, on: date | None = None) -> list[dict]:
    """The subject detail's 双公示 section (staff: all; public: masked, in window only), one query
    per record type. With ``on``: the records under publication at the end of that day
    (``under_publication_q``) for staff and public alike; one withdrawn since carries
    ``withdrawn_later`` (its decision was revoked: 已撤销)."""
    out = []
    for rt in RECORD_TYPES:
        if on is not None:
            qs = _model(rt).objects.filter(under_publication_q(on))
        else:
            qs = public_queryset(rt) if public else _model(rt).objects.all()
        for rec in qs.filter(subject=subject).select_related("department").order_by("-decision_date")[:50]:
            item = (
                public_view(rec)
                if public
                else {
                    "id": rec.pk,
                    "record_type": rt,
                    "doc_no": rec.doc_no,
                    "decision_date": rec.decision_date,
                    "department": rec.department.name,
                    # Every record of an as-of answer was under publication (公示中) that day.
                    "status": rec.display_status_label(on) if on is None else DisplayStatus.PUBLIC.label,
                }
            )
            if on is not None:
                item["withdrawn_later"] = rec.state == RecordState.WITHDRAWN
                item["repaired_later"] = rec.publication_end_reason == PublicationEndReason.REPAIRED
            out.append(item)
    return out
