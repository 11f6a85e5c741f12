"""`jointcredit partitions [list|upkeep|archive TABLE PARTITION]` (ADR 0049)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jointcredit.common import partitions
from jointcredit.common.errors import DomainError
from jointcredit.operations import selectors, services


class Command(BaseCommand):
    help = "数据分区：列出分区、提前创建分区并按保留期归档（upkeep）、归档指定分区（archive）。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "upkeep", "archive"], nargs="?", default="list")
        parser.add_argument("table", nargs="?")
        parser.add_argument("partition", nargs="?")

    def handle(self, *args, action, table, partition, **options):
        if not partitions.enabled():
            self.stdout.write("当前数据库不是 PostgreSQL：数据表未分区。")
            return
        if action == "upkeep":
            created = partitions.partitions_ensure()
            archived = services.partitions_retention_apply(actor=None)
            self.stdout.write(f"新建分区 {len(created)} 个：{'、'.join(created) or '无'}")
            self.stdout.write(f"归档分区 {len(archived)} 个：{'、'.join(archived) or '无'}")
            return
        if action == "archive":
            if not (table and partition):
                raise CommandError("用法：jointcredit partitions archive 表名 分区名")
            try:
                path = services.partition_archive(actor=None, table=table, name=partition)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"已归档到 {path}")
            return
        for view in selectors.partition_tables():
            spec = f"每 {view.layout.step:,} 个编号" if view.layout.step else f"每 {view.layout.months} 个月"
            self.stdout.write(f"{view.layout.table}（按 {view.layout.key} 分区，{spec}）")
            for p in view.parts:
                bound = "默认分区" if p.is_default else f"[{p.lower or '最小值'}, {p.upper})"
                self.stdout.write(
                    f"  {p.name:48} {bound:70} 约 {max(p.rows, 0):>12,} 行 {p.size / 2**20:>10.1f} MB"
                )
