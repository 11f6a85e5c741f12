"""Declarative range partitioning of the tables that grow without bound, on PostgreSQL (ADR 0049).

A partitioned table is described by the table itself, so that the upkeep needs no list kept by
hand: the migration that converts it (``partition_by_range``) leaves a comment on the parent,
``jointcredit:partitions key=<column> step=<n>|months=<n> time=<column> archive=<0|1>``, and
everything here reads the layout back from PostgreSQL's catalogue.

Two kinds of key:
- a ``bigint`` id (records, status history, recorded checks, the audit chain's ``seq``): ranges of
  ``step`` ids — "position ranges" — so that the id alone stays the primary key (PostgreSQL wants
  the partition key in every unique constraint);
- a time-ordered UUID (UUID version 7 layout: the outbox's event ids, and the deliveries' event id):
  ranges of calendar months, bounds made of the month's first millisecond. Ids that are not
  time-ordered land in the table's DEFAULT partition.

Converting an existing table does not copy it: the old table is attached as the first partition
(``<table>_legacy``, every key below the first range), which costs one validating scan instead of
a rewrite and twice the disk. SQLite keeps plain tables; every function here is a no-op there.
"""

from __future__ import annotations

import gzip
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from . import clock

MARK = "jointcredit:partitions"
AHEAD = 2  # ranges kept ready beyond the one now being filled
_COMMENT_RE = re.compile(r"(\w+)=(\S+)")


@dataclass(frozen=True)
class Layout:
    """How one parent table is partitioned (read from its comment)."""

    table: str
    key: str
    step: int | None  # ids per range (bigint key)
    months: int | None  # months per range (UUID version 7 key)
    time_column: str
    archivable: bool


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    lower: str | None  # None: MINVALUE (the legacy partition) or the DEFAULT partition
    upper: str | None
    is_default: bool
    rows: int  # planner estimate (reltuples), -1 if never analysed
    size: int  # bytes, with indexes and TOAST


def enabled() -> bool:
    return connection.vendor == "postgresql"


# --- the conversion (migrations) -----------------------------------------------------------------


def partition_by_range(
    schema_editor,
    *,
    table: str,
    key: str,
    time_column: str,
    step: int | None = None,
    months: int | None = None,
    archivable: bool = True,
    now: datetime | None = None,
) -> None:
    """Turn ``table`` into a range-partitioned table of the same name, in place, on PostgreSQL.

    Indexes, constraints, foreign keys in and out, the identity sequence and its position survive
    under their names; the existing rows become the partition ``<table>_legacy``. A unique
    constraint without the key cannot be enforced across partitions (PostgreSQL's rule): it becomes
    a plain index of the same name and the writer keeps the rule (ADR 0049 lists which). Idempotent:
    an already partitioned table is left alone."""
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    if (step is None) == (months is None):
        raise ValueError("partition_by_range: exactly one of step (ids) or months (UUID v7)")
    with conn.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cur.fetchone()
        if row is None or row[0] == "p":
            return
        q = conn.ops.quote_name
        legacy = f"{table}_legacy"
        # Deferred foreign-key checks of rows written earlier in this transaction would block the
        # ALTERs ("pending trigger events"): check them now.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(f"LOCK TABLE {q(table)} IN ACCESS EXCLUSIVE MODE")
        # What the parent must carry: constraints (p, u, f, c) and the plain indexes.
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), conindid::regclass::text,"
            " (SELECT array_agg(attname ORDER BY array_position(conkey, attnum)) FROM pg_attribute"
            "   WHERE attrelid = conrelid AND attnum = ANY(conkey))"
            " FROM pg_constraint WHERE conrelid = %s::regclass AND conparentid = 0"
            " ORDER BY contype DESC, conname",
            [table],
        )
        constraints = cur.fetchall()
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = %s::regclass AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
            [table],
        )
        plain_indexes = cur.fetchall()
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND confrelid = %s::regclass AND conrelid <> confrelid"
            " AND conparentid = 0",
            [table],
        )
        incoming = cur.fetchall()
        # Identity columns (the id, also when the key is another column, e.g. deliveries' event_id)
        # and where their sequences stand.
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            "SELECT attname, attidentity FROM pg_attribute WHERE attrelid = %s::regclass"
            " AND attidentity <> '' AND NOT attisdropped",
            [table],
        )
        identities: list[tuple[str, str, int | None]] = []
        for column, kind in cur.fetchall():
            cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            seq = cur.fetchone()[0]
            cur.execute(f"SELECT last_value, is_called FROM {seq}")  # noqa: S608 - catalogue name
            last, called = cur.fetchone()
            identities.append((column, kind, last if called else last - 1))
        top = None
        if step:
            cur.execute(f"SELECT max({q(key)}) FROM {q(table)}")  # noqa: S608 - model metadata
            top = cur.fetchone()[0]

        for name, _idx in [(n, i) for n, t, _, i, _ in constraints if t in ("p", "u")]:
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"ALTER INDEX {q(_idx)} RENAME TO {q(_short(name, '_l'))}")
        for index_name, _ in plain_indexes:
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"ALTER INDEX {q(index_name)} RENAME TO {q(_short(index_name, '_l'))}")
        for name, referrer, _definition in incoming:
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"ALTER TABLE {q(referrer)} DROP CONSTRAINT {q(name)}")
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(f"ALTER TABLE {q(table)} RENAME TO {q(legacy)}")
        for column, _, _ in identities:
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"ALTER TABLE {q(legacy)} ALTER COLUMN {q(column)} DROP IDENTITY")
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            f"CREATE TABLE {q(table)} (LIKE {q(legacy)} INCLUDING DEFAULTS INCLUDING STORAGE"
            f" INCLUDING COMMENTS) PARTITION BY RANGE ({q(key)})"
        )
        for column, kind, position in identities:
            generated = "ALWAYS" if kind == "a" else "BY DEFAULT"
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(
                f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} ADD GENERATED {generated} AS IDENTITY"
            )
            if position:
                cur.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s)", [table, column, position])
        for name, contype, definition, _idx, columns in constraints:
            if contype in ("p", "u") and key not in (columns or []):
                if contype == "p":  # the key joins the primary key (deliveries: (id, event_id))
                    cols = ", ".join(q(c) for c in [*columns, key])
                    # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
                    cur.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} PRIMARY KEY ({cols})")
                    # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
                    cur.execute(f"ALTER TABLE {q(legacy)} DROP CONSTRAINT {q(_short(name, '_l'))}")
                else:  # kept by the writer (ADR 0049); a plain index of the same name serves lookups
                    cols = ", ".join(q(c) for c in columns)
                    # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
                    cur.execute(f"CREATE INDEX {q(name)} ON {q(table)} ({cols})")
                    # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
                    cur.execute(f"ALTER TABLE {q(legacy)} DROP CONSTRAINT {q(_short(name, '_l'))}")
                continue
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        for index_name, definition in plain_indexes:
            # pg_get_indexdef names the old table and index: rewrite both for the parent.
            definition = definition.replace(" CONCURRENTLY", "")
            head, _, rest = definition.partition(" ON ")
            rest = rest.split(" USING ", 1)[1]
            unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"CREATE {unique}INDEX {q(index_name)} ON {q(table)} USING {rest}")
        if step:  # every id up to the highest in use; the ranges start right above it
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(
                f"ALTER TABLE {q(table)} ATTACH PARTITION {q(legacy)} FOR VALUES FROM (MINVALUE) TO (%s)",
                [(top or 0) + 1],
            )
            # Ids beyond the ranges made ahead (an upkeep that did not run) wait here; the next
            # upkeep moves them into their range (partition_create).
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"CREATE TABLE {q(table + '_default')} PARTITION OF {q(table)} DEFAULT")
        else:
            # UUID keys: older rows may carry random (version 4) ids anywhere in the key space, so
            # the old table becomes the DEFAULT partition; creating the current month's range moves
            # that month's rows out of it (partition_create).
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {q(legacy)} DEFAULT")
        for name, referrer, definition in incoming:
            # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
            cur.execute(f"ALTER TABLE {q(referrer)} ADD CONSTRAINT {q(name)} {definition}")
        spec = f"step={step}" if step else f"months={months}"
        comment = f"{MARK} key={key} {spec} time={time_column} archive={int(archivable)}"
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(f"COMMENT ON TABLE {q(table)} IS %s", [comment])
    _ensure_table(layout_of(table, using=conn), now=now, using=conn)


def _short(name: str, suffix: str) -> str:
    """PostgreSQL cuts identifiers at 63 bytes: keep the suffix."""
    return name[: 63 - len(suffix)] + suffix


# --- layout and upkeep ---------------------------------------------------------------------------


def layout_of(table: str, *, using=None) -> Layout | None:
    conn = using or connection
    with conn.cursor() as cur:
        cur.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [table])
        row = cur.fetchone()
    comment = (row or [None])[0] or ""
    if not comment.startswith(MARK):
        return None
    fields = dict(_COMMENT_RE.findall(comment))
    return Layout(
        table=table,
        key=fields["key"],
        step=int(fields["step"]) if "step" in fields else None,
        months=int(fields["months"]) if "months" in fields else None,
        time_column=fields.get("time", ""),
        archivable=fields.get("archive", "1") == "1",
    )


def layouts() -> list[Layout]:
    """Every table partitioned by a migration of ours."""
    if not enabled():
        return []
    with connection.cursor() as cur:
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
            " WHERE obj_description(c.oid, 'pg_class') LIKE %s ORDER BY c.relname",
            [MARK + "%"],
        )
        names = [r[0] for r in cur.fetchall()]
    return [layout for name in names if (layout := layout_of(name)) is not None]


def partitions_of(table: str, *, using=None) -> list[Partition]:
    conn = using or connection
    with conn.cursor() as cur:
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint,"
            " pg_total_relation_size(c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(%s)",
            [table],
        )
        rows = cur.fetchall()
    out = []
    for name, bound, tuples, size in rows:
        lower, upper = _bounds(bound)
        out.append(Partition(table, name, lower, upper, bound == "DEFAULT", int(tuples), int(size)))
    return sorted(out, key=lambda p: (p.is_default, p.lower is not None, _sortable(p.lower)))


def _sortable(value: str | None):
    if value is None:
        return (0, "")
    return (1, value.zfill(40)) if value.isdigit() else (1, value)


def _bounds(expr: str) -> tuple[str | None, str | None]:
    m = re.match(r"FOR VALUES FROM \((.+)\) TO \((.+)\)", expr or "")
    if not m:
        return None, None

    def clean(v: str) -> str | None:
        return None if v == "MINVALUE" else v.strip("'")

    return clean(m.group(1)), clean(m.group(2))


def partitions_ensure(*, now: datetime | None = None) -> list[str]:
    """Create the ranges ahead for every partitioned table (the scheduled upkeep). Returns the
    names of the partitions created."""
    created: list[str] = []
    for layout in layouts():
        created += _ensure_table(layout, now=now, using=connection)
    return created


def partitions_ensure_upto(table: str, key: int) -> list[str]:
    """Ranges for every id up to ``key`` of a bigint-keyed table, before a bulk load writes them
    (a load must not pile up in the DEFAULT partition)."""
    if not enabled():
        return []
    return _ensure_table(layout_of(table), now=None, using=connection, upto=key)


def _ensure_table(
    layout: Layout | None, *, now: datetime | None, using, upto: int | None = None
) -> list[str]:
    if layout is None:
        return []
    parts = partitions_of(layout.table, using=using)
    ranged = [p for p in parts if p.upper is not None and not p.is_default]
    top = ranged[-1].upper if ranged else None
    if layout.step:
        return _ensure_ids(layout, top=int(top or 1), upto=upto, using=using)
    return _ensure_months(layout, top=top, now=now or clock.now(), using=using)


def _ensure_ids(layout: Layout, *, top: int, upto: int | None, using) -> list[str]:
    """Ranges of ``step`` ids up to AHEAD ranges above the highest id in use (the sequence hands
    out ids in order)."""
    step = layout.step or 1
    with using.cursor() as cur:
        q = using.ops.quote_name
        cur.execute(f"SELECT max({q(layout.key)}) FROM {q(layout.table)}")  # noqa: S608
        highest = max(cur.fetchone()[0] or 0, upto or 0)
    created = []
    upper = top
    while upper <= highest + AHEAD * step:
        lower, upper = upper, upper + step
        name = f"{layout.table}_p{lower // step:05d}"
        created.append(
            partition_create(layout.table, name=name, lower=str(lower), upper=str(upper), using=using)
        )
    return created


def _ensure_months(layout: Layout, *, top: str | None, now: datetime, using) -> list[str]:
    """This month's range and AHEAD months after it (UUID version 7 keys)."""
    months = layout.months or 1
    start = _month_start(now)
    created = []
    for i in range(AHEAD + 1):
        lower_dt = _add_months(start, months * i)
        lower = _uuid_bound(lower_dt)
        if top is not None and lower < top:
            continue
        if top is not None and lower > top:  # a gap since the last upkeep: close it first
            gap_name = f"{layout.table}_m{_from_uuid_bound(top):%Y%m}"
            created.append(partition_create(layout.table, name=gap_name, lower=top, upper=lower, using=using))
        top = _uuid_bound(_add_months(lower_dt, months))
        name = f"{layout.table}_m{lower_dt:%Y%m}"
        created.append(partition_create(layout.table, name=name, lower=lower, upper=top, using=using))
    return created


def partition_create(table: str, *, name: str, lower: str, upper: str, using=None) -> str:
    """One range partition. Rows of that range already in the DEFAULT partition (ids written while
    the upkeep was not running) are moved into it first: PostgreSQL refuses the range otherwise."""
    conn = using or connection
    q = conn.ops.quote_name
    default = next((p.name for p in partitions_of(table, using=conn) if p.is_default), None)
    layout = layout_of(table, using=conn)
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            f"CREATE TABLE {q(name)} (LIKE {q(table)}"
            " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        if default and layout is not None:
            key = q(layout.key)
            # sql-vetted: names from the catalogue, bounds as parameters
            cur.execute(
                f"WITH moved AS (DELETE FROM {q(default)} WHERE {key} >= %s AND {key} < %s RETURNING *)"  # noqa: S608
                f" INSERT INTO {q(name)} SELECT * FROM moved",
                [lower, upper],
            )
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(
            f"ALTER TABLE {q(table)} ATTACH PARTITION {q(name)} FOR VALUES FROM (%s) TO (%s)", [lower, upper]
        )
    return name


# --- retention: detach and archive ---------------------------------------------------------------


def archivable(layout: Layout, *, before: datetime) -> list[Partition]:
    """Partitions whose every row's time is before ``before`` and which are not the live edge:
    never the newest ranged partition, never the DEFAULT partition, never an empty one."""
    if not layout.archivable or not layout.time_column:
        return []
    parts = [p for p in partitions_of(layout.table) if not p.is_default]
    out = []
    q = connection.ops.quote_name
    for part in parts[:-1]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT max({q(layout.time_column)}), count(*) > 0 FROM {q(part.name)}")  # noqa: S608
            newest, has_rows = cur.fetchone()
        if has_rows and newest is not None and newest < before:
            out.append(part)
    return out


def partition_archive(*, table: str, name: str, directory: Path) -> Path:
    """Detach ``name`` from ``table``, write its rows as gzip-compressed COPY text (with a header)
    to ``directory/<name>.csv.gz``, then drop it. The live partitions are not touched: detaching
    takes a brief lock on the parent only. The file is written and flushed before the drop, in
    the same transaction, so a failure leaves the partition in place."""
    q = connection.ops.quote_name
    if name not in {p.name for p in partitions_of(table) if not p.is_default}:
        raise ValueError(f"{name} 不是 {table} 的分区")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.csv.gz"
    partial = target.with_suffix(".gz.partial")
    with transaction.atomic(), connection.cursor() as cur:
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(f"ALTER TABLE {q(table)} DETACH PARTITION {q(name)}")
        with (
            gzip.open(partial, "wb") as out,
            # sql-vetted: the partition's name from the catalogue, quoted
            cur.copy(f"COPY {q(name)} TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        shutil.move(partial, target)
        # sql-vetted: quoted catalogue/metadata identifiers; values as parameters
        cur.execute(f"DROP TABLE {q(name)}")
    return target


# --- UUID version 7 bounds -----------------------------------------------------------------------


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _month_start(moment: datetime) -> datetime:
    local = moment.astimezone(_local_zone())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _add_months(moment: datetime, n: int) -> datetime:
    month = moment.month - 1 + n
    return moment.replace(year=moment.year + month // 12, month=month % 12 + 1)


def _uuid_bound(moment: datetime) -> str:
    """The smallest UUID version 7 of ``moment``'s millisecond (text form, as PostgreSQL prints)."""
    ms = int(moment.timestamp() * 1000)
    h = f"{ms:012x}" + "0" * 20
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _from_uuid_bound(bound: str) -> datetime:
    ms = int(bound.replace("-", "")[:12], 16)
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(_local_zone())
