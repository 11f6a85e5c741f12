"""The single sequencer: gives committed outbox rows their feed positions (ADR 0004).

Writers insert events with ``position`` NULL inside their business transaction. Positions are
assigned here, *after* commit, one sequencer at a time (PostgreSQL advisory lock; SQLite already
serialises writers). A row only becomes visible to this step once its transaction has committed,
so a transaction that commits late simply receives a later position: the feed order is the order
of visibility, and a reader polling ``after=<position>`` can never miss an event. Each step is one
transaction, so a reader sees either none or all of the positions it assigned: no gaps.
"""

from __future__ import annotations

from django.db import connection, transaction

from jointcredit.common import clock

from .models import OutboxEvent

# Arbitrary constant (distinct from the audit chain's key) for pg_advisory_xact_lock.
SEQUENCER_LOCK_KEY = 724_011_3001
DEFAULT_BATCH = 5000

_TABLE = OutboxEvent._meta.db_table
# One statement numbers a batch: max(position) + row_number() in (occurred_at, id) order. Works on
# PostgreSQL and SQLite ≥ 3.33 (UPDATE … FROM). Table name is a constant, not user input.
_ASSIGN_SQL = f"""
UPDATE {_TABLE} SET position = todo.pos, sequenced_at = %s
FROM (
    SELECT id, (SELECT COALESCE(MAX(position), 0) FROM {_TABLE})
               + ROW_NUMBER() OVER (ORDER BY occurred_at, id) AS pos
    FROM {_TABLE} WHERE position IS NULL ORDER BY occurred_at, id LIMIT %s
) AS todo
WHERE {_TABLE}.id = todo.id
"""  # noqa: S608


def _lock(*, wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE already made us the only writer
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEQUENCER_LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEQUENCER_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def has_unsequenced() -> bool:
    return OutboxEvent.objects.filter(position__isnull=True).exists()


def sequence_step(*, limit: int = DEFAULT_BATCH, wait: bool = True) -> int:
    """Number up to ``limit`` committed unsequenced events. Returns how many were numbered.

    ``wait=False`` is for the feed request path: if another sequencer is running, it is making
    progress for us, so a reader never queues behind it.
    """
    if not has_unsequenced():  # cheap (partial index) and keeps SQLite readers off the write lock
        return 0
    with transaction.atomic():
        if not _lock(wait=wait):
            return 0
        with connection.cursor() as cursor:
            cursor.execute(_ASSIGN_SQL, [clock.now(), limit])
            return max(cursor.rowcount, 0)


def sequence_all(*, batch: int = DEFAULT_BATCH, max_batches: int = 100) -> int:
    total = 0
    for _ in range(max_batches):
        n = sequence_step(limit=batch)
        total += n
        if n < batch:
            break
    return total
