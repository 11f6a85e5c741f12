import random

import pytest

from jointcredit.accounts.models import Role


@pytest.fixture
def scj_clerk(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scj_clerk")


@pytest.fixture
def scj_approver(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.APPROVER, Role.CLERK], username="scj_approver")


@pytest.fixture
def rrng():
    return random.Random(20261126)
