"""`jointcredit extract [--date D] [--force]`: build the public extract of a date now (ADR 0031)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from jointcredit.common import clock
from jointcredit.common.extracts import extract_build


class Command(BaseCommand):
    help = "生成公开数据包（红黑名单、双公示的 CSV 与 JSON Lines 及 SHA256SUMS）；同一日期只生成一次。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="数据日期 YYYY-MM-DD，默认昨天（已结束的一天）")
        parser.add_argument("--force", action="store_true", help="该日期的数据包已存在时重新生成并替换")

    def handle(self, *args, **options):
        if options["date"]:
            try:
                as_of = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['date']}") from exc
        else:
            as_of = clock.today() - timedelta(days=1)
        if as_of > clock.today():
            raise CommandError(f"数据日期 {as_of} 晚于今天，不能生成。")
        extract = extract_build(as_of=as_of, force=options["force"])
        verb = "已生成" if extract.built else "已存在，未重新生成（需要时加 --force）"
        self.stdout.write(f"{as_of} 公开数据包{verb}：{extract.path}")
        for f in extract.files:
            self.stdout.write(f"  {f.name}  {f.rows} 行  {f.bytes} 字节  sha256 {f.sha256}")
