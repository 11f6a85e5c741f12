"""The exchange database (前置库): standard tables in a separate database that the district and the
upstream platform both read and write (docs/platforms.md “前置库表结构”, ADR 0038).

Reached through its own Django database alias (``PLATFORM_EXCHANGE_DATABASE``, configured by
``PLATFORM_EXCHANGE_DATABASE_URL``) with plain SQL: the tables belong to the exchange, not to
Django — no migrations run there (``routers.ExchangeDatabaseRouter``); their DDL is versioned here
and recorded in ``xchg_schema_version``. Every writer is idempotent, because a write here never
commits together with the district's own database:

* outgoing rows are unique by ``idempotency_key`` (re-sending after a crash inserts nothing);
* one receipt per key (a platform answering twice is answered once);
* incoming rows may repeat an item (a platform re-delivering): the district applies an item key once.

Timestamps are ``YYYY-MM-DD HH:MM:SS`` text in local time (SJC, as the national tables carry them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from jointcredit.common import clock

SCHEMA_VERSION = 1


def alias() -> str:
    return settings.PLATFORM_EXCHANGE_DATABASE


def _id_column(vendor: str) -> str:
    return "BIGSERIAL PRIMARY KEY" if vendor == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"


def ddl(vendor: str) -> list[str]:
    """Version 1 of the exchange tables (docs/platforms.md reproduces it)."""
    pk = _id_column(vendor)
    return [
        "CREATE TABLE IF NOT EXISTS xchg_schema_version "
        "(version INTEGER NOT NULL, applied_at VARCHAR(19) NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS xchg_outgoing (
            id {pk},
            idempotency_key VARCHAR(100) NOT NULL UNIQUE,
            platform_code VARCHAR(32) NOT NULL,
            item_type VARCHAR(16) NOT NULL,
            action VARCHAR(16) NOT NULL,
            source_key VARCHAR(64) NOT NULL,
            dfbm VARCHAR(12) NOT NULL,
            sjc VARCHAR(19) NOT NULL,
            payload TEXT NOT NULL,
            status CHAR(1) NOT NULL DEFAULT '0',
            taken_at VARCHAR(19)
        )""",
        "CREATE INDEX IF NOT EXISTS xchg_outgoing_status ON xchg_outgoing (platform_code, status, id)",
        f"""CREATE TABLE IF NOT EXISTS xchg_receipt (
            id {pk},
            idempotency_key VARCHAR(100) NOT NULL UNIQUE,
            platform_code VARCHAR(32) NOT NULL,
            result VARCHAR(8) NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            received_at VARCHAR(19) NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS xchg_incoming (
            id {pk},
            platform_code VARCHAR(32) NOT NULL,
            item_key VARCHAR(100) NOT NULL,
            item_kind VARCHAR(16) NOT NULL,
            authority_code VARCHAR(32) NOT NULL,
            authority_name VARCHAR(200) NOT NULL,
            authority_level VARCHAR(16) NOT NULL,
            dfbm VARCHAR(12) NOT NULL,
            sjc VARCHAR(19) NOT NULL,
            payload TEXT NOT NULL,
            status CHAR(1) NOT NULL DEFAULT '0',
            status_reason TEXT NOT NULL DEFAULT '',
            status_at VARCHAR(19)
        )""",
        "CREATE INDEX IF NOT EXISTS xchg_incoming_key ON xchg_incoming (platform_code, item_key)",
        """CREATE TABLE IF NOT EXISTS xchg_holding (
            platform_code VARCHAR(32) NOT NULL,
            holding_key VARCHAR(100) NOT NULL,
            origin VARCHAR(8) NOT NULL,
            digest CHAR(64) NOT NULL,
            sjc VARCHAR(19) NOT NULL,
            PRIMARY KEY (platform_code, holding_key)
        )""",
    ]


# Status flags of outgoing and incoming rows.
OUT_NEW, OUT_TAKEN = "0", "1"
IN_NEW, IN_APPLIED, IN_HELD, IN_REJECTED = "0", "1", "2", "3"
HOLDING_DISTRICT, HOLDING_PLATFORM = "district", "platform"

_ensured: set[tuple[str, str]] = set()


def sjc(moment: datetime | None = None) -> str:
    """SJC (时间戳) of a row: local time, second precision."""
    return timezone.localtime(moment or clock.now()).strftime("%Y-%m-%d %H:%M:%S")


def connection(name: str | None = None):
    return connections[name or alias()]


def schema_ensure(name: str | None = None) -> int:
    """Create the exchange tables if they are missing (idempotent); returns the schema version."""
    conn = connection(name)
    key = (conn.alias, conn.settings_dict["NAME"])
    if key in _ensured:
        return SCHEMA_VERSION
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for statement in ddl(conn.vendor):
            cursor.execute(statement)
        cursor.execute("SELECT MAX(version) FROM xchg_schema_version")
        current = cursor.fetchone()[0]
        if current is None:
            cursor.execute(
                "INSERT INTO xchg_schema_version (version, applied_at) VALUES (%s, %s)",
                [SCHEMA_VERSION, sjc()],
            )
    _ensured.add(key)
    return SCHEMA_VERSION


def schema_forget() -> None:
    """Tests: the test database is recreated between sessions."""
    _ensured.clear()


# --- district side ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutgoingRow:
    idempotency_key: str
    item_type: str
    action: str
    source_key: str
    dfbm: str
    sjc: str
    payload: dict


def outgoing_insert(platform_code: str, rows: list[OutgoingRow], *, name: str | None = None) -> int:
    """Write outgoing rows; rows whose key is already there are skipped. Returns rows written."""
    if not rows:
        return 0
    conn = connection(name)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        # One statement, many parameter sets (pipelined by psycopg): no round trip per row.
        cursor.executemany(
            "INSERT INTO xchg_outgoing (idempotency_key, platform_code, item_type, action, source_key, "
            "dfbm, sjc, payload, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (idempotency_key) DO NOTHING",
            [
                [
                    row.idempotency_key,
                    platform_code,
                    row.item_type,
                    row.action,
                    row.source_key,
                    row.dfbm,
                    row.sjc,
                    json.dumps(row.payload, ensure_ascii=False, sort_keys=True),
                    OUT_NEW,
                ]
                for row in rows
            ],
        )
    return len(rows)


def receipts_after(platform_code: str, position: int, *, limit: int, name: str | None = None) -> list[tuple]:
    """(id, idempotency_key, result, reason, received_at) past ``position``, in id order."""
    with connection(name).cursor() as cursor:
        cursor.execute(
            "SELECT id, idempotency_key, result, reason, received_at FROM xchg_receipt "
            "WHERE platform_code = %s AND id > %s ORDER BY id LIMIT %s",
            [platform_code, position, limit],
        )
        return list(cursor.fetchall())


@dataclass(frozen=True)
class IncomingRow:
    id: int
    item_key: str
    item_kind: str
    authority_code: str
    authority_name: str
    authority_level: str
    dfbm: str
    sjc: str
    payload: dict


def incoming_after(
    platform_code: str, position: int, *, limit: int, name: str | None = None
) -> list[IncomingRow]:
    with connection(name).cursor() as cursor:
        cursor.execute(
            "SELECT id, item_key, item_kind, authority_code, authority_name, authority_level, dfbm, sjc, "
            "payload "
            "FROM xchg_incoming WHERE platform_code = %s AND id > %s ORDER BY id LIMIT %s",
            [platform_code, position, limit],
        )
        rows = cursor.fetchall()
    return [IncomingRow(*r[:8], _loads(r[8])) for r in rows]  # type: ignore[call-arg]  # 8 columns + payload


def incoming_status_write(row_ids_and_status: list[tuple[int, str, str]], *, name: str | None = None) -> None:
    """Write back what became of incoming rows: (row id, status flag, reason)."""
    if not row_ids_and_status:
        return
    conn = connection(name)
    stamp = sjc()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.executemany(
            "UPDATE xchg_incoming SET status = %s, status_reason = %s, status_at = %s WHERE id = %s",
            [[status, reason, stamp, row_id] for row_id, status, reason in row_ids_and_status],
        )


def holdings(platform_code: str, *, name: str | None = None) -> dict[str, tuple[str, str]]:
    """What the platform holds in force: holding key → (origin, digest)."""
    with connection(name).cursor() as cursor:
        cursor.execute(
            "SELECT holding_key, origin, digest FROM xchg_holding WHERE platform_code = %s", [platform_code]
        )
        return {key: (origin, digest) for key, origin, digest in cursor.fetchall()}


def _loads(text) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# --- platform side (the simulator, and what a real platform does) -------------------------------------
def outgoing_take(platform_code: str, *, limit: int, name: str | None = None) -> list[tuple]:
    """(id, idempotency_key, item_type, action, source_key, dfbm, sjc, payload) of new outgoing rows,
    flagged as taken in the same transaction."""
    conn = connection(name)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(
            "SELECT id, idempotency_key, item_type, action, source_key, dfbm, sjc, payload "
            "FROM xchg_outgoing "
            "WHERE platform_code = %s AND status = %s ORDER BY id LIMIT %s",
            [platform_code, OUT_NEW, limit],
        )
        rows = [(*r[:7], _loads(r[7])) for r in cursor.fetchall()]
        if rows:
            stamp = sjc()
            cursor.executemany(
                "UPDATE xchg_outgoing SET status = %s, taken_at = %s WHERE id = %s",
                [[OUT_TAKEN, stamp, r[0]] for r in rows],
            )
    return rows


def receipts_write(
    platform_code: str, receipts: list[tuple[str, str, str]], *, name: str | None = None
) -> None:
    """Receipts (idempotency key, accepted | rejected, reason); a second receipt for a key is ignored."""
    if not receipts:
        return
    conn = connection(name)
    stamp = sjc()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO xchg_receipt (idempotency_key, platform_code, result, reason, received_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (idempotency_key) DO NOTHING",
            [[key, platform_code, result, reason, stamp] for key, result, reason in receipts],
        )


def incoming_insert_many(
    platform_code: str,
    items: list[tuple[str, str, tuple[str, str, str], str, dict]],
    *,
    name: str | None = None,
) -> int:
    """The platform delivers items (item key, kind, authority (code, name, level), DFBM, payload):
    one statement, many parameter sets."""
    if not items:
        return 0
    conn = connection(name)
    stamp = sjc()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO xchg_incoming (platform_code, item_key, item_kind, authority_code, authority_name, "
            "authority_level, dfbm, sjc, payload, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                [
                    platform_code,
                    item_key,
                    item_kind,
                    *authority,
                    dfbm,
                    stamp,
                    json.dumps(payload, ensure_ascii=False, sort_keys=True),
                    IN_NEW,
                ]
                for item_key, item_kind, authority, dfbm, payload in items
            ],
        )
    return len(items)


def incoming_status(platform_code: str, item_key: str, *, name: str | None = None) -> list[tuple[str, str]]:
    """(status, reason) of every incoming row of an item (the platform reads the district's answer)."""
    with connection(name).cursor() as cursor:
        cursor.execute(
            "SELECT status, status_reason FROM xchg_incoming WHERE platform_code = %s AND item_key = %s "
            "ORDER BY id",
            [platform_code, item_key],
        )
        return list(cursor.fetchall())


def holdings_put(platform_code: str, items: list[tuple[str, str, str]], *, name: str | None = None) -> None:
    """Record what the platform holds in force: (holding key, origin, digest), replacing earlier rows."""
    if not items:
        return
    conn = connection(name)
    stamp = sjc()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM xchg_holding WHERE platform_code = %s AND holding_key = %s",
            [[platform_code, key] for key, _, _ in items],
        )
        cursor.executemany(
            "INSERT INTO xchg_holding (platform_code, holding_key, origin, digest, sjc) "
            "VALUES (%s, %s, %s, %s, %s)",
            [[platform_code, key, origin, digest, stamp] for key, origin, digest in items],
        )


def holdings_drop(platform_code: str, keys: list[str], *, name: str | None = None) -> None:
    if not keys:
        return
    conn = connection(name)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM xchg_holding WHERE platform_code = %s AND holding_key = %s",
            [[platform_code, key] for key in keys],
        )
