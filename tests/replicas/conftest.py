"""Against a real streaming standby (scripts/pg-standby.sh; ADR 0048). Skipped unless DATABASE_REPLICA_URLS
names one: `.ci/run` starts the standby and runs this module with it.

The test database is created and migrated by pytest-django on the primary only; the replica aliases are
test mirrors of "default" (config/databases.py), i.e. they read the same test database as streamed to the
standby. The tests are transactional (a replica sees only committed rows) and turn the rotation on
themselves: the rest of the suite never reads a replica."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from jointcredit.common import replicas
from jointcredit.lists.models import ListType
from jointcredit.lists.services import list_types_seed
from jointcredit.lists.tests.conftest import (  # noqa: F401 - fixtures
    black_draft,
    black_published,
    company,
    scjgj_approver,
    scjgj_clerk,
    today,
)
from jointcredit.measures.services import measures_seed_defaults

STANDBY_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-standby.sh"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.replicas)
            if not settings.DATABASE_REPLICA_ALIASES:
                item.add_marker(
                    pytest.mark.skip(reason="没有只读副本：设置 DATABASE_REPLICA_URLS（见 .ci/run）")
                )


def replica_alias() -> str:
    return settings.DATABASE_REPLICA_ALIASES[0]


def wait_replayed(alias: str, timeout: float = 180) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cursor.fetchone()[0]:
                    return
        except Exception:  # noqa: BLE001 - the standby is still starting or replaying the database's creation
            connections[alias].close()
        if time.monotonic() > deadline:
            raise AssertionError(f"副本 {alias} 在 {timeout} 秒内未追上主库（WAL {target}）")
        time.sleep(0.1)


def standby(action: str) -> None:
    subprocess.run(["bash", str(STANDBY_SCRIPT), action], check=True, timeout=900)


@pytest.fixture
def types(lixia):
    """The seed's measures and list types. A transactional test starts from tables the previous one
    emptied (also of what the migrations had seeded), so the measures are seeded again here."""
    measures_seed_defaults()
    list_types_seed()
    return {lt.code: lt for lt in ListType.objects.all()}


@pytest.fixture
def replica(settings):
    """The first replica in rotation, checked on every read (no cached health), caught up. The lag bound
    is generous: other work on the shared primary can keep a standby seconds behind."""
    alias = replica_alias()
    settings.DATABASE_REPLICAS = [alias]
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG = 600
    replicas.replica_states_forget()
    wait_replayed(alias)
    yield alias
    replicas.replica_states_forget()
