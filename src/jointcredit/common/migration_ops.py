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
