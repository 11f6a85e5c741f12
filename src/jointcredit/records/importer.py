"""Applying validated rows to the database: records, history, events — set-based.

The generic steps are shared with the catalog's 归集: subjects by ``subjects.services.
subjects_resolve``, id reservation and COPY by ``common.bulk``, events by ``exchange.outbox``
(payload: ``records.events``), modes and phases by ``importing.pipeline``.

Called inside the service's transaction (``services.records_import`` / ``record_save``). New
records (the bulk of any file) are written with COPY on PostgreSQL (``executemany`` on SQLite)
together with their ``record.published`` events; existing 文书号 are compared value by value so
that re-importing the same file is a no-op and a changed row becomes an update with history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from django.db import connection
from django.utils import timezone

from jointcredit.accounts.models import Department
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common import clock
from jointcredit.common.bulk import (
    chunks,
    count_where_in,
    db_datetime,
    frame_from_query,
    frame_where_in,
    insert_frame,
    pg_array,
    reserve_id_series,
    rows_where_in,
)
from jointcredit.common.history import change_fields
from jointcredit.common.jsonable import jsonable
from jointcredit.importing.pipeline import Phases, phase
from jointcredit.subjects.models import Subject

from . import rules
from .events import ROW_SCHEMA, record_events_emit
from .fields import FIELDS, LICENSE
from .models import (
    MODELS,
    ImportBatch,
    PublicationEvent,
    RecordHistory,
    RecordPublicationChange,
    RecordState,
    StatusCode,
)
from .validation import legacy_dict

# Up to this many affected records, each gets its own audit row; above, the batch's row lists counts.
PER_RECORD_AUDIT_MAX = 100
_LOCK_BASE = 724_022_000


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    errors: list[dict] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    ids: list[int] = field(default_factory=list)  # affected (created/updated/withdrawn/published) ids


def content_attrs(record_type: str) -> list[str]:
    """Model attributes a file row sets; compared on re-import."""
    attrs = [s.attr for s in FIELDS[record_type] if s.attr not in ("organ_code",)]
    attrs += ["organ_code", "legacy", "subject_id", "department_id", "public_until"]
    if record_type != LICENSE:
        attrs += ["repairable_from"]
    return list(dict.fromkeys(attrs))


def _column(model, attr: str) -> str:
    name = attr[:-3] if attr.endswith("_id") else attr
    return model._meta.get_field(name).column


# --- records ------------------------------------------------------------------------------------


def add_deadlines(df: pl.DataFrame, calendar: WorkingCalendar | None = None) -> pl.DataFrame:
    """Decision date + 7 working days per distinct date (a few hundred per file), null = 待配置节假日."""
    cal = calendar or WorkingCalendar.load()
    days = rules.publication_working_days()
    dates = df.get_column("decision_date").unique().drop_nulls().to_list()
    mapping = pl.DataFrame(
        {
            "decision_date": dates,
            "publication_deadline": [deadline_or_pending(d, days, calendar=cal) for d in dates],
        },
        schema={"decision_date": pl.Date, "publication_deadline": pl.Date},
    )
    return df.with_columns(_lookup(df, mapping, ["decision_date"], "publication_deadline"))


def _lookup(df: pl.DataFrame, table: pl.DataFrame, keys: list[str], value: str) -> pl.Series:
    """``table[value]`` for each row of ``df`` by ``keys`` (null where absent), in row order.

    A join of the whole frame would gather every one of its ~60 columns (a million rows: ~2.5 s
    of CPU for one join); joining the key columns alone and adding the result costs ~0.1 s."""
    return (
        df.select(keys)
        .join(table.select(*keys, value), on=keys, how="left", maintain_order="left", nulls_equal=False)
        .get_column(value)
    )


def apply(
    df: pl.DataFrame,
    *,
    record_type: str,
    actor,
    batch: ImportBatch | None,
    hold_as_draft: bool,
    skip_bad_rows: bool,
    phases: Phases | None = None,
) -> Outcome:
    """Write valid rows. Returns counts; errors found here (e.g. changing a withdrawn record) are
    reported like validation errors — the caller decides between rollback and skipping."""
    model = MODELS[record_type]
    out = Outcome()
    if df.height == 0:
        return out
    now = clock.now()
    dept_ids = df.get_column("department_id").unique().to_list()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for dept in sorted(dept_ids):
                # Serialise imports per (type, department): two files racing on the same 文书号
                # would otherwise both see "new" and one would fail on the unique constraint.
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [_LOCK_BASE + (1 if record_type == LICENSE else 2), dept],
                )
    with phase(phases, "existing"):
        existing = _existing(model, df, dept_ids)
    with phase(phases, "deadlines"):
        df = add_deadlines(df)
    if existing.height:
        joined = df.with_columns(_lookup(df, existing, ["department_id", "doc_no"], "_id"))
        new = joined.filter(pl.col("_id").is_null())
        old = joined.filter(pl.col("_id").is_not_null())
    else:  # nothing stored yet (a first import): no copy of the frame
        new, old = df.with_columns(pl.lit(None, dtype=pl.Int64).alias("_id")), df.clear()
    attrs = content_attrs(record_type)

    # Existing 文书号: compare value by value.
    updates: list[tuple[dict, dict, str]] = []  # (row, values, action)
    if old.height:
        current = {}
        for chunk in chunks(old.get_column("_id").to_list(), 5_000):
            for row in model.objects.filter(pk__in=chunk).values(
                "id", "state", "version", *attrs, "published_at", "publication_deadline"
            ):
                current[row["id"]] = row
        for row in old.iter_rows(named=True):
            cur = current[row["_id"]]
            new_values = {a: _model_value(a, row[a]) for a in attrs}
            changed = {a for a in attrs if _cmp(cur[a]) != _cmp(new_values[a])}
            withdraw = row["status_code"] == StatusCode.INVALID and cur["state"] != RecordState.WITHDRAWN
            publish = not hold_as_draft and cur["state"] == RecordState.DRAFT and not withdraw
            if cur["state"] == RecordState.WITHDRAWN and changed:
                out.errors.append(
                    {
                        "row": row["_row"],
                        "field": "doc_no",
                        "rule": "withdrawn",
                        "message": f"第 {row['_row']} 行：文书号“{row['doc_no']}”的记录已于 "
                        f"{timezone.localtime(cur.get('withdrawn_at') or now):%Y-%m-%d} 前撤销，"
                        "不能再变更；如需重新公示请使用新的文书号。",
                    }
                )
                out.rejected_rows.add(row["_row"])
                continue
            if not changed and not withdraw and not publish:
                out.unchanged += 1
                continue
            action = "withdrawn" if withdraw else ("updated" if changed else "published")
            updates.append((row, cur, {a: new_values[a] for a in changed}, action))
    if out.errors and not skip_bad_rows:
        return out

    # New 文书号.
    if new.height:
        _insert_new(
            model,
            new,
            record_type=record_type,
            actor=actor,
            hold_as_draft=hold_as_draft,
            now=now,
            batch=batch,
            out=out,
            phases=phases,
        )
    emitted: dict[str, list[dict]] = {}  # event kind → rows (ROW_SCHEMA + reason)
    steps: list[RecordPublicationChange] = []  # publication history of the updated records (ADR 0036)
    for row, cur, changes, action in updates:
        values = dict(changes)
        values.update(version=cur["version"] + 1, updated_at=now, batch_id=batch.pk if batch else None)
        if action == "withdrawn":
            values.update(
                state=RecordState.WITHDRAWN,
                withdrawn_at=now,
                status_code=StatusCode.INVALID,
                withdraw_reason=row["remark"][:500],
            )
            out.withdrawn += 1
        else:
            if cur["state"] == RecordState.DRAFT and not hold_as_draft:
                values.update(state=RecordState.PUBLISHED, published_at=now)
            if changes:
                out.updated += 1
            else:
                out.unchanged += 1
        if "decision_date" in changes:
            values["publication_deadline"] = row["publication_deadline"]
        if "public_until" in changes and (
            changes["public_until"] is None or changes["public_until"] >= timezone.localdate(now)
        ):
            # Back in its publication window (e.g. 有效期至 extended): its next end is announced again.
            values["expiry_emitted_at"] = None
        model.objects.filter(pk=cur["id"]).update(**values)
        RecordHistory.objects.create(
            record_type=record_type,
            record_id=cur["id"],
            version=values["version"],
            action=action,
            changed_at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            batch=batch,
            before=jsonable({a: cur[a] for a in changes} | {"state": cur["state"]}),
            after=jsonable({a: values[a] for a in changes} | {"state": values.get("state", cur["state"])}),
        )
        state = values.get("state", cur["state"])
        step = _publication_step(model, cur["state"], state, changes, values, batch)
        if step is not None:
            steps.append(
                RecordPublicationChange(
                    record_type=record_type,
                    record_id=cur["id"],
                    **change_fields(
                        event=step[0],
                        state_before=cur["state"],
                        state_after=state,
                        actor=actor,
                        reason=step[1],
                    ),
                )
            )
        if state == RecordState.DRAFT:
            continue  # drafts are not public: nobody downstream hears about them yet
        kind = {
            "withdrawn": "record.withdrawn",
            "updated": "record.changed",
            "published": "record.published",
        }[action]
        emitted.setdefault(kind, []).append(
            {
                **{c: row[c] for c in ROW_SCHEMA if c not in ("id", "state", "version")},
                "id": cur["id"],
                "state": state,
                "version": values["version"],
                "reason": values.get("withdraw_reason", ""),
            }
        )
        out.ids.append(cur["id"])
    RecordPublicationChange.objects.bulk_create(steps, batch_size=2000)
    for kind, rows in emitted.items():
        record_events_emit(
            pl.DataFrame(rows, schema=ROW_SCHEMA | {"reason": pl.String}),
            record_type=record_type,
            kind=kind,
            batch_id=batch.pk if batch else None,
            extra={"reason": pl.col("reason")} if kind == "record.withdrawn" else None,
        )
    return out


def _publication_step(model, before: str, after: str, changes: dict, values: dict, batch) -> tuple | None:
    """(event, reason) of an updated record's publication history, None when its publication did not
    change (a draft edited as a draft)."""
    source = f"导入批次 #{batch.pk}" if batch else ""
    if after == RecordState.WITHDRAWN:
        return PublicationEvent.WITHDRAWN, values.get("withdraw_reason", "")
    if before == RecordState.DRAFT and after == RecordState.PUBLISHED:
        return PublicationEvent.PUBLISHED, source
    if after == RecordState.PUBLISHED and changes:
        names = "、".join(
            str(model._meta.get_field(a.removesuffix("_id")).verbose_name) for a in sorted(changes)
        )
        return PublicationEvent.CORRECTED, f"{source} 变更：{names}".strip()
    return None


def _publication_frame(rows: pl.DataFrame, *, record_type: str, actor, now_text: str, batch) -> pl.DataFrame:
    """Publication history rows of new records (``id``, ``state``, ``remark``) for COPY, in
    ``PUBLICATION_COLUMNS`` order: created published, as a draft, or withdrawn (ADR 0036)."""
    fields = change_fields(event="", state_before="", state_after="", actor=actor)
    withdrawn = pl.col("state") == RecordState.WITHDRAWN.value
    return rows.select(
        pl.lit(record_type).alias("record_type"),
        pl.col("id").alias("record_id"),
        pl.col("state")
        .replace_strict(
            {
                RecordState.PUBLISHED.value: PublicationEvent.PUBLISHED.value,
                RecordState.DRAFT.value: PublicationEvent.DRAFTED.value,
                RecordState.WITHDRAWN.value: PublicationEvent.WITHDRAWN.value,
            },
            return_dtype=pl.String,
        )
        .alias("event"),
        pl.lit("").alias("state_before"),
        pl.col("state").alias("state_after"),
        pl.when(withdrawn)
        .then(pl.col("remark").str.slice(0, 500))
        .otherwise(pl.lit(f"导入批次 #{batch.pk}" if batch else ""))
        .alias("reason"),
        pl.lit(fields["actor"].pk if fields["actor"] else None, dtype=pl.Int64).alias("actor_id"),
        pl.lit(fields["actor_name"]).alias("actor_name"),
        pl.lit(now_text).alias("recorded_at"),
        pl.lit(fields["effective_on"].isoformat()).alias("effective_on"),
        pl.lit(False).alias("backfilled"),
    )


PUBLICATION_COLUMNS = [
    "record_type",
    "record_id",
    "event",
    "state_before",
    "state_after",
    "reason",
    "actor_id",
    "actor_name",
    "recorded_at",
    "effective_on",
    "backfilled",
]


def _existing(model, df: pl.DataFrame, dept_ids: list[int]) -> pl.DataFrame:
    """(department_id, doc_no, _id) of the file's 文书号 already stored for these departments.

    PostgreSQL: when the departments hold fewer records than the file has rows (a first import,
    a department's early files), all of theirs are read (cost ∝ the department) and matched in
    polars; otherwise the file's 文书号 are looked up in the unique index (cost ∝ the file)."""
    schema = {"department_id": pl.Int64, "doc_no": pl.String, "_id": pl.Int64}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        depts, _ = pg_array(pl.Series(dept_ids, dtype=pl.Int64))
        with connection.cursor() as cursor:
            # sql-vetted: the table name comes from model metadata.
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE department_id = ANY(%s::bigint[]) "  # noqa: S608
                "LIMIT %s) s",
                [depts, df.height],
            )
            stored = cursor.fetchone()[0]
        if not stored:
            return pl.DataFrame(schema=schema)
        doc_nos = df.get_column("doc_no").unique()
        if stored < doc_nos.len():
            rows = frame_from_query(
                f"SELECT department_id, doc_no, id FROM {table} "  # noqa: S608
                "WHERE department_id = ANY(%s::bigint[])",
                [depts],
                schema,
            )
            return rows.filter(pl.col("doc_no").is_in(doc_nos.implode()))
        rows = frame_where_in(
            model, {"department_id": pl.Int64, "doc_no": pl.String, "id": pl.Int64}, "doc_no", doc_nos
        ).rename({"id": "_id"})
        return rows.filter(pl.col("department_id").is_in(dept_ids))
    rows = [
        (d, doc, pk)
        for doc, d, pk in rows_where_in(
            model, ["doc_no", "department_id", "id"], "doc_no", df.get_column("doc_no").unique().to_list()
        )
        if d in dept_ids
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _model_value(attr: str, value):
    if attr in ("fine", "confiscation"):
        return Decimal(value) if value not in (None, "") else None
    if attr == "legacy":
        return legacy_dict(value)
    return value


def _cmp(value):
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps({k: v for k, v in value.items() if v}, sort_keys=True, ensure_ascii=False)
    return str(value)


def _insert_new(
    model,
    new: pl.DataFrame,
    *,
    record_type: str,
    actor,
    hold_as_draft: bool,
    now,
    batch,
    out: Outcome,
    phases: Phases | None = None,
) -> None:
    """New 文书号: one COPY of the records, one COPY of their ``record.published`` events (ADR 0008).

    Measured alternatives (docs/records.md): COPY into a temporary staging table followed by
    ``INSERT … SELECT`` writes every row twice and was slower than COPY straight into the table;
    building the payloads in SQL with ``jsonb_build_object`` costs PostgreSQL ~14 µs a row against
    ~6 µs to parse the JSON polars writes."""
    n = new.height
    withdrawn = pl.col("status_code") == StatusCode.INVALID
    state = (
        pl.when(withdrawn)
        .then(pl.lit(RecordState.WITHDRAWN.value))
        .otherwise(pl.lit(RecordState.DRAFT.value if hold_as_draft else RecordState.PUBLISHED.value))
    )
    with phase(phases, "records", n):
        ids = reserve_id_series(model, n)
        new = new.with_columns(ids, state.alias("state"))
        _check_references(new)
        now_text = db_datetime(now)
        # The derived columns (timestamps, state texts, NULL amounts) are computed per COPY slice.
        insert_frame(
            model._meta.db_table,
            [_column(model, a) for a in _new_attrs(record_type)],
            new,
            prepare=lambda rows, _offset: _new_frame(
                rows, record_type=record_type, now_text=now_text, batch=batch
            ),
        )
    with phase(phases, "history", n):
        # Their publication history in the same COPY way: one row per new record (ADR 0036).
        insert_frame(
            RecordPublicationChange._meta.db_table,
            PUBLICATION_COLUMNS,
            new.select("id", "state", "remark"),
            prepare=lambda rows, _offset: _publication_frame(
                rows, record_type=record_type, actor=actor, now_text=now_text, batch=batch
            ),
        )
    n_withdrawn = int(new.filter(withdrawn).height)
    out.created += n - n_withdrawn
    out.withdrawn += n_withdrawn
    out.ids.extend(ids.to_list() if n <= PER_RECORD_AUDIT_MAX else [])
    # Only the payload's columns, and no copy when every row is published (a normal import).
    rows = new.select(c for c in ROW_SCHEMA if c != "version")
    published = pl.col("state") == RecordState.PUBLISHED.value
    n_published = int(rows.select(published.sum()).item())
    if n_published < rows.height:
        rows = rows.filter(published)
    if n_published:
        with phase(phases, "events", n_published):
            record_events_emit(
                rows.with_columns(pl.lit(1, dtype=pl.Int64).alias("version")),
                record_type=record_type,
                kind="record.published",
                batch_id=batch.pk if batch else None,
                now=now,
            )


def _new_attrs(record_type: str) -> list[str]:
    """Model attributes of a new row, in ``_new_frame``'s column order."""
    return content_attrs(record_type) + [
        "id",
        "state",
        "published_at",
        "withdrawn_at",
        "withdraw_reason",
        "version",
        "batch_id",
        "created_at",
        "updated_at",
        "publication_deadline",
    ]


def _new_frame(new: pl.DataFrame, *, record_type: str, now_text: str, batch) -> pl.DataFrame:
    """Values of new rows (``id`` and ``state`` already set) for ``_new_attrs``, ready for COPY."""
    withdrawn = pl.col("status_code") == StatusCode.INVALID
    new = new.with_columns(
        pl.when(pl.col("state") == RecordState.PUBLISHED.value)
        .then(pl.lit(now_text))
        .otherwise(None)
        .alias("published_at"),
        pl.when(withdrawn).then(pl.lit(now_text)).otherwise(None).alias("withdrawn_at"),
        pl.when(withdrawn)
        .then(pl.col("remark").str.slice(0, 500))
        .otherwise(pl.lit(""))
        .alias("withdraw_reason"),
        pl.lit(1).alias("version"),
        pl.lit(batch.pk if batch else None, dtype=pl.Int64).alias("batch_id"),
        pl.lit(now_text).alias("created_at"),
        pl.lit(now_text).alias("updated_at"),
    )
    nullable = {"fine", "confiscation"}
    return new.select(
        [
            (
                pl.when(pl.col(a) == "").then(None).otherwise(pl.col(a)).alias(a)
                if a in nullable
                else pl.col(a)
            )
            for a in _new_attrs(record_type)
        ]
    )


def _check_references(frame: pl.DataFrame) -> None:
    """The records table has no FK constraints on subject/department (PostgreSQL checks those row by
    row, ~18 µs a row): the same guarantee, checked once per distinct value. Inside the import's
    transaction; subjects and departments are never deleted."""
    for col, model in (("subject_id", Subject), ("department_id", Department)):
        values = frame.get_column(col)
        wanted = values.unique().drop_nulls()
        if values.null_count() or count_where_in(model, "id", wanted) != wanted.len():
            raise RuntimeError(
                f"导入数据引用了不存在的{'主体' if col == 'subject_id' else '部门'}（{col}）。"
            )


def write_audit(
    *, actor, batch: ImportBatch | None, record_type: str, outcome: Outcome, department, action: str
) -> None:
    """One audit row per affected record for small batches (form, API, small files); one summary
    row for large ones (ADR 0002: a per-row hash-chained audit would serialise a million inserts)."""
    model = MODELS[record_type]
    total = outcome.created + outcome.updated + outcome.withdrawn
    if outcome.ids and len(outcome.ids) <= PER_RECORD_AUDIT_MAX:
        for rec in model.objects.filter(pk__in=outcome.ids):
            audit_record(
                actor=actor,
                action=f"{record_type}.{action}",
                obj=rec,
                department=department,
                after={
                    "doc_no": rec.doc_no,
                    "state": rec.state,
                    "version": rec.version,
                    "batch_id": batch.pk if batch else None,
                },
            )
    if batch is not None and (total > len(outcome.ids) or not outcome.ids):
        audit_record(
            actor=actor,
            action=f"{record_type}.import",
            obj=batch,
            department=department,
            after={
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "withdrawn": outcome.withdrawn,
                "file": batch.file_name,
            },
        )
