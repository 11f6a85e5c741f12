"""Hot-path reads at cursor speed, with the ORM still writing the SQL.

Building and compiling a QuerySet costs ~0.3 ms of CPU per query, several times the database's own
work for an indexed lookup; on an endpoint called thousands of times a second (token check, subject
detail, /check) that is most of the request. ``CompiledQuery`` compiles a QuerySet ONCE per process
with sentinel arguments, remembers where the arguments land in the SQL parameters, and afterwards
only executes the SQL with the new values. The ORM stays the single source of the SQL (renamed
fields, table names, joins), so there is no hand-written SQL to drift from the models.

    _BY_IDENTIFIER = CompiledQuery(lambda ident: Subject.objects.filter(identifier=ident).order_by()[:1])
    subject = _BY_IDENTIFIER.instance("91370102…")       # model instance (plain model querysets)
    rows = _RELATED.rows(subject.id)                      # tuples (values_list querysets)

Arguments must reach the SQL unchanged (exact/in lookups on str/int fields): a lookup that rewrites
the value (``icontains`` → ``%v%``) is refused when the query is compiled, not silently wrong.
On PostgreSQL the statement is also prepared server-side once per connection (see
``_execute_prepared``); with DEBUG or query capture on (tests' assertNumQueries) it goes through
Django's logged cursor instead, so query counts stay visible.
Use it only for the few queries on a measured hot path (bench/), everything else stays plain ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, models, router

try:
    import psycopg
except ImportError:  # pragma: no cover - SQLite-only installs; the prepared path is PostgreSQL's
    psycopg = None

DEFAULT_DB = "default"
_STR_SENTINEL = "\x00jc-fastpath-arg-{}\x00"
_INT_SENTINEL = -(2**62) + 7919


class CompiledQuery:
    def __init__(
        self,
        build: Callable[..., models.QuerySet],
        *,
        arg_types: tuple[type, ...] = (str,),
        using: str | None = None,
    ):
        self._build = build
        self._arg_types = arg_types
        self._using = using
        self._compiled: tuple | None = None

    def _sentinel(self, i: int, kind: type) -> Any:
        if kind is int:
            return _INT_SENTINEL + i
        if kind is str:
            return _STR_SENTINEL.format(i)
        raise TypeError(f"CompiledQuery 只支持 str/int 参数，收到 {kind!r}")

    def _compile(self):
        sentinels = [self._sentinel(i, t) for i, t in enumerate(self._arg_types)]
        qs = self._build(*sentinels)
        # Compiled once for the primary: replicas are the same PostgreSQL, so the same SQL.
        compiler = qs.query.get_compiler(self._using or DEFAULT_DB)
        sql, params = compiler.as_sql()
        # The backend's value converters (SQLite datetimes and booleans; none for PostgreSQL's
        # native types), exactly as QuerySet iteration would apply them.
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        slots: list[int | None] = []
        seen: set[int] = set()
        for p in params:
            idx = next((i for i, s in enumerate(sentinels) if p == s and type(p) is type(s)), None)
            if idx is not None:
                seen.add(idx)
            slots.append(idx)
        if len(seen) != len(sentinels):
            raise ValueError("CompiledQuery：参数在 SQL 中被改写或未使用（只能用于精确匹配的查询条件）。")
        model, fields = None, None
        # Plain model querysets (no values(), no select_related, no deferral) map rows to instances.
        if (
            qs._iterable_class is models.query.ModelIterable
            and not qs.query.select_related
            and not qs.query.deferred_loading[0]
            and not qs.query.annotation_select
        ):
            model = qs.model
            fields = [f.attname for f in model._meta.concrete_fields]
        self._compiled = (
            sql,
            list(params),
            slots,
            model,
            fields,
            compiler if converters else None,
            converters,
            qs.model,
        )
        return self._compiled

    def _execute(self, args: tuple) -> tuple[str, list[tuple]]:
        if len(args) != len(self._arg_types):
            raise TypeError(f"需要 {len(self._arg_types)} 个参数，收到 {len(args)} 个")
        sql, params, slots, _, _, compiler, converters, read_model = self._compiled or self._compile()
        values = [p if s is None else args[s] for p, s in zip(params, slots)]
        # Where the routers send this model's reads (a replica for lag-tolerant requests, ADR 0048),
        # unless the query is tied to one database.
        alias = self._using or router.db_for_read(read_model)
        conn = connections[alias]
        if conn.vendor == "postgresql" and not conn.queries_logged and not conn.execute_wrappers:
            rows = _execute_prepared(conn, sql, values)
        else:  # SQLite, DEBUG, assertNumQueries/CaptureQueriesContext: Django's own (logged) cursor
            with conn.cursor() as cursor:
                cursor.execute(sql, values)
                rows = cursor.fetchall()
        if compiler is not None and rows:
            rows = [tuple(r) for r in compiler.apply_converters(rows, converters)]
        return alias, rows

    def rows(self, *args) -> list[tuple]:
        return self._execute(args)[1]

    def row(self, *args) -> tuple | None:
        rows = self._execute(args)[1]
        return rows[0] if rows else None

    def instances(self, *args) -> list[models.Model]:
        alias, rows = self._execute(args)
        _, _, _, model, fields, _, _, _ = self._compiled
        if model is None:
            raise TypeError("instances() 只能用于普通模型查询（无 values/select_related/only/annotate）。")
        return [model.from_db(alias, fields, row) for row in rows]

    def instance(self, *args) -> models.Model | None:
        found = self.instances(*args)
        return found[0] if found else None


def _execute_prepared(conn, sql: str, values: list) -> list[tuple]:
    """A server-side prepared statement on Django's own connection (same transaction, same health
    check and error wrapping as ``connection.cursor()``): PostgreSQL parses and plans it once per
    connection instead of on every request, which halves its CPU per indexed lookup. Django's
    cursors bind parameters client-side and cannot prepare."""
    cursor = conn.__dict__.get("_fastpath_cursor")
    raw = conn.connection
    if (
        raw is None
        or cursor is None
        or cursor.connection is not raw
        or cursor.closed
        or (conn.health_check_enabled and not conn.health_check_done)
    ):
        cursor = _fastpath_cursor(conn)
    conn.validate_thread_sharing()
    with conn.wrap_database_errors:
        cursor.execute(sql, values, prepare=True)
        return cursor.fetchall()


def _fastpath_cursor(conn):
    """What ``connection.cursor()`` does first (health check once per request, connect), then one
    cursor per connection, reused: a psycopg cursor runs any number of statements one after the
    other, and creating one (adapters map, result state) is ~30 Python calls a query."""
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    raw = conn.connection
    if raw.prepare_threshold is None:
        # Django switches psycopg's preparation off. Its own cursors bind client-side and never
        # prepare anyway, so allowing it only lets the explicit ``prepare=True`` through.
        raw.prepare_threshold = 2**31 - 1
    cursor = conn.__dict__.get("_fastpath_cursor")
    if cursor is None or cursor.connection is not raw or cursor.closed:
        cursor = conn._fastpath_cursor = psycopg.Cursor(raw)
    return cursor
