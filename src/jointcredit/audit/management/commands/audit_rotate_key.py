from django.core.management.base import BaseCommand, CommandError

from jointcredit.audit.keys import KeyMissing
from jointcredit.audit.services import audit_key_rotate
from jointcredit.common.errors import DomainError


class Command(BaseCommand):
    help = (
        "审计链密钥轮换：校验全链后，在当前密钥下写入轮换记录和检查点，此后的记录由 JOINTCREDIT_AUDIT_KEYS "
        "中最新（最后）的密钥封印。"
    )

    def handle(self, *args, **options):
        try:
            rotation = audit_key_rotate()
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except KeyMissing as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已轮换审计链密钥：{rotation.retired.kid} → {rotation.started.kid}。"
                f"校验 {rotation.verified.checked} 条记录完好；轮换记录序号 {rotation.row.seq}"
                f"（由 {rotation.retired.kid} 封印），其后的记录由 {rotation.started.kid} 封印。"
            )
        )
        if rotation.checkpoint is None:
            self.stdout.write("未配置检查点目录（JOINTCREDIT_AUDIT_CHECKPOINT_DIR），未写入检查点。")
        else:
            self.stdout.write(
                f"已在密钥 {rotation.retired.kid} 下写入检查点：链头序号 {rotation.checkpoint.seq}。"
                f"旧密钥须保留在 JOINTCREDIT_AUDIT_KEYS 中，才能校验此前的记录。"
            )
