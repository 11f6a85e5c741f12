import random
from datetime import date

import pytest

from jointcredit.accounts.models import Role
from jointcredit.catalog import defaults


@pytest.fixture
def depts(lixia, department_factory):
    from jointcredit.demo.departments import DEPARTMENTS

    extra = {code: department_factory(code, name) for code, name, *_ in DEPARTMENTS if code not in lixia}
    return {**lixia, **extra}


@pytest.fixture
def catalog(depts, office_admin):
    items = defaults.install(actor=office_admin, departments=depts, collect_from=date(2026, 1, 1))
    return {i.code: i for i in items}


@pytest.fixture
def swj_clerk(user_factory, depts):
    return user_factory(depts["swj"], roles=[Role.CLERK], username="swj_clerk")


@pytest.fixture
def rsj_clerk(user_factory, depts):
    return user_factory(depts["rsj"], roles=[Role.CLERK], username="rsj_clerk")


@pytest.fixture
def crng():
    return random.Random(20261126)
