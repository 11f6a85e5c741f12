"""The API process (`jointcredit serve --production --api`, config/settings_api.py, ADR 0014): the
same operations as the web process with fewer middleware and only the API URLs, so every /api/
request gets the web process's answer there, headers included."""

from __future__ import annotations

import os

import pytest
from django.test import Client, override_settings

from jointcredit import cli
from jointcredit.accounts.models import Role
from jointcredit.accounts.services import api_token_create
from jointcredit.config import settings_api
from jointcredit.measures.services import measures_seed_defaults
from jointcredit.measures.tests.factories import black_list_type, entry
from jointcredit.subjects.tests.factories import CompanyFactory, RelatedPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(lixia):
    measures_seed_defaults()
    return lixia


SAME_HEADERS = (
    "Content-Type",
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Request-ID",
)


def _api_process():
    return override_settings(ROOT_URLCONF=settings_api.ROOT_URLCONF, MIDDLEWARE=settings_api.MIDDLEWARE)


def _both(path: str, **extra):
    """(web process answer, API process answer) of one request."""
    extra.setdefault("HTTP_X_REQUEST_ID", "api-process-1")
    web = Client().get(path, **extra)
    with _api_process():
        api = Client().get(path, **extra)
    return web, api


def test_the_api_process_leaves_out_only_middleware_with_nothing_to_do_on_the_api(settings):
    assert settings_api.MIDDLEWARE == [m for m in settings.MIDDLEWARE if m not in settings_api.NOT_ON_API]
    assert set(settings_api.NOT_ON_API) <= set(settings.MIDDLEWARE)
    # Security headers and the session user stay (django_auth reads request.user).
    for kept in (
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "jointcredit.common.middleware.SecurityHeadersMiddleware",
    ):
        assert kept in settings_api.MIDDLEWARE


def test_check_and_subject_detail_answer_as_on_the_web_process(catalog, user_factory):
    link = RelatedPersonFactory(role="legal_representative")
    entry(subject=link.subject, list_type=black_list_type(), department=catalog["scjgj"])
    _, raw = api_token_create(actor=None, user=user_factory(catalog["czj"], roles=[Role.VIEWER]))
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    company = link.subject.identifier
    for path in (
        f"/api/v1/subjects/{company}",
        f"/api/v1/subjects/{link.person.identifier}?include=all",
        f"/api/v1/check?identifier={link.person.identifier}&scenario=market_entry",
        f"/api/v1/check?identifier={company}&scenario=funding&date=2026-01-05",
        "/api/v1/check?identifier=ABC&scenario=funding",  # 422
        f"/api/v1/subjects/{CompanyFactory.build().identifier}",  # 404
        "/api/v1/health",
    ):
        web, api = _both(path, **bearer)
        assert (api.status_code, api.content) == (web.status_code, web.content), path
        assert {h: api.get(h) for h in SAME_HEADERS} == {h: web.get(h) for h in SAME_HEADERS}, path
    assert _both(f"/api/v1/subjects/{company}", **bearer)[1].json()["entries"]
    check = _both(f"/api/v1/check?identifier={link.person.identifier}&scenario=market_entry", **bearer)[1]
    assert check.json()["hits"][0]["via"] == f"法定代表人:{company}"


def test_without_a_valid_token_the_answer_is_the_web_processs(catalog, user_factory):
    """The proxy sends bearer calls here; a wrong token still falls through to the session auth (which
    needs the session middleware) and gets the 401, a session user gets the answer."""
    path = "/api/v1/check?identifier=ABC&scenario=funding"
    for extra in ({"HTTP_AUTHORIZATION": "Bearer jc_wrong"}, {}):
        web, api = _both(path, **extra)
        assert api.status_code == web.status_code == 401
        assert api.json() == web.json() and api.json()["error"]["code"] == "unauthorized"
    user = user_factory(catalog["czj"], roles=[Role.VIEWER])
    with _api_process():
        client = Client()
        client.force_login(user)
        assert client.get("/api/v1/check?identifier=ABC&scenario=funding").status_code == 422


def test_the_api_process_serves_no_pages():
    with _api_process():
        client = Client()
        assert client.get("/staff/").status_code == 404
        assert client.get("/").status_code == 404
        assert client.get("/api/public/v1/search?q=test").status_code != 404


@pytest.fixture
def exec_captured(monkeypatch):
    """`jointcredit serve --production` ends in os.execvp(gunicorn): capture it instead."""
    captured = {}
    monkeypatch.setattr(os, "execvp", lambda file, args: captured.update(args=args))
    for name in ("GUNICORN_BIND", "GUNICORN_API_BIND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
    return captured


def test_serve_api_starts_gunicorn_with_the_api_settings_on_its_own_address(exec_captured, monkeypatch):
    cli._serve(["--production", "--api"])
    assert exec_captured["args"][-1] == "jointcredit.config.wsgi:application"
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "jointcredit.config.settings_api"
    assert os.environ["GUNICORN_BIND"] == "127.0.0.1:8001"
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:8000")  # the web process's, from the env file
    monkeypatch.setenv("GUNICORN_API_BIND", "127.0.0.1:9001")
    cli._serve(["--production", "--api"])
    assert os.environ["GUNICORN_BIND"] == "127.0.0.1:9001"
    cli._serve(["--production", "--api", "--port", "9100"])
    assert os.environ["GUNICORN_BIND"] == "127.0.0.1:9100"


def test_serve_without_api_keeps_the_web_settings(exec_captured):
    cli._serve(["--production", "--port", "8100"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "jointcredit.config.settings"
    assert os.environ["GUNICORN_BIND"] == "127.0.0.1:8100"


def test_serve_api_is_a_production_process_only(exec_captured):
    with pytest.raises(SystemExit):
        cli._serve(["--api"])
    assert "args" not in exec_captured


def test_every_api_path_resolves_to_the_same_view_on_both_processes():
    """The API urlconf tries the hot patterns first: that must not change what any path resolves to."""
    import re

    from django.urls import resolve

    from jointcredit.config.api import api, public_api

    paths = []
    for prefix, ninja_api in (("/api/v1/", api), ("/api/public/v1/", public_api)):
        for pattern in ninja_api.urls[0]:
            # Each parameter as an identifier, a number, and words that are other routes' literals.
            for value in ("91370102MA3C0000X0", "7", "check", "search", "imports", "timeliness"):
                paths.append(prefix + re.sub(r"<(?:\w+:)?\w+>", value, str(pattern.pattern)))
    for p in paths:
        web = resolve(p, urlconf="jointcredit.config.urls")
        on_api = resolve(p, urlconf=settings_api.ROOT_URLCONF)
        assert (on_api.route, on_api.kwargs, on_api.url_name) == (web.route, web.kwargs, web.url_name), p
    assert resolve("/api/v1/check", urlconf=settings_api.ROOT_URLCONF).route == "api/v1/check"
    assert len(paths) > 300
