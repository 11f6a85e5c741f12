"""`jointcredit grade`: grade every subject set-based (nightly), or regrade a few incrementally."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from jointcredit.common.errors import DomainError


class Command(BaseCommand):
    help = "全量计算信用等级（集合运算、批量写入），或按 --subjects 增量重算指定主体及其关联人。"

    def add_arguments(self, parser):
        parser.add_argument("--on", help="评价基准日 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--subjects", nargs="*", help="只重算这些主体（统一社会信用代码/证件号码）及其关联人"
        )
        parser.add_argument("--feed", action="store_true", help="只处理事件流中新的双公示记录事件")

    def handle(self, *args, **o):
        from jointcredit.grading.feed import grading_consume_feed
        from jointcredit.grading.services import grade_bulk, grade_recompute_for
        from jointcredit.subjects.selectors import subject_get

        try:
            on = date.fromisoformat(o["on"]) if o["on"] else None
        except ValueError:
            raise CommandError("--on 必须是 YYYY-MM-DD 格式的日期。") from None
        if o["feed"]:
            self.stdout.write(f"事件流：{grading_consume_feed()}")
            return
        if o["subjects"]:
            try:
                ids = [subject_get(i).pk for i in o["subjects"]]
            except DomainError as exc:
                raise CommandError(exc.message) from None
            t0 = time.perf_counter()
            r = grade_recompute_for(ids, on=on)
            self.stdout.write(
                f"增量重算：涉及主体 {r.touched} 个（新评级 {r.created}，变化 {r.changed}），"
                f"{time.perf_counter() - t0:.3f}s"
            )
            self.stdout.write(f"touched={r.touched}")
            return
        run = grade_bulk(on=on, stdout=self.stdout)
        rate = run.subjects / run.seconds if run.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"全量评级完成：{run.subjects:,} 个主体，评分信息 {run.inputs:,} 条，新评级 {run.created:,}，"
                f"等级或得分变化 {run.changed:,}，仅说明变化 {run.explanation_updated:,}；"
                f"{run.seconds:.1f}s，{rate:,.0f} 主体/秒；分布 {run.distribution}"
            )
        )
        self.stdout.write(f"subjects_per_second={rate:.1f}")
