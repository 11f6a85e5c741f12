from __future__ import annotations

from datetime import date, timedelta

import pytest

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.lists import services
from jointcredit.lists.models import ListType
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory


@pytest.fixture
def today():
    return clock.today()


@pytest.fixture
def types(lixia):
    """The seed's list types, linked to the demo departments present in the test database."""
    services.list_types_seed()
    return {lt.code: lt for lt in ListType.objects.all()}


@pytest.fixture
def scjgj_clerk(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scjgj_clerk")


@pytest.fixture
def scjgj_approver(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.APPROVER, Role.CLERK], username="scjgj_approver")


@pytest.fixture
def swj_clerk(user_factory, lixia):
    return user_factory(lixia["swj"], roles=[Role.CLERK], username="swj_clerk")


@pytest.fixture
def swj_approver(user_factory, lixia):
    return user_factory(lixia["swj"], roles=[Role.APPROVER, Role.CLERK], username="swj_approver")


@pytest.fixture
def company(db):
    return CompanyFactory(name="济南泉城鑫源餐饮管理有限公司")


@pytest.fixture
def person(db):
    return PersonFactory(name="王建国")


@pytest.fixture
def black_draft(types, scjgj_clerk, company):
    def make(subject=None, **kwargs):
        subject = subject or company
        data = {
            "list_type": "black_health_safety",
            "identifier": subject.identifier,
            "name": subject.name,
            "reason": "2026年8月，该单位在餐饮服务中使用超过保质期的食品原料，造成12人食物中毒。",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
        } | kwargs
        return services.list_entry_create(actor=scjgj_clerk, **data)

    return make


@pytest.fixture
def black_published(black_draft, scjgj_clerk, scjgj_approver, today):
    """A black entry through the full lifecycle: notice served 30 days ago, period over, decided today."""

    def make(subject=None, **kwargs):
        entry = black_draft(subject, **kwargs)
        entry = services.list_entry_notify(
            entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=30)
        )
        entry = services.list_entry_decide(entry=entry, actor=scjgj_approver)
        return services.list_entry_publish(entry=entry, actor=scjgj_approver)

    return make


@pytest.fixture
def red_draft(types, swj_clerk, company, today):
    def make(subject=None, **kwargs):
        subject = subject or company
        data = {
            "list_type": "red_good_rating",
            "identifier": subject.identifier,
            "name": subject.name,
            "reason": "2025年度纳税信用评价为A级。",
            "decided_on": today - timedelta(days=10),
        } | kwargs
        return services.list_entry_create(actor=swj_clerk, **data)

    return make


@pytest.fixture
def red_published(red_draft, swj_approver):
    def make(subject=None, **kwargs):
        return services.list_entry_publish(entry=red_draft(subject, **kwargs), actor=swj_approver)

    return make


@pytest.fixture
def published_late(black_draft, scjgj_clerk, scjgj_approver):
    """Decided 20 days ago (validity starts then), published today."""

    def make(valid_until: date | None = None):
        today = clock.today()
        entry = black_draft()
        entry = services.list_entry_notify(
            entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=30)
        )
        entry = services.list_entry_statement_record(entry=entry, actor=scjgj_clerk, outcome="waived")
        entry = services.list_entry_decide(
            entry=entry, actor=scjgj_approver, decided_on=today - timedelta(days=20), valid_until=valid_until
        )
        return services.list_entry_publish(entry=entry, actor=scjgj_approver)

    return make
