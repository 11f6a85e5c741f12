"""Bulk insert for large loads (demo data, imports): PostgreSQL COPY, batched INSERTs elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def bulk_insert(
    table: str, columns: Sequence[str], rows: Iterable[Sequence], *, batch_size: int = 5000
) -> int:
    """Insert plain tuples into ``table``. Identifiers come from our own model metadata, never input."""
    count = 0
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # sql-vetted: table and column names come from model metadata, quoted with quote_name
            with cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({placeholders})"  # noqa: S608 - metadata only
        batch: list[Sequence] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def reset_sequence(model) -> None:
    """After inserting explicit ids, move the PostgreSQL sequence past them."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)
