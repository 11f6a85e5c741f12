"""Fault injection helpers: real processes on the test PostgreSQL database, killed with SIGKILL.

``JointcreditProcess`` starts ``python -m jointcredit.cli <args>`` with DATABASE_URL pointing at the
database the test is using (committed data only: use ``django_db(transaction=True)``);
``wait_until`` polls a condition; ``backend_writing`` tells whether another session holds an
uncommitted write (the moment to kill); ``audit_verify`` runs ``jointcredit audit verify``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

SRC = Path(__file__).resolve().parents[2] / "src"


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "JOINTCREDIT_TESTING"))}
    env.update(
        DATABASE_URL=database_url(),
        SECRET_KEY="fault-injection-only",
        JOINTCREDIT_DEBUG="0",
        # the key this test process seals with, so both sides extend and verify one chain; no
        # checkpoint file of a development database is read
        JOINTCREDIT_AUDIT_KEY=settings.JOINTCREDIT_AUDIT_KEY,
        JOINTCREDIT_AUDIT_CHECKPOINT_DIR=str(
            Path(tempfile.gettempdir()) / f"jc-faults-checkpoints-{os.getpid()}"
        ),
        PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")])),
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="0",
        **extra,
    )
    return env


class JointcreditProcess:
    def __init__(self, *args: str, **env: str):
        self.args = args
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jointcredit.cli", *args],
            env=child_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> bool:
        """SIGKILL the whole process group; True if it was still running (a fault was injected)."""
        if not self.alive():
            return False
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        return True

    def wait(self, timeout: float = 60) -> tuple[int, str]:
        out, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(errors="replace")


def wait_until(condition: Callable[[], bool], *, timeout: float = 30, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def other_sessions(*, writing: bool = False) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND (NOT %s OR backend_xid IS NOT NULL)",
            [writing],
        )
        return cursor.fetchone()[0]


def backend_writing() -> bool:
    """Another session has an open transaction that has written something (holds an xid)."""
    return other_sessions(writing=True) > 0


def sessions_gone() -> bool:
    return other_sessions() == 0


def audit_verify() -> tuple[int, str]:
    proc = JointcreditProcess("audit", "verify")
    return proc.wait(60)
