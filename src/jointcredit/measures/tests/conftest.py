import pytest

# The lists app's lifecycle fixtures: entries made and ended through its services (as-of tests).
from jointcredit.lists.tests.conftest import (  # noqa: F401 - fixtures
    black_draft,
    black_published,
    company,
    scjgj_approver,
    scjgj_clerk,
    today,
    types,
)
from jointcredit.measures.services import measures_seed_defaults


@pytest.fixture
def catalog(lixia):
    """The shipped memoranda and measures, linked to the test departments (idempotent: the data
    migration may or may not have run in this database, transactional tests flush it)."""
    measures_seed_defaults()
    return lixia
