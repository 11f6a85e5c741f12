"""`jointcredit platform-simulator`: play the upstream platform over the exchange database, or
(``--http PORT``) serve its signed HTTPS API (plain HTTP on this machine, ``simulator_http``)."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from jointcredit.common import clock
from jointcredit.platforms import exchange_db
from jointcredit.platforms.simulator import PlatformSimulator


class Command(BaseCommand):
    help = "模拟上级信用平台：读取前置库上报数据并写回执，按需下发名单条目、移出和修复。"

    def add_arguments(self, parser):
        parser.add_argument("--platform", default="jinan", help="平台代码（与“上级平台”配置一致）")
        parser.add_argument("--once", action="store_true", help="只处理一轮后退出")
        parser.add_argument("--interval", type=float, default=2.0, help="轮询间隔（秒）")
        parser.add_argument("--slow", type=float, default=0.0, help="每批处理前等待的秒数（模拟慢速平台）")
        parser.add_argument("--down", action="store_true", help="停机：不回执、不下发")
        parser.add_argument("--duplicate", action="store_true", help="每个回执、每个下发事项都重复两次")
        parser.add_argument(
            "--issue", nargs=4, metavar=("MD_LX", "标识", "名称", "文号"), help="下发一条名单条目"
        )
        parser.add_argument(
            "--end", nargs=2, metavar=("MD_BH", "removal|repair|correction"), help="下发移出/修复/更正"
        )
        parser.add_argument(
            "--http", type=int, metavar="PORT", help="改为在本机该端口提供平台接口（签名 JSON）"
        )
        parser.add_argument(
            "--key-env", default="PLATFORM_JINAN_KEY", help="签名密钥所在的环境变量名（与平台配置一致）"
        )

    def handle(self, *args, **opts):
        server = None
        sim = PlatformSimulator(
            opts["platform"], slow=opts["slow"], down=opts["down"], duplicate=opts["duplicate"]
        )
        if opts["http"] is not None:
            from jointcredit.platforms.simulator_http import MemoryTables, SimulatorServer

            key = os.environ.get(opts["key_env"], "")
            if not key:
                raise CommandError(f"环境变量 {opts['key_env']} 未设置：平台接口需要与本区约定的签名密钥。")
            sim.store = MemoryTables()
            server = SimulatorServer(sim, key.encode(), port=opts["http"])
        else:
            exchange_db.schema_ensure()
        if opts["issue"]:
            code, identifier, name, doc = opts["issue"]
            today = clock.today()
            key = sim.issue_entry(
                list_code=code,
                identifier=identifier,
                name=name,
                subject_kind_label="自然人" if identifier[:17].isdigit() else "法人及非法人组织",
                document_no=doc,
                decided_on=today,
                valid_until=today + timedelta(days=1095),
                reason="上级平台认定",
            )
            self.stdout.write(f"已下发 {key}")
        if opts["end"]:
            target, kind = opts["end"]
            if kind not in ("removal", "repair", "correction"):
                raise CommandError("类别必须是 removal、repair 或 correction。")
            self.stdout.write(f"已下发 {sim.issue_end(target_key=target, kind=kind)}")
        if server is not None:
            self.stdout.write(f"模拟平台接口：{server.url}（按 Ctrl+C 停止）")
            server.serve_forever()
            return
        while True:
            counts = sim.answer()
            if counts["accepted"] or counts["rejected"]:
                self.stdout.write(f"回执：接收 {counts['accepted']}，退回 {counts['rejected']}")
            if opts["once"]:
                return
            time.sleep(opts["interval"])
