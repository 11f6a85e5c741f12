from __future__ import annotations

import pytest

from jointcredit.accounts.models import Role
from jointcredit.lists import services as list_services
from jointcredit.lists.models import ListType
from jointcredit.measures.services import measures_seed_defaults
from jointcredit.platforms import services
from jointcredit.platforms.simulator import PlatformSimulator
from jointcredit.subjects.tests.factories import CompanyFactory

EXCHANGE = ["default", "platform_exchange"]


@pytest.fixture
def types(lixia):
    measures_seed_defaults()
    list_services.list_types_seed()
    return {lt.code: lt for lt in ListType.objects.all()}


@pytest.fixture
def platform(platform_exchange_schema, types, office_admin, lixia):
    return services.platform_create(
        actor=office_admin, code="jinan", name="信用济南", receiving_department=lixia["fgj"]
    )


@pytest.fixture
def platform_simulator(platform):
    return PlatformSimulator(platform.code)


@pytest.fixture
def fgj_clerk(user_factory, lixia):
    return user_factory(lixia["fgj"], roles=[Role.CLERK, Role.APPROVER], username="fgj_clerk")


@pytest.fixture
def scjgj_clerk(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scjgj_clerk")


@pytest.fixture
def scjgj_approver(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.APPROVER, Role.CLERK], username="scjgj_approver")


@pytest.fixture
def company(db):
    return CompanyFactory(name="济南泉城鑫源餐饮管理有限公司")
