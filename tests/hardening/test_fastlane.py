"""The read fast lane (common.fastlane, ADR 0012) answers byte for byte like Django, headers included,
and hands every case it does not serve to Django.

Both sides are the production WSGI applications called directly (the Django test client does not go
through ``config.wsgi``), on the hardening world: demo departments, subjects with related persons,
list entries, records, grades… Connection recycling is suspended during the calls exactly as
Django's own test client does it (the test runs inside a transaction).
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from jointcredit.accounts.auth import token_digest
from jointcredit.accounts.models import ApiToken
from jointcredit.common import clock
from jointcredit.common.fastlane import FastLane
from jointcredit.lists.models import ListEntry
from jointcredit.subjects.models import RelatedPerson, SubjectNameChange
from jointcredit.testing import SpyDjango, assert_same_as_django, wsgi_call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wsgi_keeps_test_connection")]


@pytest.fixture
def bearer(seeded):
    return {"HTTP_AUTHORIZATION": seeded.headers("clerk@own")["Authorization"]}


def _interesting_subjects(world):
    """Subjects with entries, with related persons, with name history, and a natural person."""
    with_entries = {e.subject for e in ListEntry.objects.select_related("subject")[:6]}
    related = {r.subject for r in RelatedPerson.objects.select_related("subject")[:4]}
    renamed = {c.subject for c in SubjectNameChange.objects.select_related("subject")[:2]}
    subjects = with_entries | related | renamed | {world.persons[0], world.companies[0]}
    assert with_entries and related, "the hardening world must have entries and related persons"
    return sorted(subjects, key=lambda s: s.pk)


def test_subject_detail_is_answered_by_the_fast_lane_exactly_like_django(seeded, bearer):
    spy = SpyDjango()
    app = FastLane(spy)
    assert app.enabled
    subjects = _interesting_subjects(seeded)
    for subject in subjects:
        for query in ("", "?include=all", "?include=records,grade"):
            status, _ = assert_same_as_django(app, f"/api/v1/subjects/{subject.identifier}{query}", **bearer)
            assert status == "200 OK"
    assert spy.calls == 0, "every request above is the fast lane's to answer"
    status, headers, _ = wsgi_call(app, "GET", f"/api/v1/subjects/{subjects[0].identifier}", **bearer)
    assert len(headers["X-Request-ID"]) == 32  # generated when the caller sends none


@pytest.mark.parametrize(
    ("label", "path", "extra"),
    [
        ("malformed identifier → 422", "/api/v1/subjects/91370102163O44841F", {}),
        ("bad check digit → 422", "/api/v1/subjects/370102199001011235", {}),
        ("unknown subject → 404", "/api/v1/subjects/91370102MA3C0000X0", {}),
        ("unknown include → 422", "/api/v1/subjects/{id}?include=nonsense", {}),
        ("unknown parameter", "/api/v1/subjects/{id}?foo=1", {}),
        ("parameter twice", "/api/v1/subjects/{id}?include=all&include=records", {}),
        ("non-ASCII identifier → 422", "/api/v1/subjects/张三丰", {}),
        ("percent-encoded bytes → 422", "/api/v1/subjects/%C2%AD%F1%B1%AB%8E", {}),
        ("trailing slash", "/api/v1/subjects/{id}/", {}),
        ("no identifier", "/api/v1/subjects/", {}),
        ("wrong token → 401", "/api/v1/subjects/{id}", {"HTTP_AUTHORIZATION": "Bearer jc_not-a-real-token"}),
        ("lower-case scheme", "/api/v1/subjects/{id}", {"HTTP_AUTHORIZATION": "bearer {token}"}),
        ("no credentials → 401", "/api/v1/subjects/{id}", {"HTTP_AUTHORIZATION": ""}),
        ("with a cookie (session user)", "/api/v1/subjects/{id}", {"HTTP_COOKIE": "sessionid=abc"}),
        ("host not allowed → 400", "/api/v1/subjects/{id}", {"HTTP_HOST": "evil.example"}),
    ],
)
def test_everything_else_is_answered_by_django(seeded, bearer, label, path, extra):
    spy = SpyDjango()
    app = FastLane(spy)
    token = bearer["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    headers = bearer | {k: v.format(token=token) for k, v in extra.items()}
    if headers.get("HTTP_AUTHORIZATION") == "":
        headers.pop("HTTP_AUTHORIZATION")
    status, _ = assert_same_as_django(app, path.format(id=seeded.companies[0].identifier), **headers)
    assert spy.calls == 1, label
    assert not status.startswith("5"), label


def test_writes_and_other_paths_go_to_django(seeded, bearer):
    spy = SpyDjango()
    app = FastLane(spy)
    status, _, _ = wsgi_call(
        app,
        "POST",
        f"/api/v1/subjects/{seeded.companies[0].identifier}/related-persons",
        data={},
        content_type="application/json",
        **bearer,
    )
    assert status.startswith("422") and spy.calls == 1
    status, _, _ = wsgi_call(app, "GET", "/api/v1/health", **bearer)
    assert status == "200 OK" and spy.calls == 2


def test_a_revoked_token_is_refused_by_django(seeded, bearer):
    raw = bearer["HTTP_AUTHORIZATION"].split(" ", 1)[1]
    ApiToken.objects.filter(digest=token_digest(raw)).update(revoked_at=clock.now())
    spy = SpyDjango()
    status, _ = assert_same_as_django(
        FastLane(spy), f"/api/v1/subjects/{seeded.companies[0].identifier}", **bearer
    )
    assert status.startswith("401") and spy.calls == 1


def test_https_headers_match_behind_a_tls_proxy(seeded, bearer):
    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_HSTS_SECONDS=31536000
    ):
        spy = SpyDjango()
        app = FastLane(spy)
        path = f"/api/v1/subjects/{seeded.companies[0].identifier}"
        assert_same_as_django(app, path, HTTP_X_FORWARDED_PROTO="https", **bearer)
        assert_same_as_django(app, path, **bearer)  # the plain-http answer has no HSTS: cached per scheme
        assert spy.calls == 0
        _, headers, _ = wsgi_call(app, "GET", path, HTTP_X_FORWARDED_PROTO="https", **bearer)
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_an_unclassified_middleware_switches_the_fast_lane_off(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]
    assert not FastLane(SpyDjango()).enabled


def test_the_fast_lane_can_be_switched_off(settings, seeded, bearer):
    settings.FAST_LANE = False
    spy = SpyDjango()
    app = FastLane(spy)
    assert not app.enabled
    assert_same_as_django(app, f"/api/v1/subjects/{seeded.companies[0].identifier}", **bearer)
    assert spy.calls == 1
