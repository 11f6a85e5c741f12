"""Recorded checks: partitioned by id range on PostgreSQL (ADR 0049); feedback keeps its foreign
key to them (PostgreSQL ≥ 12 lets a foreign key reference a partitioned table)."""

from django.db import migrations

from jointcredit.common.migration_ops import partition_table


class Migration(migrations.Migration):
    atomic = True
    dependencies = [
        ("measures", "0007_measure_shareholder_reach"),
        ("exchange", "0005_feedback_recorded_check"),
    ]

    operations = [
        partition_table("measures_recordedcheck", key="id", time_column="created_at", step=10_000_000),
    ]
