"""`jointcredit import penalties FILE --department CODE` (→ ``import_records penalties FILE …``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from jointcredit.accounts.models import Department, User
from jointcredit.common.errors import DomainError
from jointcredit.importing.pipeline import ImportMode, Phases
from jointcredit.records.fields import RECORD_TYPE_BY_PLURAL
from jointcredit.records.services import ImportRejected, import_report, records_import

# Share of the bar each stage completes (reading and validation dominate on large files).
_STAGES = {
    "read": (30, "读取文件"),
    "validated": (55, "校验"),
    "subjects": (70, "匹配主体"),
    "written": (100, "写入"),
}


class Command(BaseCommand):
    help = "导入双公示文件（CSV UTF-8/GBK、XLSX；表头为标准字段代码或中文名称）。"
    # System checks cost ~2.5 s per start and belong to deploy time (`jointcredit check`).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(RECORD_TYPE_BY_PLURAL), help="licenses 或 penalties")
        parser.add_argument("file")
        parser.add_argument("--department", required=True, help="部门代码，如 scjgj")
        parser.add_argument("--skip-bad-rows", action="store_true", help="跳过错误行（默认：全部成功才导入）")
        parser.add_argument("--draft", action="store_true", help="暂存为草稿，不公示")
        parser.add_argument("--user", help="以该用户身份导入（校验其部门权限）；缺省为系统操作")
        parser.add_argument("--max-mb", type=int, default=2048, help="命令行导入的文件大小上限（MB）")

    def handle(self, *args, **o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        department = Department.objects.filter(code=o["department"]).first()
        if department is None:
            raise CommandError(f"部门代码“{o['department']}”不存在（jointcredit department list 可查看）。")
        actor = None
        if o["user"]:
            actor = User.objects.filter(username=o["user"]).first()
            if actor is None:
                raise CommandError(f"用户“{o['user']}”不存在。")
        bar = tqdm(total=100, desc="导入", unit="%", disable=o.get("verbosity", 1) == 0)
        done = {"n": 0}

        def progress(stage, rows=0):
            target, label = _STAGES.get(stage, (done["n"], stage))
            bar.set_description(f"{label}（{rows} 行）")
            bar.update(max(0, target - done["n"]))
            done["n"] = max(done["n"], target)

        phases = Phases()
        try:
            with path.open("rb") as fh:
                batch = records_import(
                    actor=actor,
                    record_type=RECORD_TYPE_BY_PLURAL[o["kind"]],
                    department=department,
                    fileobj=fh,
                    name=path.name,
                    size=path.stat().st_size,
                    mode=ImportMode.SKIP_BAD_ROWS if o["skip_bad_rows"] else ImportMode.ALL_OR_NOTHING,
                    hold_as_draft=o["draft"],
                    source="cli",
                    as_system=actor is None,
                    max_bytes=o["max_mb"] * 1024 * 1024,
                    progress=progress,
                    phases=phases,
                )
        except ImportRejected as exc:
            bar.close()
            self._errors(exc.batch.errors, exc.batch.error_count)
            raise CommandError(exc.message.split("。")[0] + f"。批次 #{exc.batch.pk}") from None
        except DomainError as exc:
            bar.close()
            raise CommandError(exc.message) from None
        bar.close()
        if o.get("verbosity", 1) >= 2:
            self.stdout.write(f"各阶段用时：{phases.summary()}")
        report = import_report(batch)
        self._errors(batch.errors, batch.error_count)
        self.stdout.write(
            self.style.SUCCESS(
                f"批次 #{batch.pk}：新增 {report['created']}，变更 {report['updated']}，"
                f"未变化 {report['unchanged']}，"
                f"撤销 {report['withdrawn']}，拒绝 {report['rejected']} 行。"
            )
        )

    def _errors(self, errors: list[dict], total: int) -> None:
        for e in errors[:50]:
            self.stderr.write(f"  {e['message']}（{e['field']} / {e['rule']}）")
        if total > 50:
            self.stderr.write(f"  …… 共 {total} 处错误，完整报告见导入批次。")
