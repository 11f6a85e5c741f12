"""Portal search indexes (PostgreSQL only; ADR 0005, docs/portal.md).

* ``subject_name_trgm``: pg_trgm GIN over ``UPPER(name)`` — serves ``name__icontains`` (Django
  emits ``UPPER(name::text) LIKE UPPER('%q%')``) for fragments of three characters or more.
* ``subject_name_c``: btree over ``name COLLATE "C"`` — serves the portal's result order and, for
  one- and two-character queries (which trigrams cannot serve), ``name LIKE 'q%'`` as an index
  range in that same order.

``CREATE EXTENSION pg_trgm`` needs a role allowed to create extensions (pg_trgm is a trusted
extension since PostgreSQL 13, so the database owner suffices). SQLite: no-op.
"""

from django.db import migrations

from jointcredit.common.migration_ops import postgresql_only_sql

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS subject_name_trgm ON subjects_subject USING gin (UPPER(name::text) gin_trgm_ops)",
    # C collation: serves both the LIKE 'q%' range and ORDER BY name COLLATE "C" in one index walk.
    'CREATE INDEX IF NOT EXISTS subject_name_c ON subjects_subject ((name COLLATE "C"))',
]
BACKWARD = [
    "DROP INDEX IF EXISTS subject_name_trgm",
    "DROP INDEX IF EXISTS subject_name_c",
]


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial")]

    operations = [postgresql_only_sql(FORWARD, BACKWARD)]
