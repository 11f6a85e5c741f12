"""Portal search of red/black list entries (lists.portal_items.list_entries_search) at scale.

* ``list_entry_document_no``: btree for the 认定文书号 equality lookup (every portal search runs it).
* ``list_entry_subject_name_trgm`` (PostgreSQL only): pg_trgm GIN over ``UPPER(subject_name)`` for
  ``subject_name__icontains``, like ``subjects.subject_name_trgm`` (the extension comes from
  subjects 0002). Measured with 10M subjects / 100k entries: without them the lists provider scanned
  every entry and joined the subjects table, 50–570 ms of a search page.
Entries are written one by one (no bulk import), so the extra index costs nothing measurable.
"""

from django.db import migrations, models

from jointcredit.common.migration_ops import postgresql_only_sql

FORWARD = [
    "CREATE INDEX IF NOT EXISTS list_entry_subject_name_trgm ON lists_listentry "
    "USING gin (UPPER(subject_name::text) gin_trgm_ops)"
]
BACKWARD = ["DROP INDEX IF EXISTS list_entry_subject_name_trgm"]


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0005_link_default_memoranda"),
        ("subjects", "0002_portal_search_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="listentry",
            index=models.Index(fields=["document_no"], name="list_entry_document_no"),
        ),
        postgresql_only_sql(FORWARD, BACKWARD),
    ]
