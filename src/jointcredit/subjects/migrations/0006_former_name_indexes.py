"""Indexes for matching by former name (issue #20 §1, ADR 0041).

* ``subject_old_name_idx`` (btree, both databases): exact lookups of a former name (natural persons).
* ``subject_old_name_trgm`` (PostgreSQL only): pg_trgm GIN over ``UPPER(old_name)``, the twin of the
  portal's ``subject_name_trgm`` on current names, for the matcher's word-similarity candidates.
  The extension is created by migration 0002. SQLite: no-op (the matcher's portable fallback scans).
"""

from django.db import migrations, models

from jointcredit.common.migration_ops import postgresql_only_sql

FORWARD = [
    "CREATE INDEX IF NOT EXISTS subject_old_name_trgm ON subjects_subjectnamechange "
    "USING gin (UPPER(old_name::text) gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS subject_old_name_trgm"]


class Migration(migrations.Migration):
    dependencies = [("subjects", "0005_contact_phone_and_end")]

    operations = [
        migrations.AddIndex(
            model_name="subjectnamechange",
            index=models.Index(fields=["old_name"], name="subject_old_name_idx"),
        ),
        postgresql_only_sql(FORWARD, BACKWARD),
    ]
