"""Security bars of DESIGN.md §6 on the web surfaces: CSP and security headers, CSRF on every staff
POST form, login throttling (django-axes), no inline scripts (CSP forbids them).

Pages are discovered from the URL conf (patterns without parameters, ``<identifier>`` filled with
a seeded subject), so a new staff or public page is covered without touching this file.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from jointcredit.accounts.models import User

from .world import World

SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/accounts/logout/")


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def page_urls(world: World) -> list[str]:
    """Every GET-able page of the URL conf: parameterless routes, and routes whose only parameter is
    a subject identifier."""
    identifier = world.companies[0].identifier
    urls = []
    for route in _walk(get_resolver().url_patterns):
        if route.startswith("^") or "(?P" in route:
            continue
        url = "/" + route.replace("<str:identifier>", identifier).replace("<identifier>", identifier)
        if "<" in url or url.startswith(SKIP_PREFIXES):
            continue
        urls.append(url)
    return sorted(set(urls))


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").lower(),
                    "action": attrs.get("action") or "",
                    "fields": {},
                }
            )
        elif tag in ("input", "textarea", "select") and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        for name in attrs:
            if name.startswith("on"):  # onclick= … is inline script too
                self.inline_scripts += 1


def parse(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


def _staff(world: World) -> User:
    return User.objects.get(username="office")  # office admin + approver + clerk: sees every page


def _get_pages(world: World, client: Client):
    for url in page_urls(world):
        response = client.get(url)
        if response.status_code in (301, 302):
            continue
        yield url, response


REQUIRED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _assert_security_headers(url, response):
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, (
        url,
        csp,
    )
    if not (url.startswith("/api/") and url.endswith("/docs")):
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0], (url, csp)
    for name, value in REQUIRED_HEADERS.items():
        assert response.get(name) == value, (url, name, response.get(name))
    assert "camera=()" in response.get("Permissions-Policy", ""), url


def test_security_headers_on_pages_and_api(seeded):
    anonymous, staff = Client(), Client()
    staff.force_login(_staff(seeded))
    checked = 0
    for client in (anonymous, staff):
        for url, response in _get_pages(seeded, client):
            assert response.status_code < 500, (url, response.status_code)
            _assert_security_headers(url, response)
            checked += 1
    for url in ("/api/v1/health", "/api/v1/me", "/api/v1/openapi.json", "/api/public/v1/openapi.json"):
        _assert_security_headers(url, anonymous.get(url))
        checked += 1
    assert checked >= 6


def test_api_docs_are_served_locally_under_the_strict_policy(seeded):
    """Swagger UI comes from our own static files (ninja in INSTALLED_APPS): no CDN — the district
    intranet has none — and no relaxed policy: the docs page gets the same CSP as every page."""
    strict = Client().get("/")["Content-Security-Policy"]
    for url in ("/api/v1/docs", "/api/public/v1/docs"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == strict
        body = response.content.decode()
        assert "cdn." not in body and "/static/ninja/swagger-ui-bundle.js" in body
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200
    assert "unsafe-inline" not in strict.split("script-src", 1)[1].split(";")[0]
    # /api/docs and /api/openapi.json lead to the staff/machine API's
    assert Client().get("/api/docs")["Location"] == "/api/v1/docs"
    assert Client().get("/api/openapi.json")["Location"] == "/api/v1/openapi.json"


def test_hsts_and_secure_cookies_behind_tls(seeded):
    with override_settings(SECURE_HSTS_SECONDS=31536000, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        response = Client().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["csrftoken"]["secure"]


def test_no_inline_scripts_in_pages(seeded):
    """CSP forbids inline scripts: one in a template would silently not run in browsers."""
    staff = Client()
    staff.force_login(_staff(seeded))
    offenders = [
        url
        for client in (Client(), staff)
        for url, response in _get_pages(seeded, client)
        if "text/html" in response.get("Content-Type", "") and parse(response.content.decode()).inline_scripts
    ]
    assert not offenders, (
        f"inline <script> or on*= handlers (move JS to <app>/static/<app>/*.js): {offenders}"
    )


def test_every_post_form_requires_csrf(seeded):
    """Every POST form on every page (anonymous and staff) carries a token, and the same POST without
    it is refused with 403."""
    checked = []
    for user in (None, _staff(seeded), User.objects.get(username="scjgj_clerk")):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        for url, response in _get_pages(seeded, client):
            if "text/html" not in response.get("Content-Type", ""):
                continue
            for form in parse(response.content.decode()).forms:
                if form["method"] != "post":
                    continue
                action = urljoin(url, form["action"]) if form["action"] else url
                if urlsplit(action).netloc:
                    continue
                assert "csrfmiddlewaretoken" in form["fields"], (
                    f"POST form without {{% csrf_token %}} on {url}"
                )
                data = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
                refused = client.post(urlsplit(action).path, data)
                assert refused.status_code == 403, (
                    f"POST {action} (form on {url}) without CSRF token: {refused.status_code}"
                )
                checked.append(action)
    assert any("/accounts/login/" in a for a in checked), "the login form must be among the checked forms"


def test_api_session_auth_requires_csrf(seeded):
    """Bearer tokens need no CSRF, but a browser session calling the API must send the token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="scjgj_clerk"))
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/subjects", {"kind": "legal", "identifier": "x", "name": "x"}, content_type="application/json"
    )
    assert response.status_code in (401, 403), response.status_code


def test_login_throttled_after_failures(seeded, settings):
    """django-axes: after AXES_FAILURE_LIMIT failures for a user+IP the login answers 429, even
    with the right password; other users from the same IP are not locked."""
    from axes.utils import reset

    reset()
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit + 1):
        response = client.post(
            "/accounts/login/", {"username": "scjgj_clerk", "password": "wrong-password-1"}
        )
        # the form again with an error, until the limit-th failure locks the user out
        assert response.status_code == (429 if attempt == limit else 200), attempt
    locked = client.post("/accounts/login/", {"username": "scjgj_clerk", "password": "Demo@2026!lixia"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    other = Client().post("/accounts/login/", {"username": "swj_clerk", "password": "Demo@2026!lixia"})
    assert other.status_code == 302
    reset()
