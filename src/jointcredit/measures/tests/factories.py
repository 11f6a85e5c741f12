"""Helpers for measures tests: list types and published entries written straight through the ORM
(the lists app's lifecycle is not what these tests exercise)."""

from __future__ import annotations

from datetime import date, timedelta

from jointcredit.common import clock
from jointcredit.lists.models import EntryState, ListCategory, ListColor, ListEntry, ListType
from jointcredit.measures.models import Memorandum
from jointcredit.measures.seed import INCENTIVE_MEMORANDUM, PUNISHMENT_MEMORANDUM


def black_list_type(code: str = "black-food-safety") -> ListType:
    lt, _ = ListType.objects.get_or_create(
        code=code,
        defaults={
            "name": "食品安全领域严重失信主体名单",
            "color": ListColor.BLACK,
            "category": ListCategory.HEALTH_SAFETY,
            "legal_basis": "《中华人民共和国食品安全法》第一百三十五条",
            "memorandum": Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM),
        },
    )
    return lt


def red_list_type(code: str = "red-grade-a") -> ListType:
    lt, _ = ListType.objects.get_or_create(
        code=code,
        defaults={
            "name": "纳税信用A级纳税人名单",
            "color": ListColor.RED,
            "category": ListCategory.GOOD_RATING,
            "legal_basis": "《纳税信用管理办法（试行）》第二十九条",
            "memorandum": Memorandum.objects.get(code=INCENTIVE_MEMORANDUM),
        },
    )
    return lt


def entry(
    *,
    subject,
    list_type,
    department,
    state=EntryState.PUBLISHED,
    valid_from: date | None = None,
    valid_until: date | None = None,
    under_objection: bool = False,
    today: date | None = None,
) -> ListEntry:
    today = today or clock.today()
    return ListEntry.objects.create(
        list_type=list_type,
        subject=subject,
        subject_name=subject.name,
        department=department,
        state=state,
        reason="生产经营超过保质期的食品，情节严重",
        legal_basis=list_type.legal_basis,
        decided_on=valid_from or today - timedelta(days=30),
        valid_from=valid_from if valid_from is not None else today - timedelta(days=30),
        valid_until=valid_until if valid_until is not None else today + timedelta(days=335),
        under_objection=under_objection,
    )
