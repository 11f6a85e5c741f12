import pytest

from jointcredit.measures.services import measures_seed_defaults


@pytest.fixture
def catalog(lixia):
    """The shipped memoranda and measures, linked to the test departments (idempotent: the data
    migration may or may not have run in this database, transactional tests flush it)."""
    measures_seed_defaults()
    return lixia
