"""Read replicas (ADR 0048, docs/scale.md §5): which reads may be answered by a standby.

A request is *lag-tolerant* when its view says so: ``@lag_tolerant`` on a Django view, ninja's
``decorate_view(lag_tolerant)`` on an operation, ``router.add_decorator(lag_tolerant, mode="view")`` or
``lag_tolerant_urls(urlpatterns)`` for a whole surface. Selectors do not change: the decorator sets a
context variable for the duration of the view, and ``ReplicaRouter`` (settings.DATABASE_ROUTERS) sends
the ORM's reads of such a request to one healthy replica of ``settings.DATABASE_REPLICAS``. Everything
else reads and writes the primary:

- any request the view did not mark, and any unsafe method (POST…) unless the mark allows it
  (``lag_tolerant(methods=…)``, for a read that takes a body such as ``POST /match``);
- reads inside ``transaction.atomic()`` on the primary, and every read after the request has written;
- a client that has written within ``DATABASE_REPLICA_PIN_SECONDS`` (``PrimaryPinMiddleware``: a signed
  cookie set on every unsafe request), so staff read their own writes;
- who may act: users and API tokens are always read from the primary (a revoked token stops at once);
- Django's own tables (sessions, cache, login throttling, the task queue).

A replica answers only while its cached health check (``replica_states``) finds it in recovery and at
most ``DATABASE_REPLICA_MAX_LAG`` seconds behind; one that fails mid-request is taken out of rotation
and the view runs once more on the primary (marked views are reads, so running one again is safe).
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.urls import URLPattern, URLResolver

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PIN_COOKIE = "jc_primary"
_PIN_SALT = "jointcredit.common.replicas.pin"
# Read from the primary whatever the request: who may act, and Django's own bookkeeping tables.
PRIMARY_ONLY_MODELS = frozenset({"accounts.user", "accounts.apitoken"})
_PROJECT_PREFIX = "jointcredit."


@dataclass
class _Route:
    """How the current lag-tolerant call reads: the replica it chose (one per call, so that its reads
    agree with each other) and whether it has given up replicas (it wrote, or a replica failed)."""

    alias: str | None = None
    primary: bool = False
    used: set[str] = field(default_factory=set)


_route: contextvars.ContextVar[_Route | None] = contextvars.ContextVar("jointcredit_read_route", default=None)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("jointcredit_primary_pinned", default=False)
_turn = itertools.count()


def replica_aliases() -> list[str]:
    """The replicas in rotation as configured (healthy or not)."""
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


# --- health ---------------------------------------------------------------------------------------
_HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            -- Everything received is replayed: caught up, however long ago the last commit was.
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END
"""

STATE_LABELS = {
    "ok": "正常（参与读分流）",
    "lagging": "复制延迟超限（暂停读分流）",
    "down": "无法连接（暂停读分流）",
    "not_replica": "不是只读副本（未处于恢复状态，暂停读分流）",
}


@dataclass(frozen=True)
class ReplicaState:
    alias: str
    state: str  # a key of STATE_LABELS
    lag_seconds: float | None
    checked_at: float  # time.monotonic()

    @property
    def in_rotation(self) -> bool:
        return self.state == "ok"

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


_states: dict[str, ReplicaState] = {}
_states_lock = threading.Lock()
_checking: set[str] = set()


def _check(alias: str) -> ReplicaState:
    conn = connections[alias]
    try:
        with conn.cursor() as cursor:
            cursor.execute(_HEALTH_SQL)
            in_recovery, lag = cursor.fetchone()
    except (OperationalError, InterfaceError) as exc:
        log.warning("replica %s is down: %s", alias, str(exc).splitlines()[0] if str(exc) else exc)
        conn.close()
        return ReplicaState(alias, "down", None, time.monotonic())
    lag = None if lag is None else float(lag)
    if not in_recovery:
        state = "not_replica"
    elif lag is not None and lag > settings.DATABASE_REPLICA_MAX_LAG:
        state = "lagging"
    else:
        state = "ok"
    return ReplicaState(alias, state, lag, time.monotonic())


def replica_state(alias: str, *, max_age: float | None = None) -> ReplicaState:
    """The replica's health, checked again when the cached answer is older than ``max_age``
    (default ``DATABASE_REPLICA_CHECK_SECONDS``). One thread checks; the others keep the last answer
    meanwhile (a replica with no answer yet counts as down until its first check is done)."""
    max_age = settings.DATABASE_REPLICA_CHECK_SECONDS if max_age is None else max_age
    known = _states.get(alias)
    if known is not None and time.monotonic() - known.checked_at <= max_age:
        return known
    with _states_lock:
        if alias in _checking:
            return known or ReplicaState(alias, "down", None, 0.0)
        _checking.add(alias)
    try:
        fresh = _check(alias)
        _states[alias] = fresh
        return fresh
    finally:
        with _states_lock:
            _checking.discard(alias)


def replica_states(*, max_age: float | None = None) -> list[ReplicaState]:
    return [replica_state(alias, max_age=max_age) for alias in replica_aliases()]


def replica_mark_down(alias: str) -> None:
    """Out of rotation until its next check (a query on it has just failed)."""
    _states[alias] = ReplicaState(alias, "down", None, time.monotonic())


def replica_states_forget() -> None:
    _states.clear()


# --- which database a read goes to ------------------------------------------------------------------
def _healthy_replica() -> str | None:
    aliases = replica_aliases()
    if not aliases:
        return None
    start = next(_turn)
    for i in range(len(aliases)):
        alias = aliases[(start + i) % len(aliases)]
        if replica_state(alias).in_rotation:
            return alias
    return None


def read_alias() -> str:
    """The alias the current context's reads go to (the router's answer for replica-eligible models)."""
    route = _route.get()
    if route is None or route.primary or _pinned.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if route.alias is None:
        route.alias = _healthy_replica()
        if route.alias is None:
            route.primary = True
            return DEFAULT_DB_ALIAS
    route.used.add(route.alias)
    return route.alias


def _replica_eligible(model) -> bool:
    meta = model._meta
    # Not every "model" a router sees is a real one: the database cache passes a stand-in whose
    # _meta has a table and an app label only.
    app = getattr(meta, "app_config", None)
    return (
        app is not None
        and app.name.startswith(_PROJECT_PREFIX)
        and meta.label_lower not in PRIMARY_ONLY_MODELS
    )


class ReplicaRouter:
    """Reads of lag-tolerant requests to a healthy replica, everything else to the primary.

    ``db_for_write`` answers the primary explicitly: without it Django would write an instance back to
    the database it was read from, i.e. to a read-only replica."""

    def db_for_read(self, model, **hints):
        if _route.get() is None or not _replica_eligible(model):
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model, **hints):
        route = _route.get()
        if route is not None:
            route.primary = True  # from now on this request reads what it wrote
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        ours = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db in settings.DATABASE_REPLICA_ALIASES:
            return False
        return None


# --- marking what tolerates lag ---------------------------------------------------------------------
def _request_of(args) -> Any:
    return args[0] if args else None


def lag_tolerant(view: Callable | None = None, *, methods: tuple[str, ...] = SAFE_METHODS) -> Any:
    """Mark a view (or a ninja operation's ``run``) as answerable from a replica for ``methods``."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            request = _request_of(args)
            if (
                not replica_aliases()
                or _route.get() is not None
                or getattr(request, "method", None) not in methods
            ):
                return fn(*args, **kwargs)
            route = _Route()
            token = _route.set(route)
            try:
                return fn(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if not route.used:
                    raise
                # A replica failed under this read (stopped, restarted, cut off): out of rotation, and
                # the same read once more on the primary. Django closes the broken connection when the
                # request ends (errors_occurred), as after any database error.
                for alias in route.used:
                    log.warning("replica %s failed under %s; read again on the primary", alias, request)
                    replica_mark_down(alias)
                route.primary = True
                return fn(*args, **kwargs)
            finally:
                _route.reset(token)

        wrapper.lag_tolerant = True  # type: ignore[attr-defined]
        return wrapper

    return decorate(view) if view is not None else decorate


@contextmanager
def lag_tolerant_reads() -> Iterator[None]:
    """The same for work outside a request (the daily public extracts): its reads may come from a
    replica. No second attempt here: a job that fails is run again by its schedule."""
    if not replica_aliases() or _route.get() is not None:
        yield
        return
    token = _route.set(_Route())
    try:
        yield
    finally:
        _route.reset(token)


def lag_tolerant_urls(patterns: list) -> None:
    """Mark every view of a URL list (and of the lists it includes) as lag-tolerant, in place."""
    for p in patterns:
        if isinstance(p, URLResolver):
            lag_tolerant_urls(p.url_patterns)
        elif isinstance(p, URLPattern) and not getattr(p.callback, "lag_tolerant", False):
            p.callback = lag_tolerant(p.callback)


# --- read your own writes ---------------------------------------------------------------------------
class PrimaryPinMiddleware:
    """After an unsafe request (a write, or an attempt at one) the client reads the primary for
    ``DATABASE_REPLICA_PIN_SECONDS``: a signed cookie carries the time. Nothing happens without
    replicas. Machine clients that want the same keep the cookie (any HTTP client's cookie jar)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        window = settings.DATABASE_REPLICA_PIN_SECONDS
        unsafe = request.method not in SAFE_METHODS
        pinned = unsafe or (
            request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=window) is not None
        )
        token = _pinned.set(pinned)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if unsafe:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=window,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def pinned_to_primary() -> bool:
    return _pinned.get()
