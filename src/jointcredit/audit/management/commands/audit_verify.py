from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jointcredit.audit.checkpoints import checkpoint_path
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

    def handle(self, *args, **options):
        development = settings.JOINTCREDIT_AUDIT_KEY_IS_DEVELOPMENT
        if development and not (settings.DEBUG or settings.TESTING):
            # settings refuse to start without the key in production already; this is the last line.
            raise CommandError("生产环境必须设置 JOINTCREDIT_AUDIT_KEY 才能校验审计链。")
        result = audit_chain_verify()
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
        path = checkpoint_path()
        if path is None:
            self.stdout.write("未配置检查点目录（JOINTCREDIT_AUDIT_CHECKPOINT_DIR），未核对检查点。")
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
