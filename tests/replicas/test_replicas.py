"""Read replicas for real (issue #21 §1, ADR 0048): a streaming standby of the local PostgreSQL."""

from __future__ import annotations

import time

import pytest
from django.db import connections

from jointcredit.common import replicas
from jointcredit.common.replicas import lag_tolerant_reads
from jointcredit.lists import services as lists
from jointcredit.subjects.models import Subject
from jointcredit.subjects.tests.factories import CompanyFactory

from .conftest import standby, wait_replayed

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica1"])


def _replay(alias: str, *, paused: bool) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


@pytest.fixture
def check_world(black_published, company, scjgj_approver, api_client_for):
    """A published black entry with funding measures, and a staff API client that checks it."""
    entry = black_published()
    api = api_client_for(scjgj_approver)
    query = {"identifier": company.identifier, "scenario": "funding"}
    return entry, api, query


def test_the_replica_is_a_standby_in_rotation(replica, api_client_for):
    state = replicas.replica_state(replica)
    assert state.state == "ok" and state.lag_seconds is not None and state.lag_seconds < 10
    body = api_client_for(None).get("/api/v1/health").json()
    (reported,) = body["replicas"]
    assert reported["name"] == replica and reported["state"] == "ok" and reported["in_rotation"]
    assert 0 <= reported["lag_seconds"] < 10


def test_a_write_on_the_primary_is_seen_on_the_replica(replica):
    subject = CompanyFactory(name="济南历下泉韵茶业有限公司")
    wait_replayed(replica)
    assert (
        Subject.objects.using(replica).get(identifier=subject.identifier).name == "济南历下泉韵茶业有限公司"
    )
    # Lag-tolerant reads are routed there; everything else reads the primary.
    with lag_tolerant_reads():
        assert Subject.objects.get(identifier=subject.identifier)._state.db == replica
    assert Subject.objects.get(identifier=subject.identifier)._state.db == "default"


def test_a_check_answered_by_the_replica_matches_the_primary(replica, settings, check_world, scjgj_approver):
    entry, api, query = check_world

    def answers() -> tuple[dict, dict]:
        settings.DATABASE_REPLICAS = []
        primary = api.get("/api/v1/check", query).json()
        settings.DATABASE_REPLICAS = [replica]
        return primary, api.get("/api/v1/check", query).json()

    wait_replayed(replica)
    primary, from_replica = answers()
    assert primary["hits"] and from_replica == primary

    # The replica really answers: with its replay paused it still shows the entry the primary has removed.
    _replay(replica, paused=True)
    try:
        lists.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked")
        primary, from_replica = answers()
        assert primary["hits"] == [] and from_replica["hits"]
        assert from_replica["subject"] == primary["subject"]
    finally:
        _replay(replica, paused=False)
    wait_replayed(replica)
    primary, from_replica = answers()
    assert from_replica == primary and primary["hits"] == []


def test_a_client_that_has_written_reads_the_primary(
    replica, settings, check_world, api_client_for, scjgj_approver
):
    entry, api, query = check_world
    wait_replayed(replica)
    assert api.get("/api/v1/check", query).json()["hits"]
    _replay(replica, paused=True)
    try:
        removed = api.post(f"/api/v1/list-entries/{entry.pk}/remove", {"reason": "revoked"})
        assert removed.status_code == 200, removed.content
        assert replicas.PIN_COOKIE in removed.cookies
        # Pinned (the client keeps the cookie): the removal is seen at once, before the replica has it.
        assert api.get("/api/v1/check", query).json()["hits"] == []
        # The same user through a client without the cookie reads the paused replica.
        other = api_client_for(scjgj_approver)
        # A token's first use records it (a write, after which that request reads the primary).
        assert other.get("/api/v1/me").status_code == 200
        assert other.get("/api/v1/check", query).json()["hits"]
    finally:
        _replay(replica, paused=False)


def test_a_stopped_replica_does_not_break_reads(replica, settings, check_world, api_client_for):
    _entry, api, query = check_world
    wait_replayed(replica)
    expected = api.get("/api/v1/check", query).json()
    assert expected["hits"]
    # The health answer is cached as "ok" for long, so the next read goes to the replica, whose
    # connection is then found dead: it leaves the rotation and the read runs again on the primary.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    assert replicas.replica_state(replica).in_rotation
    standby("stop")
    try:
        assert api.get("/api/v1/check", query).json() == expected
        assert replicas.replica_state(replica).state == "down"
        # Checked afresh on every read: still down, reads keep going to the primary, health says so.
        settings.DATABASE_REPLICA_CHECK_SECONDS = 0
        assert api.get("/api/v1/check", query).json() == expected
        health = api_client_for(None).get("/api/v1/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.json()["replicas"][0]["state"] == "down"
        assert not health.json()["replicas"][0]["in_rotation"]
    finally:
        standby("start")
    wait_replayed(replica)
    assert replicas.replica_state(replica).in_rotation
    assert api.get("/api/v1/check", query).json() == expected


def test_a_replica_lagging_beyond_the_bound_leaves_the_rotation(replica, settings):
    settings.DATABASE_REPLICA_MAX_LAG = 1
    _replay(replica, paused=True)
    try:
        CompanyFactory()  # committed on the primary, received by the standby, not replayed
        time.sleep(2.5)
        state = replicas.replica_state(replica)
        assert state.state == "lagging" and state.lag_seconds > 1
        with lag_tolerant_reads():
            assert Subject.objects.all().db == "default"
    finally:
        _replay(replica, paused=False)
    wait_replayed(replica)
    settings.DATABASE_REPLICA_MAX_LAG = 600
    assert replicas.replica_state(replica).in_rotation
