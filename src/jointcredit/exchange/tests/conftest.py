import pytest


@pytest.fixture(autouse=True)
def _no_linger(settings):
    """In-process worker runs (``db_worker --batch``) should not wait for more events after the
    work is done; the linger itself is tested explicitly, and real worker processes use the default."""
    settings.JOINTCREDIT_WEBHOOK_LINGER = 0
