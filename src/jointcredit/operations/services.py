"""Writes of the operations app: claiming schedule slots, archiving partitions (ADR 0049, 0050)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

from jointcredit.audit.services import audit_record
from jointcredit.common import clock, partitions
from jointcredit.common.errors import NotFound

from .models import Schedule

log = logging.getLogger("jointcredit.operations")


def schedules_tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue every due schedule once for its slot. Safe to call from any number of workers at once:
    PostgreSQL skips rows another worker holds (SKIP LOCKED), and the conditional UPDATE of the slot
    lets only one caller advance it on any database. Missed slots (no worker was running) are not
    replayed: the job runs once and the next slot is the first one after ``now``."""
    now = now or clock.now()
    enqueued = []
    with transaction.atomic():
        due = Schedule.objects.filter(is_active=True, next_due_at__lte=now)
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        for schedule in list(due):
            slot = schedule.next_due_at
            missed = int((now - slot).total_seconds() // schedule.every)
            following = slot + timedelta(seconds=schedule.every * (missed + 1))
            won = Schedule.objects.filter(pk=schedule.pk, next_due_at=slot).update(
                next_due_at=following, last_slot_at=slot, last_enqueued_at=now
            )
            if not won:
                continue
            result = import_string(schedule.task_path).enqueue(slot=slot.isoformat())
            Schedule.objects.filter(pk=schedule.pk).update(last_task_id=str(result.id))
            enqueued.append(schedule.name)
    return enqueued


def archive_directory() -> Path:
    return Path(settings.PARTITION_ARCHIVE_DIR)


def partition_archive(*, actor, table: str, name: str) -> Path:
    """Detach one partition, write it to a compressed file and drop it (office admins and the
    retention upkeep). Audited with the file's path and the rows' estimate."""
    if actor is not None:
        from jointcredit.accounts.permissions import ensure_office_admin

        ensure_office_admin(actor)
    layout = partitions.layout_of(table) if partitions.enabled() else None
    if layout is None:
        raise NotFound(f"数据表 {table} 未分区（仅 PostgreSQL 分区）。")
    if not layout.archivable:
        raise NotFound(f"数据表 {table} 的分区不归档（审计链须从第一行起验证）。")
    part = next((p for p in partitions.partitions_of(table) if p.name == name and not p.is_default), None)
    if part is None:
        raise NotFound(f"数据表 {table} 没有分区 {name}。")
    live = [p for p in partitions.partitions_of(table) if not p.is_default]
    if part == live[-1]:
        raise NotFound(f"分区 {name} 是正在写入的最新分区，不能归档。")
    with transaction.atomic():
        path = partitions.partition_archive(table=table, name=name, directory=archive_directory())
        audit_record(
            actor=actor,
            action="partition.archive",
            object_type="partition",
            object_id=name,
            object_repr=f"{table} 分区 {name}",
            before={"rows_estimate": part.rows, "bytes": part.size, "lower": part.lower, "upper": part.upper},
            after={"file": str(path)},
        )
    return path


def partitions_retention_apply(*, actor=None, now: datetime | None = None) -> list[str]:
    """Archive every partition whose rows are all older than the retention
    (``JOINTCREDIT_PARTITION_RETENTION_DAYS``; 0 keeps everything, the default)."""
    days = settings.PARTITION_RETENTION_DAYS
    if not days or not partitions.enabled():
        return []
    before = (now or clock.now()) - timedelta(days=days)
    done = []
    for layout in partitions.layouts():
        for part in partitions.archivable(layout, before=before):
            partition_archive(actor=actor, table=layout.table, name=part.name)
            done.append(part.name)
    return done
