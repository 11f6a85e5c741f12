"""Reads on objections (the shared reads — one case, lists, overdue — are ``casework.selectors``)."""

from __future__ import annotations

from datetime import date

from jointcredit.casework import selectors as cases
from jointcredit.casework.models import TargetType

from .kind import OBJECTION
from .models import Objection, ObjectionState


def objection_get(pk) -> Objection:
    return cases.case_get(OBJECTION, pk)


def objections_overdue(*, today: date, department=None):
    return cases.cases_overdue(OBJECTION, today=today, department=department)


def is_overdue(o: Objection, today: date | None = None) -> bool:
    return cases.case_is_overdue(OBJECTION, o, today)


def open_objection_for(target_type: str, target_id: int) -> Objection | None:
    return cases.open_case_for(OBJECTION, f"{target_type}:{target_id}")


def records_under_objection(record_type: str, ids) -> set[int]:
    """双公示 records shown as 异议中 (accepted or under review), for pages and APIs of records."""
    if record_type not in (TargetType.PENALTY, TargetType.LICENSE):
        return set()
    return set(
        Objection.objects.filter(
            target_type=record_type,
            target_id__in=list(ids),
            state__in=[ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW],
        ).values_list("target_id", flat=True)
    )
