"""Who is asking, on every write of /api/v1 (DESIGN.md §4): no credentials → 401 with the contract's
error body; a logged-in session without its CSRF token → 403; a bearer token needs no CSRF token.

Before, an anonymous POST was answered "CSRF check Failed" 403 (ninja's session auth checks CSRF
before it looks for a session), which told a machine client nothing about its missing token.
"""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from .discovery import write_operations

WRITES = [op for op in write_operations() if not op.public]


def _url(op) -> str:
    return re.sub(r"{\w+}", "1", op.path)


def _send(client: Client, op, **extra):
    return getattr(client, op.method)(_url(op), "{}", content_type="application/json", **extra)


def test_there_are_authenticated_writes_to_check():
    assert len(WRITES) >= 20, [op.label for op in WRITES]


@pytest.mark.parametrize("op", WRITES, ids=str)
def test_anonymous_write_is_401_not_csrf_403(op, seeded):
    response = _send(Client(enforce_csrf_checks=True), op)
    assert response.status_code == 401, (op.label, response.content)
    assert response.json() == {
        "error": {
            "code": "unauthorized",
            "message": "未认证：请在 Authorization 头中提供有效的 Bearer 令牌。",
            "details": [],
        }
    }


def test_anonymous_write_with_a_stale_session_cookie_is_401(seeded):
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "no-such-session"
    response = _send(client, WRITES[0])
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("op", WRITES[:: max(1, len(WRITES) // 8)], ids=str)
def test_session_write_without_csrf_token_is_403(op, seeded):
    client = Client(enforce_csrf_checks=True)
    client.force_login(seeded.users["clerk@own"])
    response = _send(client, op)
    assert response.status_code == 403, (op.label, response.content)
    error = response.json()["error"]
    assert error["code"] == "csrf_failed" and "CSRF" in error["message"], error


def test_session_write_with_csrf_token_passes_authentication(seeded):
    client = Client(enforce_csrf_checks=True)
    client.force_login(seeded.users["clerk@own"])
    token = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = token
    response = client.post(
        "/api/v1/list-entries", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    # Authenticated and past CSRF: the empty body is refused by validation, not by authentication.
    assert response.status_code == 422, response.content


def test_bearer_token_write_needs_no_csrf_token(seeded):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/list-entries",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {seeded.tokens['clerk@own']}",
    )
    assert response.status_code == 422, response.content


def test_wrong_bearer_token_is_401(seeded):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/list-entries", "{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer jc_wrong"
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
