"""Replica aliases and the connection pool from the environment (config/databases.py, ADR 0048)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from jointcredit.config.databases import PG_ENGINE, pool_apply, pool_options, replica_databases

PRIMARY = {"ENGINE": PG_ENGINE, "NAME": "jointcredit", "CONN_MAX_AGE": 600}


def test_replica_urls_become_mirrored_aliases_of_the_same_backend():
    found = replica_databases(
        " postgres://reader@10.0.0.7:5432/jointcredit , postgres://reader:s3cret@10.0.0.8/jointcredit",
        primary=PRIMARY,
        connect_timeout=2,
    )
    assert list(found) == ["replica1", "replica2"]
    one, two = found["replica1"], found["replica2"]
    assert one["ENGINE"] == PG_ENGINE and one["HOST"] == "10.0.0.7" and one["CONN_MAX_AGE"] == 600
    assert one["OPTIONS"]["connect_timeout"] == 2
    # The test runner neither creates nor migrates anything on a replica: it reads the primary's test db.
    assert one["TEST"] == {"MIRROR": "default"}
    assert two["PASSWORD"] == "s3cret" and two["PORT"] in ("", None)
    assert replica_databases("", primary=PRIMARY, connect_timeout=2) == {}


def test_replicas_need_postgresql_on_both_sides():
    with pytest.raises(ImproperlyConfigured, match="只能用于 PostgreSQL"):
        replica_databases(
            "postgres://r@h/db",
            primary={"ENGINE": "django.db.backends.sqlite3", "CONN_MAX_AGE": 0},
            connect_timeout=2,
        )
    with pytest.raises(ImproperlyConfigured, match="第 2 项不是 PostgreSQL"):
        replica_databases("postgres://r@h/db,sqlite:///x.db", primary=PRIMARY, connect_timeout=2)


@pytest.mark.parametrize(
    ("value", "sizes"),
    [("4,20", (4, 20)), ("2:8", (2, 8)), ("20", (4, 20)), ("2", (2, 2)), (" 1 , 1 ", (1, 1))],
)
def test_pool_sizes(value, sizes):
    assert pool_options(value) == {"min_size": sizes[0], "max_size": sizes[1]}


@pytest.mark.parametrize("value", ["", "many", "20,4", "0", "4,20,30", "-1"])
def test_pool_sizes_refused_with_the_rule(value):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOL"):
        pool_options(value)


def test_the_pool_replaces_persistent_connections():
    db = {**PRIMARY, "OPTIONS": {"connect_timeout": 2}}
    pool_apply(db, {"min_size": 2, "max_size": 8}, timeout=5)
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"] == {"connect_timeout": 2, "pool": {"min_size": 2, "max_size": 8, "timeout": 5}}
    with pytest.raises(ImproperlyConfigured, match="只能用于 PostgreSQL"):
        pool_apply({"ENGINE": "django.db.backends.sqlite3"}, {"min_size": 1, "max_size": 1}, timeout=5)


@pytest.mark.django_db
def test_a_process_with_database_pool_serves_queries_from_psycopgs_pool():
    """The real thing: settings from the environment, Django's pool over the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("连接池只用于 PostgreSQL")
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    code = (
        "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'jointcredit.config.settings';"
        "django.setup(); from django.db import connection as c;"
        "rows = []\n"
        "for _ in range(3):\n"
        "    with c.cursor() as cur: cur.execute('SELECT pg_backend_pid()'); rows.append(cur.fetchone()[0])\n"
        "    c.close()\n"
        "print(json.dumps({'pool': type(c.pool).__name__, 'stats': c.pool.get_stats(), 'pids': rows,"
        " 'age': c.settings_dict['CONN_MAX_AGE']}))"
    )
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_POOL": "1,2", "JOINTCREDIT_TESTING": "1"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["pool"] == "ConnectionPool" and out["age"] == 0
    assert out["stats"]["pool_max"] == 2
    # close() hands the connection back to the pool: the next query runs on the same server process.
    assert len(set(out["pids"])) == 1
