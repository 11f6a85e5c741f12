"""双公示 records and their publication history: partitioned by id range on PostgreSQL (ADR 0049).

(department, 文书号) stays unique through the importer's and the services' per-department lock;
the database keeps a plain index of the same name (a unique index must contain the partition key).
"""

from django.db import migrations

from jointcredit.common.migration_ops import partition_table

RECORDS_STEP = 5_000_000
HISTORY_STEP = 10_000_000


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("records", "0006_backfill_publication_status_history")]

    operations = [
        partition_table("records_penalty", key="id", time_column="created_at", step=RECORDS_STEP),
        partition_table("records_license", key="id", time_column="created_at", step=RECORDS_STEP),
        partition_table(
            "records_recordpublicationchange", key="id", time_column="recorded_at", step=HISTORY_STEP
        ),
    ]
