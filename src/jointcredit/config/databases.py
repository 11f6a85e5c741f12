"""Database aliases from the environment beyond DATABASE_URL: read replicas and the connection pool
(ADR 0048, docs/scale.md §5). Pure functions of the environment's strings, used by settings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PG_ENGINE = "jointcredit.common.pgbackend"
REPLICA_PREFIX = "replica"


def replica_databases(urls: str, *, primary: Mapping[str, Any], connect_timeout: int) -> dict[str, Any]:
    """``DATABASE_REPLICA_URLS`` (comma-separated) → ``{"replica1": {...}, …}``.

    Replicas are PostgreSQL standbys of the primary: same backend, same persistent connections, a short
    connect timeout (a replica host that is gone must not hold a request for the OS's default), and
    ``TEST: {"MIRROR": "default"}`` so that the test runner neither creates nor migrates a database
    there but reads the primary's test database as streamed to the standby."""
    found = [u.strip() for u in urls.split(",") if u.strip()]
    if found and primary["ENGINE"] != PG_ENGINE:
        raise ImproperlyConfigured(
            "只读副本（DATABASE_REPLICA_URLS）只能用于 PostgreSQL：主库 DATABASE_URL 须为 postgres://…。"
        )
    out: dict[str, Any] = {}
    for i, url in enumerate(found, start=1):
        try:
            db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=primary["CONN_MAX_AGE"]))
        except (ValueError, KeyError) as exc:
            raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS 第 {i} 项格式错误：{exc}") from exc
        if db["ENGINE"] not in {"django.db.backends.postgresql", PG_ENGINE}:
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS 第 {i} 项不是 PostgreSQL 地址（应为 postgres://用户@主机:端口/库名）。"
            )
        db["ENGINE"] = PG_ENGINE
        db["CONN_HEALTH_CHECKS"] = True
        db["OPTIONS"] = {"connect_timeout": connect_timeout, **db.get("OPTIONS", {})}
        db["TEST"] = {"MIRROR": "default"}
        out[f"{REPLICA_PREFIX}{i}"] = db
    return out


def pool_options(value: str) -> dict[str, int]:
    """``DATABASE_POOL`` → psycopg_pool's sizes: ``"MAX"`` or ``"MIN,MAX"`` (e.g. ``4,20``)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[,:]\s*(\d+)\s*)?", value)
    if not match:
        raise ImproperlyConfigured(
            f"DATABASE_POOL 格式错误（“{value[:40]}”）：应为“最大连接数”或“最小连接数,最大连接数”，如 4,20。"
        )
    low, high = (int(match[1]), int(match[2])) if match[2] else (min(int(match[1]), 4), int(match[1]))
    if high < 1 or low > high:
        raise ImproperlyConfigured(
            f"DATABASE_POOL 取值错误：最小连接数 {low} 不能大于最大连接数 {high}，且最大连接数至少为 1。"
        )
    return {"min_size": low, "max_size": high}


def pool_apply(db: Any, sizes: dict[str, int], *, timeout: float) -> None:
    """Django's own pool (psycopg_pool) for a PostgreSQL alias. A pooled connection goes back to the pool
    at the end of each request, so the connection is kept by the pool instead of by CONN_MAX_AGE, which
    Django refuses together with a pool: set to 0 here."""
    if db["ENGINE"] != PG_ENGINE:
        raise ImproperlyConfigured("连接池（DATABASE_POOL）只能用于 PostgreSQL。")
    db["OPTIONS"] = {**db.get("OPTIONS", {}), "pool": {**sizes, "timeout": timeout}}
    db["CONN_MAX_AGE"] = 0
