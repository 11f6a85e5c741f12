"""Cost of ``audit.services.audit_record`` (issue #16 §4): it runs inside every write path.

Measured in-process, one audited write after another, each in its own transaction as a service
would do it (``transaction.atomic()`` around one ``audit_record``), on a scratch database that
this script migrates itself: the figure is the wall time of one audited write (lock, read of the
chain head, sealing, INSERT, COMMIT). The sealing alone (building the payload and hashing it) is
reported separately so the share of the hash in the whole is visible.

Run: ``python -m bench audit [--quick]``. It runs in its own process on a temporary SQLite file, or
on ``BENCH_AUDIT_DATABASE_URL`` (e.g. ``postgres://postgres@127.0.0.1:5432/<scratch db>``), never
on ``DATABASE_URL``: the audit table of that database is emptied first, so it must be a scratch
database whose trail does not matter.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(quick: bool = False) -> None:
    """A child process of its own: Django may already be set up on another database in this one."""
    scratch = os.environ.get("BENCH_AUDIT_DATABASE_URL") or (
        f"sqlite:///{tempfile.mkdtemp(prefix='bench-audit-')}/audit.sqlite3"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JOINTCREDIT_DEBUG"))}
    env.update(DATABASE_URL=scratch, BENCH_AUDIT_SCRATCH="1")
    subprocess.run([sys.executable, __file__, *(["--quick"] if quick else [])], env=env, check=True)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-audit-not-secret")
    os.environ.setdefault("JOINTCREDIT_AUDIT_KEY", "bench-audit-key-not-secret-" + "k" * 32)
    src = Path(__file__).resolve().parents[1] / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django

    django.setup()


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))]


def _run(quick: bool) -> None:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from jointcredit.audit.models import AuditEvent
    from jointcredit.audit.services import audit_record

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table}")  # noqa: S608 - table name from _meta
    n = 300 if quick else 3000
    after = {
        "state": "published",
        "valid_until": "2027-06-30",
        "reason": "严重失信" * 8,
        "measures": [1, 2, 3],
    }
    before = {"state": "decided"}
    timings = []
    for i in range(n):
        t0 = time.perf_counter()
        with transaction.atomic():
            audit_record(
                actor=None,
                action="list_entry.publish",
                object_type="lists.listentry",
                object_id=str(i),
                object_repr=f"黑名单条目 {i}",
                before=before,
                after=after,
            )
        timings.append((time.perf_counter() - t0) * 1e6)
    warm = timings[n // 10 :]  # the first calls pay for connection setup and cold caches
    print(
        f"audit.record[{connection.vendor}]: mean {statistics.fmean(warm):.0f} µs, "
        f"p50 {_percentile(warm, 50):.0f} µs, p99 {_percentile(warm, 99):.0f} µs "
        f"per audited write ({n} writes)"
    )
    _seal_cost(n, before, after)
    from jointcredit.audit.selectors import audit_chain_verify

    t0 = time.perf_counter()
    result = audit_chain_verify()
    elapsed = time.perf_counter() - t0
    print(
        f"audit.verify[{connection.vendor}]: {result.checked} rows in {elapsed * 1000:.0f} ms "
        f"(ok={result.ok})"
    )


def _seal_cost(n: int, before: dict, after: dict) -> None:
    """The hashing alone, over the row just written (whatever sealing function this tree has)."""
    from jointcredit.audit import services
    from jointcredit.audit.models import AuditEvent

    try:
        from jointcredit.audit.chain import row_seal as seal
    except ImportError:  # a tree from before the keyed chain
        seal = None
    row = AuditEvent.objects.order_by("-seq").first()
    t0 = time.perf_counter()
    for _ in range(n):
        if seal is not None:
            seal(row)
        else:  # the unkeyed SHA-256 chain before issue #16
            services.chain_hash(
                prev_hash=row.prev_hash,
                seq=row.seq,
                created_at=row.created_at.isoformat(),
                actor_id=row.actor_id,
                department_id=row.department_id,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                before=row.before,
                after=row.after,
                request_id=row.request_id,
            )
    print(f"audit.seal: {(time.perf_counter() - t0) / n * 1e6:.1f} µs per row (payload + hash)")


if __name__ == "__main__":
    if os.environ.get("BENCH_AUDIT_SCRATCH") == "1":
        _run(quick="--quick" in sys.argv)
    else:
        main(quick="--quick" in sys.argv)
