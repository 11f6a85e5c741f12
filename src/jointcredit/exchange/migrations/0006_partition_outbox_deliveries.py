"""Outbox events and webhook deliveries: partitioned by month of the time-ordered event id on
PostgreSQL (ADR 0049). A delivery's partition is its event's month, so both age out together.

``position`` stays unique by construction (one sequencer under an advisory lock numbers
max + 1, 2, …); the database keeps a plain index of the same name for the feed's range scans.
"""

from django.db import migrations

from jointcredit.common.migration_ops import partition_table


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("exchange", "0005_feedback_recorded_check")]

    operations = [
        partition_table("exchange_outboxevent", key="id", time_column="occurred_at", months=1),
        partition_table("exchange_delivery", key="event_id", time_column="created_at", months=1),
    ]
