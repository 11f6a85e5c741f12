from django.core.management.base import BaseCommand, CommandError

from jointcredit.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "校验审计日志哈希链，报告第一处被修改或删除的记录。"

    def handle(self, *args, **options):
        result = audit_chain_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：共校验 {result.checked} 条记录。"))
            return
        raise CommandError(
            f"审计链在序号 {result.broken_seq} 处断裂：{result.reason}（此前 {result.checked} 条完好）。"
        )
