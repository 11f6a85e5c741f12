"""Factories for grading/commitments tests: realistic subjects and list entries."""

from __future__ import annotations

from datetime import date, timedelta

from jointcredit.lists.models import EntryState, ListEntry, ListType
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory, RelatedPersonFactory


def entry(
    subject,
    *,
    code: str = "black_market_order",
    department,
    on: date,
    state=EntryState.PUBLISHED,
    valid_days: int = 365,
    **kwargs,
) -> ListEntry:
    list_type = ListType.objects.get(code=code)
    return ListEntry.objects.create(
        list_type=list_type,
        subject=subject,
        subject_name=subject.name,
        department=department,
        state=state,
        reason="测试事由",
        legal_basis=list_type.legal_basis,
        decided_on=on - timedelta(days=10),
        valid_from=on - timedelta(days=10),
        valid_until=on + timedelta(days=valid_days),
        **kwargs,
    )


def company_with_people(n_people: int = 2):
    """A company with a 法定代表人 and further related persons (shareholder, senior manager…)."""
    company = CompanyFactory()
    rep = RelatedPersonFactory(subject=company)
    others = [
        RelatedPersonFactory(subject=company, role=role)
        for role in ("shareholder", "senior_manager", "director")[: max(0, n_people - 1)]
    ]
    return company, rep.person, [o.person for o in others]


__all__ = ["CompanyFactory", "PersonFactory", "RelatedPersonFactory", "company_with_people", "entry"]
