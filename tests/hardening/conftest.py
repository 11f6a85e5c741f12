from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from jointcredit.testing import platform_exchange_clear

from .world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Seed once per module inside an outer transaction that is rolled back at the end; each test
    (``db``) then runs in a savepoint of it, so tests stay independent and seeding stays cheap."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            platform_exchange_clear()  # the platforms demo hook wrote the exchange database too


@pytest.fixture
def seeded(world, db):
    cache.clear()  # rate-limit counters must not leak between tests
    return world


def rolled_back():
    """Run a block in a savepoint that is always rolled back (one fuzz example, one matrix cell)."""
    return _RolledBack()


class _RolledBack:
    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def __exit__(self, exc_type, exc, tb):
        transaction.set_rollback(True)
        return self._atomic.__exit__(exc_type, exc, tb)


def pytest_terminal_summary(terminalreporter):
    import sys

    matrix = sys.modules.get(__package__ + ".test_permission_matrix")
    if matrix is not None and matrix.CELLS:
        terminalreporter.section("Permission matrix")
        terminalreporter.write_line(
            f"{sum(matrix.CELLS.values())} cells: {matrix.CELLS['exact']} asserted both ways, "
            f"{matrix.CELLS['deny_only']} deny-side only (no builder)"
        )
    faults = sys.modules.get(__package__ + ".test_faults")
    if faults is not None and faults.FAULTS:
        terminalreporter.section("Fault injection")
        terminalreporter.write_line(f"{len(faults.FAULTS)} faults injected: " + "; ".join(faults.FAULTS))
    test_fuzz_api = sys.modules.get(__package__ + ".test_fuzz_api")
    if test_fuzz_api is None or not test_fuzz_api.STATUSES:
        return
    total = sum(sum(c.values()) for c in test_fuzz_api.STATUSES.values())
    terminalreporter.section("API fuzzing (schemathesis)")
    terminalreporter.write_line(f"{len(test_fuzz_api.STATUSES)} operations, {total} examples")
    for label, tally in sorted(test_fuzz_api.STATUSES.items()):
        terminalreporter.write_line(f"  {label}: " + ", ".join(f"{k}×{v}" for k, v in sorted(tally.items())))
