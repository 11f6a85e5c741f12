"""Reads on repair applications (the shared reads — one case, lists, overdue — are ``casework.selectors``)."""

from __future__ import annotations

from datetime import date

from jointcredit.casework import selectors as cases

from .kind import REPAIR
from .models import RepairApplication


def repair_get(pk) -> RepairApplication:
    return cases.case_get(REPAIR, pk)


def repairs_overdue(*, today: date, department=None):
    return cases.cases_overdue(REPAIR, today=today, department=department)


def is_overdue(r: RepairApplication, today: date | None = None) -> bool:
    return cases.case_is_overdue(REPAIR, r, today)
