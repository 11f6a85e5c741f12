from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jointcredit.audit.checkpoints import CheckpointError, checkpoint_copies_read, checkpoint_path
from jointcredit.audit.selectors import audit_chain_verify
from jointcredit.audit.services import audit_checkpoint_write

DEVELOPMENT_NOTE = (
    "注意：使用的是由 SECRET_KEY 派生的开发密钥，仅限开发和测试；生产环境必须设置 JOINTCREDIT_AUDIT_KEY。"
)


class Command(BaseCommand):
    help = "校验审计日志的密钥封印链及签名检查点，报告第一处被修改、删除或重算的记录。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", action="store_true", help="校验通过后，把当前链头签名写入检查点文件"
        )
        parser.add_argument(
            "--against",
            action="append",
            default=[],
            metavar="FILE|JSON",
            help="同时核对外部保存的检查点副本：检查点文件、audit.checkpoint 事件"
            "（Webhook 请求体或 feed 条目）的 JSON 或 JSON Lines 文件，或直接给出 JSON；可重复",
        )

    def handle(self, *args, **options):
        development = settings.JOINTCREDIT_AUDIT_KEY_IS_DEVELOPMENT
        if development and not (settings.DEBUG or settings.TESTING):
            # settings refuse to start without the key in production already; this is the last line.
            raise CommandError("生产环境必须设置 JOINTCREDIT_AUDIT_KEY 才能校验审计链。")
        copies = []
        for value in options["against"]:
            path = Path(value)
            is_file = not value.lstrip().startswith(("{", "[")) and path.is_file()
            if not is_file and not value.lstrip().startswith(("{", "[")):
                raise CommandError(f"--against {value}：文件不存在，也不是 JSON。")
            try:
                text = path.read_text(encoding="utf-8") if is_file else value
                copies += checkpoint_copies_read(text, source=str(path) if is_file else "（命令行 JSON）")
            except CheckpointError as exc:
                raise CommandError(str(exc)) from None
        result = audit_chain_verify(copies=copies)
        if development:
            self.stderr.write(DEVELOPMENT_NOTE)
        if not result.ok:
            raise CommandError(
                f"审计链在序号 {result.broken_seq} 处断裂：{result.reason}（此前 {result.checked} 条完好）。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计链完整：共校验 {result.checked} 条记录；"
                f"链头序号 {result.head_seq}，封印 {result.head_hash}。"
            )
        )
        if result.head_seq:
            self.stdout.write(
                "封印密钥："
                + "；".join(
                    f"{kid}（序号 {first} 起）"
                    for kid, first in result.key_ranges
                    if first <= result.head_seq
                )
                + "。"
            )
        if copies:
            newest = max(copies, key=lambda c: c.seq)
            self.stdout.write(
                f"与 {len(copies)} 个外部检查点副本一致；其中最新的为 {newest.at} 的链头序号 {newest.seq}。"
            )
        path = checkpoint_path()
        if path is None:
            if not copies:
                self.stdout.write("未配置检查点目录（JOINTCREDIT_AUDIT_CHECKPOINT_DIR），未核对检查点文件。")
        elif result.checkpoint is None:
            self.stdout.write(f"检查点文件 {path} 中尚无检查点：只能发现修改，无法发现最新记录被删除。")
        else:
            cp = result.checkpoint
            self.stdout.write(
                f"与 {cp.at} 的签名检查点（链头序号 {cp.seq}）一致；其后新增 {result.head_seq - cp.seq} 条。"
            )
        if options["checkpoint"] and path is not None:
            written, _ = audit_checkpoint_write(verified=result)
            if written is not None:
                self.stdout.write(f"已写入检查点：链头序号 {written.seq}（{path}）。")
