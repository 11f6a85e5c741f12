"""The events of 双公示 records: one payload definition for a single record (publish, withdraw,
publication end) and for a million imported rows (``exchange.outbox.events_frame``)."""

from __future__ import annotations

from typing import Any

import polars as pl

from jointcredit.exchange import outbox

from .fields import RECORD_TYPE_LABELS

ROW_SCHEMA = {
    "id": pl.Int64,
    "department_id": pl.Int64,
    "doc_no": pl.String,
    "subject_identifier": pl.String,
    "subject_name": pl.String,
    "subject_kind": pl.String,
    "decision_date": pl.Date,
    "state": pl.String,
    "public_until": pl.Date,
    "version": pl.Int64,
}


def _event_fields(
    *, record_type: str, kind: str, batch_id: int | None, extra: dict[str, Any] | None
) -> dict[str, Any]:
    """``exchange.outbox.events_frame`` arguments of ``kind`` for rows of ``ROW_SCHEMA``. The
    payload carries all a consumer needs: type, 文书号, subject, decision date, state, public end,
    version, batch, and ``extra`` (e.g. a withdrawal's ``reason``)."""
    payload = pl.struct(
        pl.lit(record_type).alias("record_type"),
        pl.lit(RECORD_TYPE_LABELS[record_type]).alias("record_type_label"),
        pl.col("id"),
        pl.col("department_id"),
        pl.col("doc_no"),
        pl.col("subject_identifier"),
        pl.col("subject_name"),
        pl.col("subject_kind"),
        pl.col("decision_date").dt.to_string("%Y-%m-%d"),
        pl.col("state"),
        pl.col("public_until").dt.to_string("%Y-%m-%d"),
        pl.col("version"),
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        *[(v if isinstance(v, pl.Expr) else pl.lit(v)).alias(k) for k, v in (extra or {}).items()],
    )
    return {
        "kind": kind,
        "aggregate_type": record_type,
        "aggregate_id": pl.col("id"),
        "department_id": pl.col("department_id"),
        "payload": payload,
    }


def record_events_frame(
    rows: pl.DataFrame,
    *,
    record_type: str,
    kind: str,
    batch_id: int | None = None,
    extra: dict[str, Any] | None = None,  # value or expression per field
    now=None,
) -> pl.DataFrame:
    """Outbox rows of ``kind`` for ``rows`` (columns of ``ROW_SCHEMA``; more are ignored)."""
    fields = _event_fields(record_type=record_type, kind=kind, batch_id=batch_id, extra=extra)
    return outbox.events_frame(rows, now=now, **fields)


def record_events_emit(
    rows: pl.DataFrame,
    *,
    record_type: str,
    kind: str,
    batch_id: int | None = None,
    extra: dict[str, Any] | None = None,
    now=None,
) -> int:
    """Emit the events of ``record_events_frame`` in the caller's transaction, built slice by slice
    while they are copied (``exchange.outbox.events_emit_frame``)."""
    fields = _event_fields(record_type=record_type, kind=kind, batch_id=batch_id, extra=extra)
    return outbox.events_emit_frame(rows, now=now, **fields)


def record_rows(records) -> pl.DataFrame:
    """``ROW_SCHEMA`` rows of stored records (model instances)."""
    return pl.DataFrame(
        [
            {
                "id": r.pk,
                "department_id": r.department_id,
                "doc_no": r.doc_no,
                "subject_identifier": r.subject.identifier,
                "subject_name": r.subject_name,
                "subject_kind": r.subject_kind,
                "decision_date": r.decision_date,
                "state": r.state,
                "public_until": r.public_until,
                "version": r.version,
            }
            for r in records
        ],
        schema=ROW_SCHEMA,
    )
