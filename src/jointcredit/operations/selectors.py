"""Reads of the operations app: partitions and schedules for the workbench and the command."""

from __future__ import annotations

from dataclasses import dataclass

from jointcredit.common import partitions

from .models import Schedule


@dataclass(frozen=True)
class TableView:
    layout: partitions.Layout
    parts: list[partitions.Partition]

    @property
    def rows(self) -> int:
        return sum(max(p.rows, 0) for p in self.parts)

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)


def partition_tables() -> list[TableView]:
    """Every partitioned table with its partitions (empty on SQLite)."""
    return [TableView(layout, partitions.partitions_of(layout.table)) for layout in partitions.layouts()]


def schedule_list() -> list[Schedule]:
    return list(Schedule.objects.all())
