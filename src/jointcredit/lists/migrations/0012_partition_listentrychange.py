"""Status history of list entries: partitioned by id range on PostgreSQL (ADR 0049)."""

from django.db import migrations

from jointcredit.common.migration_ops import partition_table


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("lists", "0011_entry_responsible_persons")]

    operations = [
        partition_table("lists_listentrychange", key="id", time_column="recorded_at", step=10_000_000),
    ]
