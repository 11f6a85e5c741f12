"""Reads for grading: the active rule set, a subject's grade with explanation and history, the
grade-A proposals for the red list “信用评级良好”. Internal only: nothing here is public."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef

from jointcredit.common import clock
from jointcredit.common.pagination import Page, paginate
from jointcredit.lists.models import ListColor, ListEntry
from jointcredit.subjects.models import Subject

from .models import GradeHistory, GradingRuleSet, GradingRun, SubjectGrade

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


def subject_grade_section(subject, *, public: bool = False) -> dict | None:
    """Staff-only section of a subject's detail; grades are internal, so the public gets nothing."""
    if public:
        return None
    grade = grade_of(subject)
    if grade is None:
        return None
    return {
        "grade": grade.grade,
        "score": grade.score,
        "ruleset_version": grade.ruleset_version,
        "computed_on": grade.computed_on,
        "explanation": grade.explanation,
    }
