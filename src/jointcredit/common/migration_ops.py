"""Migration operations shared by the apps' migrations (kept small and stable: migrations import it)."""

from __future__ import annotations

from django.db import migrations


def postgresql_only_sql(forward: list[str], backward: list[str]) -> migrations.RunPython:
    """Raw SQL that only PostgreSQL needs (pg_trgm and expression indexes for the portal search);
    a no-op on SQLite, where the same queries simply scan."""

    def run(statements):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            for sql in statements:
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)


def partition_table(
    table: str,
    *,
    key: str,
    time_column: str,
    step: int | None = None,
    months: int | None = None,
    archivable: bool = True,
) -> migrations.RunPython:
    """Range-partition an existing table in place on PostgreSQL (common.partitions, ADR 0049); a
    no-op on SQLite. Backwards it leaves the table partitioned (forwards is idempotent)."""

    def apply(apps, schema_editor):
        from .partitions import partition_by_range

        partition_by_range(
            schema_editor,
            table=table,
            key=key,
            time_column=time_column,
            step=step,
            months=months,
            archivable=archivable,
        )

    return migrations.RunPython(apply, migrations.RunPython.noop, elidable=False)
