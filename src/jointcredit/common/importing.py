"""The shared bulk-import pipeline (双公示 ``records`` and the catalog's 归集 use the same code).

A tabular import is: ``common.tabular.read_frame`` (CSV UTF-8/GBK, XLSX; size and type checks) →
the capability maps the header and validates the rows as one polars frame, collecting one error
per broken rule with :func:`collect_errors` (``{"row", "field", "rule", "message"}``) → in one
transaction :func:`resolve_subjects` matches or creates the subjects set-based → the capability
writes its rows (:func:`insert_frame`: COPY on PostgreSQL, ``executemany`` on SQLite, ids from
:func:`reserve_ids`) → the batch row carries the import report. Modes (``IMPORT_MODES``):
``all_or_nothing`` (any error: nothing written, the rejected batch is still recorded) or
``skip_bad_rows``.

Moved here from ``records.importer`` (which re-exports the old names) so that a second importer
is never written; behaviour is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import polars as pl
from django.db import connection
from django.utils import timezone

from jointcredit.audit.services import audit_record
from jointcredit.common.bulk import bulk_insert
from jointcredit.common.errors import DomainError, ValidationFailed
from jointcredit.subjects.identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER, IdType
from jointcredit.subjects.models import Subject, SubjectAlias, SubjectKind
from jointcredit.subjects.selectors import subject_find_by_org_code
from jointcredit.subjects.services import _region_of, subject_match_or_create, subject_rename

ALL_OR_NOTHING = "all_or_nothing"
SKIP_BAD_ROWS = "skip_bad_rows"
IMPORT_MODES = {ALL_OR_NOTHING: "全部成功才导入", SKIP_BAD_ROWS: "跳过错误行"}
ERROR_CAP = 10_000
# Above this many unknown subjects in one batch, they are created set-based (one summary audit
# row) instead of one ``subject_match_or_create`` call (and audit row) each.
BULK_SUBJECT_THRESHOLD = 300

Check = tuple[str, str, pl.Expr, pl.Expr]  # (field, rule or "@column", condition, message)


def collect_errors(df: pl.DataFrame, checks: list[Check], *, cap: int = ERROR_CAP) -> tuple[list[dict], int, set[int]]:
    """Evaluate ``checks`` over ``df`` (must have ``_row``): conditions for every row (cheap
    booleans), messages formatted for the bad rows only. A rule of ``"@col"`` takes the rule name
    from column ``col``. Returns (errors ``{"row","field","rule","message"}`` with the message
    prefixed by "第 N 行：", capped at ``cap``; the total error count; the rejected row numbers)."""
    if not checks or df.height == 0:
        return [], 0, set()
    flags = df.select(pl.col("_row"), *[cond.fill_null(False).alias(f"_b{i}") for i, (_, _, cond, _) in
                                         enumerate(checks)])
    bad_rows = flags.filter(pl.any_horizontal([pl.col(f"_b{i}") for i in range(len(checks))])).get_column("_row")
    if not bad_rows.len():
        return [], 0, set()
    sub = df.filter(pl.col("_row").is_in(bad_rows.implode()))
    exprs = []
    for i, (code, rule, cond, msg) in enumerate(checks):
        rule_expr = pl.col(rule[1:]) if rule.startswith("@") else pl.lit(rule)
        exprs.append(pl.when(cond.fill_null(False)).then(pl.struct(
            pl.lit(code).alias("field"), rule_expr.alias("rule"), msg.alias("message"),
            pl.lit(i).alias("order"))).otherwise(None).alias(f"_e{i}"))
    bad = sub.select(pl.col("_row"), *exprs)
    errors_df = (bad.unpivot(index="_row", on=[f"_e{i}" for i in range(len(checks))]).drop_nulls("value")
                 .unnest("value").sort(["_row", "order"]))
    errors = [{"row": row, "field": fld, "rule": rule, "message": f"第 {row} 行：{message}"}
              for row, fld, rule, message in errors_df.head(cap).select("_row", "field", "rule", "message").iter_rows()]
    return errors, errors_df.height, set(bad_rows.to_list())


def raise_if_errors(errors: list[dict]) -> None:
    if errors:
        raise ValidationFailed(f"共 {len(errors)} 处错误，未导入任何数据（全部成功才导入）。第一处：{errors[0]['message']}",
                               details=errors)


# --- subjects -----------------------------------------------------------------------------------

def resolve_subjects(df: pl.DataFrame, *, actor, batch, source: str, batch_type: str = "records.importbatch",
                     unmatched_field: str = "subject") -> tuple[pl.DataFrame, list[dict]]:
    """Attach ``subject_id`` to every row: identifier first, then alias; legacy rows without a USCC
    by 组织机构代码/工商注册号; unknown subjects are created; a different name is a 名称变更.

    ``df`` columns: ``_row``, ``subject_identifier``, ``subject_kind``, ``subject_name``, ``id_type``,
    ``id_number``, ``uscc`` and optionally ``_org_code``/``_reg_no`` (legacy rows whose
    ``subject_identifier`` is empty). ``batch`` is the importer's batch row (its ``pk`` and
    ``batch_type`` label the summary audit row of a bulk subject creation); ``unmatched_field``
    names the column reported when a legacy row matches no subject.
    Returns the rows that have a subject (inner join) and one error per row that has none."""
    errors: list[dict] = []
    for col in ("_org_code", "_reg_no"):
        if col not in df.columns:
            df = df.with_columns(pl.lit("", dtype=pl.String).alias(col))
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
            errors.append({"row": row["_row"], "field": unmatched_field,
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
    for ident, pk, name, merged in rows_where_in(Subject, ["identifier", "id", "name", "merged_into_id"],
                                                  "identifier", identifiers):
        known[ident] = (merged or pk, name)
    missing = [i for i in identifiers if i not in known]
    if missing:
        aliases = rows_where_in(SubjectAlias, ["value", "subject_id"], "value", missing)
        names = dict(Subject.objects.filter(pk__in={pk for _, pk in aliases}).values_list("id", "name"))
        for value, pk in aliases:
            known.setdefault(value, (pk, names.get(pk, "")))
    unknown = wanted.filter(~pl.col("subject_identifier").is_in(list(known)))
    if unknown.height > BULK_SUBJECT_THRESHOLD:
        known.update(_subjects_bulk_create(unknown, actor=actor, batch=batch, source=source,
                                                batch_type=batch_type))
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


def _subjects_bulk_create(unknown: pl.DataFrame, *, actor, batch, source: str,
                          batch_type: str) -> dict[str, tuple[int, str]]:
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
    ids = reserve_ids(Subject, len(rows))
    bulk_insert(Subject._meta.db_table, ["id", *cols], ((pk, *row) for pk, row in zip(ids, rows)))
    out = {row[2]: (pk, row[3]) for pk, row in zip(ids, rows)}
    for ident, (pk, _) in out.items():
        if ident.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":"):
            SubjectAlias.objects.get_or_create(id_type=IdType.RESIDENT_ID, value=ident.split(":", 1)[1],
                                               defaults={"subject_id": pk, "source": "个体工商户经营者"})
    audit_record(actor=actor, action="subject.bulk_create", object_type=batch_type,
                 object_id=str(batch.pk) if batch else "", object_repr=source[:255],
                 after={"count": len(out), "source": source})
    return out


def rows_where_in(model, columns: list[str], field: str, values: list) -> list[tuple]:
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
    for chunk in chunks(values, 5_000):
        out.extend(model.objects.filter(**{f"{field}__in": chunk}).values_list(*columns))
    return out


def chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- writing ------------------------------------------------------------------------------------

def reserve_ids(model, n: int) -> list[int]:
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
            # sql-vetted: table and column names come from model metadata, quoted with quote_name
            with cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                step = 100_000
                for start in range(0, frame.height, step):
                    copy.write(frame.slice(start, step).write_csv(include_header=False, null_value=""))
        return frame.height
    texts = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    return bulk_insert(table, columns, texts.iter_rows())


def db_datetime(value: datetime) -> str:
    """A datetime as the backend stores it (SQLite: naive UTC text; PostgreSQL: with offset)."""
    return str(connection.ops.adapt_datetimefield_value(value))
