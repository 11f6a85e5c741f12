"""The audit chain: partitioned by ``seq`` range on PostgreSQL (ADR 0049). Never archived by the
retention upkeep: verification walks the chain from its first row."""

from django.db import migrations

from jointcredit.common.migration_ops import partition_table


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("audit", "0003_reseal_keyed_chain")]

    operations = [
        partition_table(
            "audit_auditevent", key="seq", time_column="created_at", step=10_000_000, archivable=False
        ),
    ]
