"""The one way to emit a domain event. Call inside the transaction of the change.

* ``event_emit``: one event (a decision, a transition).
* ``events_emit_frame``: many events as one polars frame (imports: a million ``record.published``
  in one COPY). ``events_frame`` builds the rows (pure polars, may run in a worker thread while
  the caller writes its own rows) and ``events_write`` inserts them.
* ``events_emit_bulk``: many events given as ``event_emit`` keyword dicts (sweeps, benchmarks).

Every path takes its ids from one scheme (``_event_id_expr``: time-ordered, UUID version 7
layout) and registers the same after-commit pump.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from typing import Any

import polars as pl
from django.db import connection, transaction

from jointcredit.common import clock
from jointcredit.common.bulk import db_datetime, insert_frame
from jointcredit.common.jsonable import jsonable

from .kinds import kind_ensure
from .models import OutboxEvent

logger = logging.getLogger(__name__)
_COLUMNS = ("id", "kind", "occurred_at", "aggregate_type", "aggregate_id", "department", "list_type_code")


def _pump_after_commit() -> None:
    from .tasks import pump_enqueue

    try:
        pump_enqueue()
    except Exception:  # noqa: BLE001 - the event is committed; the sweep and feed readers sequence it anyway
        logger.exception("无法投递事件处理任务，将由定时清扫补偿")


def _pump_on_commit() -> None:
    """One pump task (sequencer + dispatcher) per transaction, however many events it emitted."""
    if not any(func is _pump_after_commit for _, func, _ in connection.run_on_commit):
        transaction.on_commit(_pump_after_commit)


def _in_transaction(name: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError(f"{name} 必须在业务事务内调用（transaction.atomic）。")


def _id_random() -> int:
    """The random bits of one run of event ids (``_event_id_expr``)."""
    return int.from_bytes(os.urandom(8), "big")


def _event_id_expr(sequence: pl.Expr, now, rand: int | None = None) -> pl.Expr:
    """Time-ordered event ids (UUID version 7 layout, RFC 9562): 48-bit ms timestamp, version, 12
    random bits, variant, then 60 bits = a random start + ``sequence`` (0, 1, … in the caller's
    order), in decimal digits (valid hex, same width, so the text order is the numeric order).
    The outbox's primary key and the sequencer's ``(occurred_at, id)`` index then grow at their
    right edge instead of at random pages (measured: ~2× cheaper index maintenance than random
    version-4 ids)."""
    ms = int(now.timestamp() * 1000) & ((1 << 48) - 1)
    rand = _id_random() if rand is None else rand
    prefix = f"{ms:012x}7{rand & 0xFFF:03x}{8 | ((rand >> 12) & 3):x}"
    start = (rand >> 14) % 10**14  # + a sequence number (< 10^14) stays within 15 decimal digits
    return pl.lit(prefix) + (sequence + start).cast(pl.String).str.zfill(15)


def event_id(now) -> uuid.UUID:
    """One id of the same scheme (a sequence of one)."""
    return uuid.UUID(pl.select(_event_id_expr(pl.lit(0, dtype=pl.Int64), now)).item())


def event_emit(
    *,
    kind: str,
    aggregate_type: str,
    aggregate_id: Any,
    data: dict[str, Any],
    department=None,
    list_type_code: str = "",
) -> OutboxEvent:
    """Write an event row in the caller's transaction (transactional outbox).

    ``kind`` is dotted, e.g. ``list_entry.published``, ``record.withdrawn``, and declared in the
    emitting app's ``event_kinds`` module (``kinds.kind_ensure``: what is emitted is subscribable).
    ``data`` must carry all a consumer needs without a second call.
    """
    _in_transaction("event_emit")
    kind_ensure(kind)
    now = clock.now()
    event = OutboxEvent.objects.create(
        id=event_id(now),
        kind=kind,
        occurred_at=now,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        department=department,
        list_type_code=list_type_code,
        payload=jsonable(data),
    )
    _pump_on_commit()
    return event


def events_frame(
    rows: pl.DataFrame,
    *,
    kind: str | pl.Expr,
    aggregate_type: str | pl.Expr,
    aggregate_id: pl.Expr,
    payload: pl.Expr,
    department_id: pl.Expr | None = None,
    list_type_code: str | pl.Expr = "",
    now=None,
    first: int = 0,
    rand: int | None = None,
) -> pl.DataFrame:
    """The outbox rows of one event per row of ``rows``, ids in row order. ``payload`` is a polars
    struct expression (JSON-encoded here) or a column of JSON text. Pure polars: safe to run in a
    worker thread (``now`` defaults to the clock's now). ``first`` and ``rand`` continue one run of
    ids over slices of a larger frame (``events_emit_frame``)."""
    if isinstance(kind, str):
        kind_ensure(kind)
    now = now or clock.now()
    lit = lambda v: v if isinstance(v, pl.Expr) else pl.lit(v, dtype=pl.String)  # noqa: E731
    is_struct = isinstance(rows.lazy().select(payload).collect_schema().dtypes()[0], pl.Struct)
    encoded = payload.struct.json_encode() if is_struct else payload
    return rows.select(
        _event_id_expr(pl.int_range(pl.len(), dtype=pl.Int64) + first, now, rand).alias("id"),
        lit(kind).alias("kind"),
        pl.lit(db_datetime(now)).alias("occurred_at"),
        lit(aggregate_type).alias("aggregate_type"),
        aggregate_id.cast(pl.String).alias("aggregate_id"),
        (department_id if department_id is not None else pl.lit(None)).cast(pl.Int64).alias("department"),
        lit(list_type_code).alias("list_type_code"),
        encoded.alias("payload"),
    )


def events_write(frame: pl.DataFrame) -> int:
    """Insert the rows of ``events_frame`` in the caller's transaction (COPY on PostgreSQL)."""
    _in_transaction("events_write")
    if frame.height == 0:
        return 0
    meta = OutboxEvent._meta
    insert_frame(meta.db_table, [meta.get_field(n).column for n in (*_COLUMNS, "payload")], frame)
    _pump_on_commit()
    return frame.height


def events_emit_frame(rows: pl.DataFrame, **kwargs) -> int:
    """``events_write(events_frame(rows, **kwargs))``: one event per row of ``rows``, built slice
    by slice while the previous slice is copied (a million events' JSON payloads are ~0.5 GB;
    built at once they were an import's largest allocation). Same ids as one ``events_frame``."""
    _in_transaction("events_emit_frame")
    if rows.height == 0:
        return 0
    kwargs["now"] = kwargs.get("now") or clock.now()
    rand = _id_random()
    meta = OutboxEvent._meta
    insert_frame(
        meta.db_table,
        [meta.get_field(n).column for n in (*_COLUMNS, "payload")],
        rows,
        prepare=lambda chunk, offset: events_frame(chunk, first=offset, rand=rand, **kwargs),
    )
    _pump_on_commit()
    return rows.height


def events_emit_bulk(events: list[dict[str, Any]]) -> int:
    """Bulk form of ``event_emit`` for code that emits many events in one transaction (sweeps, the
    benchmark): same semantics and arguments per item (``kind``, ``aggregate_type``,
    ``aggregate_id``, ``data``, optional ``department`` / ``department_id`` and ``list_type_code``)."""
    _in_transaction("events_emit_bulk")
    if not events:
        return 0
    for kind in {e["kind"] for e in events}:
        kind_ensure(kind)
    rows = pl.DataFrame(
        {
            "kind": [e["kind"] for e in events],
            "aggregate_type": [e["aggregate_type"] for e in events],
            "aggregate_id": [str(e["aggregate_id"]) for e in events],
            "department_id": [_department_id(e) for e in events],
            "list_type_code": [e.get("list_type_code", "") for e in events],
            "payload": [json.dumps(jsonable(e["data"]), ensure_ascii=False) for e in events],
        },
        schema={
            "kind": pl.String,
            "aggregate_type": pl.String,
            "aggregate_id": pl.String,
            "department_id": pl.Int64,
            "list_type_code": pl.String,
            "payload": pl.String,
        },
    )
    return events_emit_frame(
        rows,
        kind=pl.col("kind"),
        aggregate_type=pl.col("aggregate_type"),
        aggregate_id=pl.col("aggregate_id"),
        department_id=pl.col("department_id"),
        list_type_code=pl.col("list_type_code"),
        payload=pl.col("payload"),
    )


def _department_id(event: dict) -> int | None:
    department = event.get("department")
    return department.pk if department is not None else event.get("department_id")
