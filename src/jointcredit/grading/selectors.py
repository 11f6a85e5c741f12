"""Reads for grading: the active rule set, a subject's grade with explanation and history, the
grade-A proposals for the red list “信用评级良好”, a subject's honours. Internal only, except the
honours sections (荣誉称号 are public)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef

from jointcredit.common import clock
from jointcredit.common.pagination import Page, paginate
from jointcredit.lists.models import ListColor, ListEntry
from jointcredit.subjects.models import Subject

from .honours import honour_public_timeline, honours_held_q
from .models import Grade, GradeHistory, GradingRuleSet, GradingRun, Honour, SubjectGrade

GOOD_RATING_LIST_TYPE = "red_good_rating"


def ruleset_active() -> GradingRuleSet:
    """The rule set in force; the defaults (version 1, unsaved) when the office never published one."""
    active = GradingRuleSet.objects.filter(is_active=True).order_by("-version").first()
    return active or GradingRuleSet(version=1, is_active=True, note="默认规则")


def ruleset_list():
    return GradingRuleSet.objects.order_by("-version")


def grade_of(subject: Subject) -> SubjectGrade | None:
    return SubjectGrade.objects.filter(subject=subject).first()


def grade_history(subject: Subject, *, limit: int = 50):
    return GradeHistory.objects.filter(subject=subject).order_by("-computed_at", "-id")[:limit]


_TRIGGER_LABELS = {"bulk": "全量评级", "incremental": "增量评级", "manual": "手工重算"}
_GRADE_LABELS = dict(Grade.choices)


def grade_timeline(subject: Subject, *, limit: int = 50) -> list[dict]:
    """The grade's status history in the timeline shape of the other kinds (ADR 0036), oldest first.
    ``GradeHistory`` already is that history — a row per change of grade or score, previous and new
    grade, 评价基准日 (valid time) and computation time (transaction time) — written by COPY in the
    grading run; it is read through this shape rather than copied into a StatusChange table. A grade
    is computed, never decided by a person: the actor is the system (a manual recompute's user is
    on its audit row, ``grade.recompute``)."""
    rows = list(grade_history(subject, limit=limit))
    return [
        {
            "event": "graded" if not h.previous_grade else "regraded",
            "label": "首次评级" if not h.previous_grade else "等级或得分变化",
            "state_before": h.previous_grade,
            "state_after": h.grade,
            "state_before_label": _GRADE_LABELS.get(h.previous_grade, h.previous_grade),
            "state_after_label": _GRADE_LABELS.get(h.grade, h.grade),
            "reason": (
                f"得分 {'' if h.previous_score is None else f'{h.previous_score} → '}{h.score}，"
                f"评分规则 v{h.ruleset_version}，{_TRIGGER_LABELS.get(h.trigger, h.trigger)}"
            ),
            "actor": "系统",
            "recorded_at": h.computed_at,
            "effective_on": h.computed_on,
            "backfilled": False,
            "derived": False,
        }
        for h in reversed(rows)
    ]


def grade_as_of(subject: Subject, on: date) -> GradeHistory | None:
    """The grade the subject held at the end of ``on``: its last change with 评价基准日 on or before
    that day (one indexed query)."""
    return (
        GradeHistory.objects.filter(subject=subject, computed_on__lte=on)
        .order_by("-computed_on", "-computed_at", "-id")
        .first()
    )


def honours_of(subject: Subject, *, on: date | None = None):
    """The subject's honours; with ``on`` only those held at the end of that day."""
    qs = Honour.objects.filter(subject=subject).select_related("department")
    if on is not None:
        qs = qs.filter(honours_held_q(on))
    return qs.order_by("-awarded_on", "-id")


def grade_distribution() -> dict[str, int]:
    counts = dict(SubjectGrade.objects.values_list("grade").annotate(n=Count("pk")).values_list("grade", "n"))
    return {g: counts.get(g, 0) for g in "ABCD"}


def grading_run_latest() -> GradingRun | None:
    return GradingRun.objects.order_by("-started_at").first()


def grade_a_proposals(*, on: date | None = None, page: int = 1, page_size: int = 20, q: str = "") -> Page:
    """Grade-A subjects not yet on the “信用评级良好” red list and not on any effective black list:
    proposals for the office, never listed automatically (a person decides through the lists app)."""
    from jointcredit.measures.selectors import effective_entries_q

    on = on or clock.today()
    entries = ListEntry.objects.filter(effective_entries_q(on), subject_id=OuterRef("subject_id"))
    qs = (
        SubjectGrade.objects.filter(grade="A", subject__merged_into__isnull=True)
        .annotate(
            already=Exists(entries.filter(list_type__code=GOOD_RATING_LIST_TYPE)),
            black=Exists(entries.filter(list_type__color=ListColor.BLACK)),
        )
        .filter(already=False, black=False)
        .select_related("subject")
    )
    if q:
        qs = qs.filter(subject__name__icontains=q.strip()[:100])
    return paginate(qs.order_by("-score", "subject_id"), page=page, page_size=page_size)


def subject_grade_section(subject, *, public: bool = False, on: date | None = None) -> dict | None:
    """Staff-only section of a subject's detail; grades are internal, so the public gets nothing.
    With ``on``: the grade held at the end of that day (``grade_as_of``)."""
    if public:
        return None
    grade = grade_of(subject) if on is None else grade_as_of(subject, on)
    if grade is None:
        return None
    return {
        "grade": grade.grade,
        "score": grade.score,
        "ruleset_version": grade.ruleset_version,
        "computed_on": grade.computed_on,
        "explanation": grade.explanation,
    }


def subject_honours_section(subject, *, public: bool = False, on: date | None = None) -> list[dict]:
    """荣誉称号 of a subject's detail (one query). Staff: all, with their state; public: those held
    today. With ``on`` (both): those held at the end of that day, one revoked since flagged
    ``revoked_later``."""
    today = clock.today()
    held_on = on if on is not None else (today if public else None)
    out = []
    for h in honours_of(subject, on=held_on)[:50]:
        item = {
            "id": h.pk,
            "title": h.title,
            "department": h.department.name,
            "awarded_on": h.awarded_on,
            "state": "已撤销" if h.revoked_at and on is None else "有效",
        }
        if on is not None:
            item["revoked_later"] = h.revoked_at is not None
        out.append(item)
    return out


def portal_honours_section(subject, *, today: date) -> list[dict]:
    """The public subject page's 荣誉称号 block: held on ``today`` (a past date for ``?date=``), each
    with the public part of its history (授予, 撤销 — a revocation after that date shows there)."""
    on = today if today < clock.today() else None
    held = honours_of(subject, on=on if on is not None else clock.today()).prefetch_related("changes")[:50]
    items = []
    for h in held:
        steps = honour_public_timeline(h)
        revoked_later = h.revoked_at is not None
        items.append(
            {
                "title": h.title,
                "fields": [
                    ("授予部门", h.department.name),
                    ("授予日期", h.awarded_on),
                    ("公示记录", "；".join(f"{s['effective_on']:%Y-%m-%d} {s['label']}" for s in steps)),
                ],
                "tags": [{"label": "此后已撤销", "tone": "warn"}] if revoked_later else [],
            }
        )
    return items
