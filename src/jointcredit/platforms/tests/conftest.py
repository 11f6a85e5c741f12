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


HTTPS_KEY = "jinan-test-key-4f1c2b7e9a0d3e5f6a7b8c9d"


@pytest.fixture
def simulator_server(platform):
    """The simulator's HTTPS side on a free port of 127.0.0.1 (a real socket, its own thread)."""
    from jointcredit.platforms.simulator_http import SimulatorServer

    server = SimulatorServer(PlatformSimulator(platform.code), HTTPS_KEY.encode()).start()
    yield server
    server.stop()


@pytest.fixture
def https_platform(platform, simulator_server, office_admin, monkeypatch):
    """The platform configured for the HTTPS transport against the simulator's server."""
    from jointcredit.platforms.transports.config import platform_transport_update

    monkeypatch.setenv("PLATFORM_JINAN_KEY", HTTPS_KEY)
    return platform_transport_update(
        actor=office_admin,
        platform=platform,
        transport="https",
        url=simulator_server.url,
        key_env="PLATFORM_JINAN_KEY",
        interval_minutes=1,
    )
