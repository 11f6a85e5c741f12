"""kill -9 in the middle of real work (DESIGN.md §6): real processes on PostgreSQL, then invariants.

Each scenario starts a ``jointcredit`` process, waits until it holds an uncommitted write, SIGKILLs
it, waits for PostgreSQL to roll the session back, and checks: no partial batch, nothing lost,
nothing applied twice, the audit chain verifies, and the same work redone afterwards completes.
The exchange's own kill -9 scenarios (worker killed mid-delivery, web process killed while
publishing) live with the exchange: src/jointcredit/exchange/tests/test_faults.py.
"""

from __future__ import annotations

import importlib.util
import random

import pytest
from django.db import connection  # noqa: F401 - evaluated by the skipif condition

from .faults import JointcreditProcess, audit_verify, backend_writing, sessions_gone, wait_until

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="kill -9 scenarios need PostgreSQL (real processes)"
)
FAULTS: list[str] = []  # injected faults, reported in the terminal summary


def _needs(module: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{what} does not exist yet ({module})")


@pytest.fixture
def penalties_file(tmp_path, lixia):
    _needs("jointcredit.records.management.commands.import_records", "`jointcredit import penalties`")
    from jointcredit.records.tests.factories import csv_bytes, penalty_row

    rng = random.Random(7)
    rows = [penalty_row(rng, lixia["scjgj"], n=i, person=i % 5 == 0) for i in range(1, 6_001)]
    path = tmp_path / "penalties.csv"
    path.write_bytes(csv_bytes(rows))
    return path, len(rows)


@pytest.mark.django_db(transaction=True)
def test_kill9_during_penalty_import_leaves_no_partial_batch(penalties_file):
    from jointcredit.records.models import ImportBatch, Penalty

    path, total = penalties_file
    proc = JointcreditProcess("import", "penalties", str(path), "--department", "scjgj", "-v", "0")
    assert wait_until(lambda: backend_writing() or not proc.alive(), timeout=60)
    if proc.kill9():
        FAULTS.append("import penalties: SIGKILL with an uncommitted write")
    assert wait_until(sessions_gone, timeout=30)

    batches = list(ImportBatch.objects.all())
    written = Penalty.objects.count()
    if not batches:  # killed before commit: nothing at all
        assert written == 0, f"{written} penalties without a batch"
    else:  # finished before the kill: the whole file
        assert [b.status for b in batches] == [ImportBatch.Status.APPLIED] and written == total
    rc, out = audit_verify()
    assert rc == 0, out

    # the same file again completes, exactly once
    rc, out = JointcreditProcess("import", "penalties", str(path), "--department", "scjgj", "-v", "0").wait(
        120
    )
    assert rc == 0, out
    assert Penalty.objects.count() == total
    rc, out = audit_verify()
    assert rc == 0, out
