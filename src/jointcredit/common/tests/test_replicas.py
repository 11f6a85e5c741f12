"""Which database a read goes to (common.replicas, ADR 0048), without a standby: the replica here is an
alias whose health is entered in the checker's cache, so nothing connects to it. The same rules against a
real streaming standby: tests/replicas."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.db import OperationalError, router, transaction
from django.test import RequestFactory
from django.urls import resolve

from jointcredit.accounts.models import ApiToken, User
from jointcredit.common import replicas
from jointcredit.common.replicas import (
    PIN_COOKIE,
    PrimaryPinMiddleware,
    ReplicaState,
    lag_tolerant,
    lag_tolerant_reads,
    pinned_to_primary,
    read_alias,
)
from jointcredit.subjects.models import Subject


@pytest.fixture
def replicas_in_rotation(settings):
    """Two replicas in rotation, both healthy as far as the checker's cache knows."""
    settings.DATABASE_REPLICAS = ["replica_a", "replica_b"]
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    replicas.replica_states_forget()
    for alias in settings.DATABASE_REPLICAS:
        replicas._states[alias] = ReplicaState(alias, "ok", 0.2, time.monotonic())
    yield settings.DATABASE_REPLICAS
    replicas.replica_states_forget()


def _set_state(alias: str, state: str, lag: float | None = None) -> None:
    replicas._states[alias] = ReplicaState(alias, state, lag, time.monotonic())


def _get(path="/"):
    return RequestFactory().get(path)


def test_without_a_mark_everything_reads_the_primary(replicas_in_rotation):
    assert router.db_for_read(Subject) == "default"
    assert router.db_for_write(Subject) == "default"


def test_a_marked_view_reads_one_replica_for_the_whole_request(replicas_in_rotation):
    @lag_tolerant
    def view(request):
        return [router.db_for_read(Subject) for _ in range(3)]

    first, second = view(_get()), view(_get())
    assert len(set(first)) == 1 and first[0] in replicas_in_rotation
    # Requests take turns over the replicas in rotation.
    assert {first[0], second[0]} == set(replicas_in_rotation)


def test_who_may_act_and_djangos_own_tables_always_read_the_primary(replicas_in_rotation):
    from django.contrib.sessions.models import Session
    from django.core.cache.backends.db import DatabaseCache

    # The database cache (production's rate-limit counters) routes a stand-in model.
    cache_entry = DatabaseCache("jointcredit_cache", {}).cache_model_class

    @lag_tolerant
    def view(request):
        return [router.db_for_read(m) for m in (User, ApiToken, Session, cache_entry, Subject)]

    *primary, subject = view(_get())
    assert primary == ["default"] * 4
    assert subject in replicas_in_rotation


def test_unsafe_methods_read_the_primary_unless_the_mark_names_them(replicas_in_rotation):
    def reads(request):
        return router.db_for_read(Subject)

    post = RequestFactory().post("/", {})
    assert lag_tolerant(reads)(post) == "default"
    assert lag_tolerant(methods=("POST",))(reads)(post) in replicas_in_rotation


def test_after_a_write_the_request_reads_the_primary(replicas_in_rotation):
    @lag_tolerant
    def view(request):
        before = router.db_for_read(Subject)
        router.db_for_write(Subject)
        return before, router.db_for_read(Subject)

    before, after = view(_get())
    assert before in replicas_in_rotation and after == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_there(replicas_in_rotation):
    @lag_tolerant
    def view(request):
        with transaction.atomic():
            inside = router.db_for_read(Subject)
        return inside, router.db_for_read(Subject)

    inside, outside = view(_get())
    assert inside == "default" and outside in replicas_in_rotation


def test_replicas_out_of_rotation_are_skipped_and_with_none_left_the_primary_answers(
    replicas_in_rotation,
):
    _set_state("replica_a", "lagging", 42.0)

    @lag_tolerant
    def view(request):
        return read_alias()

    assert {view(_get()) for _ in range(4)} == {"replica_b"}
    _set_state("replica_b", "down")
    assert view(_get()) == "default"
    _set_state("replica_b", "not_replica")
    assert view(_get()) == "default"


def test_a_replica_failing_mid_request_leaves_rotation_and_the_read_runs_again_on_the_primary(
    replicas_in_rotation,
):
    answered_by = []

    @lag_tolerant
    def view(request):
        alias = read_alias()
        answered_by.append(alias)
        if alias != "default":
            raise OperationalError("server closed the connection unexpectedly")
        return "answer"

    assert view(_get()) == "answer"
    assert answered_by[0] in replicas_in_rotation and answered_by[1] == "default"
    assert replicas.replica_state(answered_by[0]).state == "down"


def test_an_error_on_the_primary_is_not_retried(replicas_in_rotation):
    calls = []

    @lag_tolerant
    def view(request):
        calls.append(1)
        raise OperationalError("primary gone")

    with pytest.raises(OperationalError):
        view(RequestFactory().post("/"))
    assert len(calls) == 1


def test_work_outside_a_request_can_read_a_replica(replicas_in_rotation):
    with lag_tolerant_reads():
        inside = router.db_for_read(Subject)
    assert inside in replicas_in_rotation
    assert router.db_for_read(Subject) == "default"


def test_without_replicas_a_mark_changes_nothing(settings):
    settings.DATABASE_REPLICAS = []

    @lag_tolerant
    def view(request):
        return router.db_for_read(Subject)

    assert view(_get()) == "default"


def test_writing_client_is_pinned_to_the_primary_for_the_window(replicas_in_rotation, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 20
    seen = []

    @lag_tolerant
    def view(request):
        seen.append((pinned_to_primary(), read_alias()))
        from django.http import HttpResponse

        return HttpResponse("ok")

    middleware = PrimaryPinMiddleware(view)
    with time_machine.travel("2030-03-04 10:00:00 +0800", tick=False) as traveller:
        posted = middleware(RequestFactory().post("/"))
        cookie = posted.cookies[PIN_COOKIE]
        assert cookie["httponly"] and cookie["max-age"] == 20

        request = _get()
        request.COOKIES[PIN_COOKIE] = cookie.value
        middleware(request)
        assert seen[-1] == (True, "default")

        traveller.shift(21)
        request = _get()
        request.COOKIES[PIN_COOKIE] = cookie.value
        middleware(request)
        assert seen[-1][0] is False and seen[-1][1] in replicas_in_rotation

        forged = _get()
        forged.COOKIES[PIN_COOKIE] = "1"
        middleware(forged)
        assert seen[-1][0] is False
    assert PIN_COOKIE not in middleware(_get()).cookies


@pytest.mark.django_db
def test_without_replicas_no_pin_cookie(settings, client):
    settings.DATABASE_REPLICAS = []
    response = client.post("/api/v1/list-entries", {}, content_type="application/json")
    assert PIN_COOKIE not in response.cookies


@pytest.mark.django_db
def test_health_reports_each_replica_without_its_address(replicas_in_rotation, client):
    _set_state("replica_b", "lagging", 42.123456)
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["replicas"] == [
        {
            "name": "replica_a",
            "state": "ok",
            "label": "正常（参与读分流）",
            "in_rotation": True,
            "lag_seconds": 0.2,
        },
        {
            "name": "replica_b",
            "state": "lagging",
            "label": "复制延迟超限（暂停读分流）",
            "in_rotation": False,
            "lag_seconds": 42.123,
        },
    ]


def test_public_surfaces_and_the_hot_reads_are_marked_staff_pages_are_not():
    assert getattr(resolve("/").func, "lag_tolerant", False)
    assert getattr(resolve("/search/").func, "lag_tolerant", False)
    assert getattr(resolve("/staff/dashboard/").func, "lag_tolerant", False)
    assert not getattr(resolve("/staff/").func, "lag_tolerant", False)
