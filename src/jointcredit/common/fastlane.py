"""The read fast lane: a WSGI layer in front of Django for a few measured hot API reads.

DESIGN.md §5 asks the hottest reads (``GET /api/v1/subjects/{identifier}``, ``GET /api/v1/check``)
to reach ≥ 70% of a bare WSGI + psycopg app doing the same work. The queries are already compiled
and prepared (``common.fastpath``); what is left is Django's request pipeline — WSGIRequest,
eleven middleware, the URL resolver, ninja's operation (auth loop, pydantic parameters),
HttpResponse — about 1,500 Python calls around ~500 of real work (docs/performance.md, ADR 0012).

A capability registers a route here (``register_route``) with a handler that calls the very same
selectors and serializer functions as its ninja operation. For a request that is plainly the hot
case the fast lane answers it itself; **anything else goes to Django unchanged**:

- only ``GET`` with ``Authorization: Bearer …`` and **no cookies** (no session, so no CSRF, no
  messages, no login throttling can be involved), on a valid ``Host`` (``ALLOWED_HOSTS``), not
  needing an HTTPS redirect;
- the token must be valid (the same ``TokenAuth.authenticate``): otherwise Django answers the 401;
- the handler returns ``None`` (a case it does not serve, e.g. extra query parameters) or raises
  (``DomainError``: 404, 422…; anything unexpected) → the request is handed to Django, which does
  the work again and answers exactly as it always does, error bodies and logging included;
- only a 200 with the handler's dict is answered here, rendered by the API's own ninja renderer,
  with the headers Django's response middleware would add (computed by running those middleware
  once per scheme on a template response, see ``_static_headers``) plus ``X-Request-ID``.

Middleware are classified in ``_MIDDLEWARE``: the ones that add response headers run (once, for
the cached template); the ones with nothing to do for a cookie-less bearer GET are skipped. A
middleware not in the table switches the fast lane off (with a warning at start-up), so adding
one can never silently make the two paths differ. Tests compare the fast lane and Django byte for
byte, headers included (common/tests/test_fastlane.py). ``JOINTCREDIT_FAST_LANE=0`` turns it off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import parse_qsl

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.module_loading import import_string

from .errors import DomainError
from .middleware import request_id_from, request_id_var

log = logging.getLogger(__name__)

# Every middleware in settings.MIDDLEWARE must be classified here, or the fast lane stays off.
_RESPONSE_HEADERS = "response headers"  # run once on the template response; its headers are cached
_MIDDLEWARE: dict[str, str | None] = {
    "django.middleware.security.SecurityMiddleware": _RESPONSE_HEADERS,  # nosniff, referrer, COOP, HSTS
    "django.middleware.clickjacking.XFrameOptionsMiddleware": _RESPONSE_HEADERS,
    "jointcredit.common.middleware.SecurityHeadersMiddleware": _RESPONSE_HEADERS,  # CSP, Permissions-Policy
    # Content-Length: set below. DISALLOWED_USER_AGENTS / PREPEND_WWW / APPEND_SLASH: checked in
    # _takes_fast_lane (no user-agent rules, no www prefix; routes never redirect).
    "django.middleware.common.CommonMiddleware": None,
    "jointcredit.common.middleware.RequestIdMiddleware": None,  # done in __call__ (same function)
    "whitenoise.middleware.WhiteNoiseMiddleware": None,  # static files: never under /api/
    # No cookie → no session, no CSRF token, no messages, no session user; a bearer request's user
    # is set by TokenAuth. Axes only acts on login attempts (none here).
    "django.contrib.sessions.middleware.SessionMiddleware": None,
    "django.middleware.csrf.CsrfViewMiddleware": None,
    "django.contrib.auth.middleware.AuthenticationMiddleware": None,
    "django.contrib.messages.middleware.MessageMiddleware": None,
    "axes.middleware.AxesMiddleware": None,
}


@dataclass(frozen=True)
class FastRoute:
    prefix: str  # e.g. "/api/v1/subjects/"; the rest of the path is the handler's ``tail``
    handler: str  # "module:function", imported on first use: fn(request, tail, params) -> dict | None
    params: frozenset[str]  # query parameters the handler understands; any other → Django

    @property
    def takes_tail(self) -> bool:
        """A prefix ending in "/" carries one path parameter (the tail); otherwise it is the whole path."""
        return self.prefix.endswith("/")


_routes: list[FastRoute] = []


def register_route(prefix: str, handler: str, *, params: tuple[str, ...] = ()) -> None:
    """Called from an app's ``AppConfig.ready``. ``prefix`` ends with "/" for a path parameter or is
    the whole path; the handler returns the 200 body as a dict, or None to let Django answer."""
    if any(r.prefix == prefix for r in _routes):
        return
    _routes.append(FastRoute(prefix=prefix, handler=handler, params=frozenset(params)))


class FastLane:
    """WSGI application: the fast lane for registered hot reads, Django for everything else."""

    def __init__(self, django_app: Callable) -> None:
        self.django_app = django_app
        self._handlers: dict[str, Callable] = {}
        self._headers: dict[tuple[str, bool], list[tuple[str, str]]] = {}
        self.enabled = _enabled()
        if self.enabled:
            from jointcredit.accounts.auth import TokenAuth
            from jointcredit.config.api import api

            self._auth = TokenAuth()
            self._api = api

    def __call__(self, environ, start_response):
        route = self._route(environ) if self.enabled else None
        if route is None:
            return self.django_app(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            answered = self._answer(route, environ, start_response)
        except DomainError:  # the handler's 404/422…: Django answers it with its error body
            answered = None
        except Exception:  # unexpected: Django does the work again and answers (and logs) as usual
            log.debug("快速通道处理失败，改由 Django 处理：%s", environ.get("PATH_INFO"), exc_info=True)
            answered = None
        finally:
            signals.request_finished.send(sender=self.__class__)
        if answered is None:
            return self.django_app(environ, start_response)
        return answered

    def _route(self, environ) -> FastRoute | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("HTTP_COOKIE")
            or not environ.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
        ):
            return None
        path = environ.get("PATH_INFO", "")
        for route in _routes:
            if path.startswith(route.prefix) if route.takes_tail else path == route.prefix:
                return route
        return None

    def _answer(self, route: FastRoute, environ, start_response) -> list[bytes] | None:
        # A copy: WSGIRequest writes the decoded path back into its environ, and the environ must
        # reach Django untouched if the request is handed over.
        request = WSGIRequest(environ.copy())
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
        except DisallowedHost:
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        params = dict(pairs)
        if len(params) != len(pairs) or not params.keys() <= route.params:
            return None
        tail = request.path_info[len(route.prefix) :] if route.takes_tail else ""
        if route.takes_tail and (not tail or "/" in tail):
            return None
        rid = request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        request.request_id = rid
        token = request_id_var.set(rid)
        try:
            # ninja's HttpBearer takes everything after "Bearer " as the token (split(" ") then
            # " ".join(parts[1:])); _route only lets "Bearer …" through, so this is the same string,
            # without building request.headers.
            user = self._auth.authenticate(request, environ["HTTP_AUTHORIZATION"][7:])
            if not user:
                return None
            request.auth = user  # as ninja sets it for the operation
            body = self._handler(route)(request, tail, params)
            if body is None:
                return None
            content = self._api.renderer.render(request, body, response_status=200).encode("utf-8")
        finally:
            request_id_var.reset(token)
        headers = [
            *self._static_headers(request, route),
            ("Content-Length", str(len(content))),
            ("X-Request-ID", rid),
        ]
        start_response("200 OK", headers)
        return [content]

    def _handler(self, route: FastRoute) -> Callable:
        fn = self._handlers.get(route.handler)
        if fn is None:
            module, _, name = route.handler.partition(":")
            fn = self._handlers[route.handler] = getattr(import_module(module), name)
        return fn

    def _static_headers(self, request, route: FastRoute) -> list[tuple[str, str]]:
        """Content-Type plus what the response middleware add to a 200 API answer, computed once per
        route and scheme (HSTS depends on the scheme, CSP may depend on the path) by running those
        middleware, in settings order, on a template."""
        key = (route.prefix, request.is_secure())
        cached = self._headers.get(key)
        if cached is None:
            template = HttpResponse(b"", status=200, content_type=self._api.get_content_type())
            chain: Callable = lambda req: template  # noqa: E731
            for path in reversed(settings.MIDDLEWARE):
                if _MIDDLEWARE[path] == _RESPONSE_HEADERS:
                    chain = import_string(path)(chain)
            response = chain(request)
            cached = self._headers[key] = [
                (k, v) for k, v in response.items() if k.lower() not in ("content-length", "x-request-id")
            ]
        return cached


def _enabled() -> bool:
    if not getattr(settings, "FAST_LANE", True):
        return False
    unknown = [m for m in settings.MIDDLEWARE if m not in _MIDDLEWARE]
    if unknown or settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW:
        log.warning(
            "快速通道已关闭：中间件 %s 未在 common.fastlane 中登记，或启用了 DISALLOWED_USER_AGENTS/"
            "PREPEND_WWW。",
            unknown,
        )
        return False
    return True
