"""common.pgbackend: the round-trip-free health check still catches connections the server closed."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jointcredit.testing import postgres_only

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def _terminate(pid: int) -> None:
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context"):
        params.pop(django_only, None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the FATAL message and the FIN reach our socket


def test_idle_connection_is_usable_without_a_query():
    connection.ensure_connection()
    with CaptureQueriesContext(connection) as ctx:
        assert connection.is_usable()
    assert ctx.captured_queries == []


def test_connection_closed_by_the_server_is_replaced():
    connection.ensure_connection()
    old_pid = connection.connection.info.backend_pid
    _terminate(old_pid)
    assert not connection.is_usable()
    # What Django does before the first query of a request with CONN_HEALTH_CHECKS.
    connection.health_check_enabled, connection.health_check_done = True, False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid
