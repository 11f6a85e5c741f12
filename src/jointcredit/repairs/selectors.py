"""Reads on repair applications (list, filters and overdue through ``casework.selectors``)."""

from __future__ import annotations

from datetime import date

from jointcredit.casework import selectors as cases
from jointcredit.common.pagination import Page

from .kind import REPAIR
from .models import RepairApplication


def repair_get(pk) -> RepairApplication:
    return cases.case_get(REPAIR, pk)


def repairs_overdue(*, today: date, department=None):
    return cases.cases_overdue(REPAIR, today=today, department=department)


def is_overdue(r: RepairApplication, today: date | None = None) -> bool:
    return cases.case_is_overdue(REPAIR, r, today)


def repair_list(*, department=None, state: str | None = None, identifier: str | None = None,
                overdue: bool = False, page: int = 1, page_size: int = 20) -> Page:
    return cases.case_list(REPAIR, department=department, state=state, identifier=identifier, overdue=overdue,
                           page=page, page_size=page_size)


def repairs_for_subject(identifier: str):
    return cases.cases_for_subject(REPAIR, identifier)
