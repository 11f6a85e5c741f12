"""Applying validated rows to the database: subjects, records, history, events — set-based.

Called inside the service's transaction (``services.records_import`` / ``record_save``). New
records (the bulk of any file) are written with COPY on PostgreSQL (``executemany`` on SQLite)
together with their ``record.published`` events; existing 文书号 are compared value by value so
that re-importing the same file is a no-op and a changed row becomes an update with history.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from jointcredit.accounts.models import Department
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common.bulk import bulk_insert
from jointcredit.common.errors import DomainError, ValidationFailed
from jointcredit.common.jsonable import jsonable
from jointcredit.exchange import outbox
from jointcredit.exchange.models import OutboxEvent
from jointcredit.exchange.outbox import event_emit
from jointcredit.subjects.identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER, IdType
from jointcredit.subjects.models import Subject, SubjectAlias, SubjectKind
from jointcredit.subjects.selectors import subject_find_by_org_code
from jointcredit.subjects.services import _region_of, subject_match_or_create, subject_rename

from . import rules
from .fields import FIELDS, LICENSE, RECORD_TYPE_LABELS
from .models import MODELS, ImportBatch, RecordHistory, RecordState, StatusCode
from .validation import legacy_dict

# Above this many unknown subjects in one batch, they are created set-based (one summary audit
# row) instead of one ``subject_match_or_create`` call (and audit row) each.
BULK_SUBJECT_THRESHOLD = 300
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


# --- subjects -----------------------------------------------------------------------------------

def resolve_subjects(df: pl.DataFrame, *, actor, batch: ImportBatch | None, source: str) -> tuple[pl.DataFrame, list[dict]]:
    """Attach ``subject_id`` to every row: identifier first, then alias; legacy rows without a USCC
    by 组织机构代码/工商注册号; unknown subjects are created; a different name is a 名称变更."""
    errors: list[dict] = []
    if df.height == 0:
        return df.with_columns(pl.lit(None, dtype=pl.Int64).alias("subject_id")), errors
    legacy_rows = df.filter(pl.col("subject_identifier") == "")
    fixes: dict[int, tuple[str, str]] = {}
    for row in legacy_rows.select("_row", "_org_code", "_reg_no", "subject_kind").iter_rows(named=True):
        subject = None
        if row["_org_code"]:
            subject = subject_find_by_org_code(row["_org_code"])
        if subject is None and row["_reg_no"]:
            alias = SubjectAlias.objects.select_related("subject").filter(value=row["_reg_no"]).first()
            subject = alias.subject if alias else None
        if subject is None:
            errors.append({"row": row["_row"], "field": "CF_XDR_ZDM" if "CF_XDR_ZDM" in df.columns else "XK_XDR_ZDM",
                           "rule": "subject_unmatched",
                           "message": f"第 {row['_row']} 行：没有统一社会信用代码，且按组织机构代码“{row['_org_code']}”/"
                                      f"工商注册号“{row['_reg_no']}”找不到已登记的主体，请补充统一社会信用代码。"})
            continue
        for id_type, value in ((IdType.ORG_CODE, row["_org_code"]), (IdType.BUSINESS_REG_NO, row["_reg_no"])):
            if value:
                SubjectAlias.objects.get_or_create(id_type=id_type, value=value,
                                                   defaults={"subject": subject, "source": source[:100]})
        fixes[row["_row"]] = (subject.identifier, subject.identifier if subject.id_type == IdType.USCC else "")
    if fixes:
        fix_df = pl.DataFrame({"_row": list(fixes), "_fix_id": [v[0] for v in fixes.values()],
                               "_fix_uscc": [v[1] for v in fixes.values()]},
                              schema={"_row": pl.Int64, "_fix_id": pl.String, "_fix_uscc": pl.String})
        df = df.join(fix_df, on="_row", how="left").with_columns(
            pl.coalesce(pl.col("_fix_id"), pl.col("subject_identifier")).alias("subject_identifier"),
            pl.coalesce(pl.col("_fix_uscc"), pl.col("uscc")).alias("uscc")).drop("_fix_id", "_fix_uscc")
    bad_rows = {e["row"] for e in errors}
    if bad_rows:
        df = df.filter(~pl.col("_row").is_in(list(bad_rows)))

    # One name per identifier: the last row of the file is the newest.
    wanted = (df.select("subject_identifier", "subject_kind", "subject_name", "id_type", "id_number", "_row")
              .sort("_row").unique("subject_identifier", keep="last"))
    identifiers = wanted.get_column("subject_identifier").to_list()
    known: dict[str, tuple[int, str]] = {}
    for ident, pk, name, merged in _rows_where_in(Subject, ["identifier", "id", "name", "merged_into_id"],
                                                  "identifier", identifiers):
        known[ident] = (merged or pk, name)
    missing = [i for i in identifiers if i not in known]
    if missing:
        aliases = _rows_where_in(SubjectAlias, ["value", "subject_id"], "value", missing)
        names = dict(Subject.objects.filter(pk__in={pk for _, pk in aliases}).values_list("id", "name"))
        for value, pk in aliases:
            known.setdefault(value, (pk, names.get(pk, "")))
    unknown = wanted.filter(~pl.col("subject_identifier").is_in(list(known)))
    if unknown.height > BULK_SUBJECT_THRESHOLD:
        known.update(_subjects_bulk_create(unknown, actor=actor, batch=batch, source=source))
        unknown = unknown.clear()
    for row in unknown.iter_rows(named=True):
        ident = row["subject_identifier"]
        try:
            if ident.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":"):
                subject, _ = subject_match_or_create(kind=row["subject_kind"], identifier="", name=row["subject_name"],
                                                     operator_id_number=row["id_number"], actor=actor, source=source)
            else:
                subject, _ = subject_match_or_create(kind=row["subject_kind"], identifier=ident, name=row["subject_name"],
                                                     id_type=row["id_type"] or None, actor=actor, source=source)
        except DomainError as exc:
            errors.append({"row": row["_row"], "field": "subject", "rule": "subject",
                           "message": f"第 {row['_row']} 行：{exc.message}"})
            continue
        known[ident] = (subject.pk, subject.name)
    for row in wanted.filter(pl.col("subject_identifier").is_in(list(known))).iter_rows(named=True):
        pk, current = known[row["subject_identifier"]]
        if current != row["subject_name"]:
            subject_rename(actor=actor, subject=Subject.objects.get(pk=pk), new_name=row["subject_name"],
                           source=source, _checked=True)
    ids = pl.DataFrame({"subject_identifier": list(known), "subject_id": [v[0] for v in known.values()]},
                       schema={"subject_identifier": pl.String, "subject_id": pl.Int64})
    df = df.join(ids, on="subject_identifier", how="inner")
    return df, errors


def _subjects_bulk_create(unknown: pl.DataFrame, *, actor, batch, source: str) -> dict[str, tuple[int, str]]:
    now = timezone.now()
    cols = ["kind", "id_type", "identifier", "name", "operator_id_number", "legal_representative", "region_code",
            "industry", "address", "created_at", "updated_at"]
    rows = []
    for r in unknown.iter_rows(named=True):
        ident = r["subject_identifier"]
        if r["subject_kind"] == SubjectKind.NATURAL:
            id_type, operator = r["id_type"] or IdType.RESIDENT_ID, ""
        else:
            id_type = IdType.USCC
            operator = r["id_number"] if ident.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER) else ""
        rows.append((r["subject_kind"], id_type, ident, r["subject_name"], operator, "", _region_of(id_type, ident),
                     "", "", now, now))
    ids = _reserve_ids(Subject, len(rows))
    bulk_insert(Subject._meta.db_table, ["id", *cols], ((pk, *row) for pk, row in zip(ids, rows)))
    out = {row[2]: (pk, row[3]) for pk, row in zip(ids, rows)}
    for ident, (pk, _) in out.items():
        if ident.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":"):
            SubjectAlias.objects.get_or_create(id_type=IdType.RESIDENT_ID, value=ident.split(":", 1)[1],
                                               defaults={"subject_id": pk, "source": "个体工商户经营者"})
    audit_record(actor=actor, action="subject.bulk_create", object_type="records.importbatch",
                 object_id=str(batch.pk) if batch else "", object_repr=source[:255],
                 after={"count": len(out), "source": source})
    return out


def _rows_where_in(model, columns: list[str], field: str, values: list) -> list[tuple]:
    """``SELECT columns WHERE field IN values`` for large value lists: one ``= ANY(array)``
    parameter on PostgreSQL (a 100k-placeholder IN list costs more to build than to run)."""
    if not values:
        return []
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        meta = model._meta
        cols = ", ".join(qn(meta.get_field(c[:-3] if c.endswith("_id") else c).column) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {cols} FROM {qn(meta.db_table)} "  # noqa: S608 - metadata only
                           f"WHERE {qn(meta.get_field(field).column)} = ANY(%s)", [list(values)])
            return cursor.fetchall()
    out: list[tuple] = []
    for chunk in _chunks(values, 5_000):
        out.extend(model.objects.filter(**{f"{field}__in": chunk}).values_list(*columns))
    return out


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- records ------------------------------------------------------------------------------------

def add_deadlines(df: pl.DataFrame, calendar: WorkingCalendar | None = None) -> pl.DataFrame:
    """Decision date + 7 working days per distinct date (a few hundred per file), null = 待配置节假日."""
    cal = calendar or WorkingCalendar.load()
    days = rules.publication_working_days()
    dates = df.get_column("decision_date").unique().drop_nulls().to_list()
    mapping = pl.DataFrame({"decision_date": dates, "publication_deadline": [deadline_or_pending(d, days, calendar=cal)
                                                                             for d in dates]},
                           schema={"decision_date": pl.Date, "publication_deadline": pl.Date})
    return df.join(mapping, on="decision_date", how="left")


def apply(df: pl.DataFrame, *, record_type: str, actor, batch: ImportBatch | None, hold_as_draft: bool,
          skip_bad_rows: bool) -> Outcome:
    """Write valid rows. Returns counts; errors found here (e.g. changing a withdrawn record) are
    reported like validation errors — the caller decides between rollback and skipping."""
    model = MODELS[record_type]
    out = Outcome()
    if df.height == 0:
        return out
    now = timezone.now()
    dept_ids = df.get_column("department_id").unique().to_list()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for dept in sorted(dept_ids):
                # Serialise imports per (type, department): two files racing on the same 文书号
                # would otherwise both see "new" and one would fail on the unique constraint.
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                               [_LOCK_BASE + (1 if record_type == LICENSE else 2), dept])
    existing = _existing(model, df, dept_ids)
    df = add_deadlines(df)
    joined = df.join(existing, on=["department_id", "doc_no"], how="left")
    new = joined.filter(pl.col("_id").is_null())
    old = joined.filter(pl.col("_id").is_not_null())
    attrs = content_attrs(record_type)

    # Existing 文书号: compare value by value.
    updates: list[tuple[dict, dict, str]] = []  # (row, values, action)
    if old.height:
        current = {}
        for chunk in _chunks(old.get_column("_id").to_list(), 5_000):
            for row in model.objects.filter(pk__in=chunk).values("id", "state", "version", *attrs,
                                                                 "published_at", "publication_deadline"):
                current[row["id"]] = row
        for row in old.iter_rows(named=True):
            cur = current[row["_id"]]
            new_values = {a: _model_value(a, row[a]) for a in attrs}
            changed = {a for a in attrs if _cmp(cur[a]) != _cmp(new_values[a])}
            withdraw = row["status_code"] == StatusCode.INVALID and cur["state"] != RecordState.WITHDRAWN
            publish = (not hold_as_draft and cur["state"] == RecordState.DRAFT and not withdraw)
            if cur["state"] == RecordState.WITHDRAWN and changed:
                out.errors.append({"row": row["_row"], "field": "doc_no", "rule": "withdrawn",
                                   "message": f"第 {row['_row']} 行：文书号“{row['doc_no']}”的记录已于 "
                                              f"{timezone.localtime(cur.get('withdrawn_at') or now):%Y-%m-%d} 前撤销，"
                                              "不能再变更；如需重新公示请使用新的文书号。"})
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
        _insert_new(model, new, record_type=record_type, hold_as_draft=hold_as_draft, now=now, batch=batch, out=out)
    for row, cur, changes, action in updates:
        values = dict(changes)
        values.update(version=cur["version"] + 1, updated_at=now, batch_id=batch.pk if batch else None)
        if action == "withdrawn":
            values.update(state=RecordState.WITHDRAWN, withdrawn_at=now, status_code=StatusCode.INVALID,
                          withdraw_reason=row["remark"][:500])
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
        model.objects.filter(pk=cur["id"]).update(**values)
        RecordHistory.objects.create(
            record_type=record_type, record_id=cur["id"], version=values["version"], action=action, changed_at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None, batch=batch,
            before=jsonable({a: cur[a] for a in changes} | {"state": cur["state"]}),
            after=jsonable({a: values[a] for a in changes} | {"state": values.get("state", cur["state"])}))
        state = values.get("state", cur["state"])
        kind = {"withdrawn": "record.withdrawn", "updated": "record.changed", "published": "record.published"}[action]
        if state == RecordState.DRAFT:
            continue  # drafts are not public: nobody downstream hears about them yet
        event_emit(kind=kind, aggregate_type=record_type, aggregate_id=cur["id"],
                   data=_event_data(record_type, cur["id"], row, state, values["version"], batch,
                                    reason=values.get("withdraw_reason", "")),
                   department=_department(row["department_id"]))
        out.ids.append(cur["id"])
    return out


def _department(pk: int):
    return Department.objects.get(pk=pk)


def _existing(model, df: pl.DataFrame, dept_ids: list[int]) -> pl.DataFrame:
    schema = {"department_id": pl.Int64, "doc_no": pl.String, "_id": pl.Int64}
    rows = [(d, doc, pk) for doc, d, pk in _rows_where_in(model, ["doc_no", "department_id", "id"], "doc_no",
                                                          df.get_column("doc_no").unique().to_list())
            if d in dept_ids]
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


def _event_data(record_type: str, pk: int, row: dict, state: str, version: int, batch, reason: str = "") -> dict:
    return {
        "record_type": record_type, "record_type_label": RECORD_TYPE_LABELS[record_type], "id": pk,
        "department_id": row["department_id"], "doc_no": row["doc_no"],
        "subject_identifier": row["subject_identifier"], "subject_name": row["subject_name"],
        "subject_kind": row["subject_kind"], "decision_date": row["decision_date"], "state": state,
        "public_until": row.get("public_until"), "version": version, "batch_id": batch.pk if batch else None,
        **({"reason": reason} if reason else {}),
    }


def _insert_new(model, new: pl.DataFrame, *, record_type: str, hold_as_draft: bool, now, batch, out: Outcome) -> None:
    n = new.height
    ids = _reserve_ids(model, n)
    withdrawn = pl.col("status_code") == StatusCode.INVALID
    state = (pl.when(withdrawn).then(pl.lit(RecordState.WITHDRAWN.value))
             .otherwise(pl.lit(RecordState.DRAFT.value if hold_as_draft else RecordState.PUBLISHED.value)))
    now_text = _db_datetime(now)
    new = new.with_columns(
        pl.Series("id", ids, dtype=pl.Int64), state.alias("state"),
        pl.when(state == RecordState.PUBLISHED.value).then(pl.lit(now_text)).otherwise(None).alias("published_at"),
        pl.when(withdrawn).then(pl.lit(now_text)).otherwise(None).alias("withdrawn_at"),
        pl.when(withdrawn).then(pl.col("remark").str.slice(0, 500)).otherwise(pl.lit("")).alias("withdraw_reason"),
        pl.lit(1).alias("version"), pl.lit(batch.pk if batch else None, dtype=pl.Int64).alias("batch_id"),
        pl.lit(now_text).alias("created_at"), pl.lit(now_text).alias("updated_at"),
    )
    attrs = content_attrs(record_type) + ["id", "state", "published_at", "withdrawn_at", "withdraw_reason",
                                          "version", "batch_id", "created_at", "updated_at", "publication_deadline"]
    nullable = {"fine", "confiscation"}
    frame = new.select([
        (pl.when(pl.col(a) == "").then(None).otherwise(pl.col(a)).alias(a) if a in nullable else pl.col(a))
        for a in attrs])
    insert_frame(model._meta.db_table, [_column(model, a) for a in attrs], frame)
    out.created += int(new.filter(~withdrawn).height)
    out.withdrawn += int(new.filter(withdrawn).height)
    out.ids.extend(ids if n <= PER_RECORD_AUDIT_MAX else [])
    published = new.filter(pl.col("state") == RecordState.PUBLISHED.value)
    if published.height:
        _events_bulk(published, record_type=record_type, kind="record.published", now=now, batch=batch)


def _reserve_ids(model, n: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + n))


def insert_frame(table: str, columns: list[str], frame: pl.DataFrame) -> int:
    """COPY a polars frame (PostgreSQL: CSV written by polars, one round trip per 8 MB); SQLite:
    executemany. Empty strings stay '' and nulls become NULL (polars quotes empty strings)."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    if frame.height == 0:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                step = 100_000
                for start in range(0, frame.height, step):
                    copy.write(frame.slice(start, step).write_csv(include_header=False, null_value=""))
        return frame.height
    texts = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    return bulk_insert(table, columns, texts.iter_rows())


def _events_bulk(rows: pl.DataFrame, *, record_type: str, kind: str, now, batch) -> None:
    """``record.published`` events for a bulk insert, in the same transaction.

    Seam: ``exchange.outbox.event_emit`` writes one row per call; for a million-row file that is
    a million round trips, so this writes the same OutboxEvent rows (same columns, same payload
    shape as ``_event_data``) with one COPY."""
    n = rows.height
    raw = os.urandom(16 * n).hex()
    uuids = pl.Series("id", [raw[i:i + 32] for i in range(0, 32 * n, 32)], dtype=pl.String)
    # RFC 4122 version 4 / variant bits.
    uuids = uuids.str.slice(0, 12) + "4" + uuids.str.slice(13, 3) + "a" + uuids.str.slice(17)
    payload = pl.struct(
        pl.lit(record_type).alias("record_type"), pl.lit(RECORD_TYPE_LABELS[record_type]).alias("record_type_label"),
        pl.col("id"), pl.col("department_id"), pl.col("doc_no"), pl.col("subject_identifier"),
        pl.col("subject_name"), pl.col("subject_kind"), pl.col("decision_date").dt.to_string("%Y-%m-%d"),
        pl.col("state"), pl.col("public_until").dt.to_string("%Y-%m-%d"), pl.col("version"),
        pl.lit(batch.pk if batch else None, dtype=pl.Int64).alias("batch_id"),
    ).struct.json_encode()
    frame = rows.select(
        uuids, pl.lit(kind).alias("kind"), pl.lit(_db_datetime(now)).alias("occurred_at"),
        pl.lit(record_type).alias("aggregate_type"), pl.col("id").cast(pl.String).alias("aggregate_id"),
        pl.col("department_id"), pl.lit("").alias("list_type_code"), payload.alias("payload"))
    meta = OutboxEvent._meta
    columns = [meta.get_field(n).column for n in ("id", "kind", "occurred_at", "aggregate_type", "aggregate_id",
                                                  "department", "list_type_code", "payload")]
    insert_frame(meta.db_table, columns, frame)
    # Same after-commit nudge event_emit gives (sequencer + dispatcher); the sweep covers its absence.
    pump = getattr(outbox, "_pump_after_commit", None)
    if pump is not None and not any(func is pump for _, func, _ in connection.run_on_commit):
        transaction.on_commit(pump)


def write_audit(*, actor, batch: ImportBatch | None, record_type: str, outcome: Outcome, department, action: str) -> None:
    """One audit row per affected record for small batches (form, API, small files); one summary
    row for large ones (ADR 0002: a per-row hash-chained audit would serialise a million inserts)."""
    model = MODELS[record_type]
    total = outcome.created + outcome.updated + outcome.withdrawn
    if outcome.ids and len(outcome.ids) <= PER_RECORD_AUDIT_MAX:
        for rec in model.objects.filter(pk__in=outcome.ids):
            audit_record(actor=actor, action=f"{record_type}.{action}", obj=rec, department=department,
                         after={"doc_no": rec.doc_no, "state": rec.state, "version": rec.version,
                                "batch_id": batch.pk if batch else None})
    if batch is not None and (total > len(outcome.ids) or not outcome.ids):
        audit_record(actor=actor, action=f"{record_type}.import", obj=batch, department=department,
                     after={"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
                            "withdrawn": outcome.withdrawn, "file": batch.file_name})


def raise_if_errors(errors: list[dict], *, total: int) -> None:
    if errors:
        raise ValidationFailed(f"共 {len(errors)} 处错误，未导入任何数据（全部成功才导入）。第一处：{errors[0]['message']}",
                               details=errors)



def _db_datetime(value: datetime) -> str:
    """A datetime as the backend stores it (SQLite: naive UTC text; PostgreSQL: with offset)."""
    return str(connection.ops.adapt_datetimefield_value(value))
