from django.core.management.base import BaseCommand, CommandError

from jointcredit.accounts.services import user_create
from jointcredit.common.errors import DomainError


class Command(BaseCommand):
    help = "创建用户：jointcredit user create --username U --department CODE --role ROLE [--password P]"

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--department", required=True, help="部门代码，如 fgj")
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            help="viewer / clerk / approver / department_admin / office_admin（可重复）",
        )
        parser.add_argument("--password", help="不填则生成随机密码并显示一次")
        parser.add_argument("--display-name", default="")

    def handle(self, *args, **o):
        roles = [r for value in o["role"] for r in value.split(",") if r]
        try:
            user, generated = user_create(
                actor=None,
                username=o["username"],
                department_code=o["department"],
                roles=roles,
                password=o["password"],
                display_name=o["display_name"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建用户 {user.username}（{user.department.name}，{'、'.join(user.role_labels())}）"
            )
        )
        if generated:
            self.stdout.write(f"初始密码（仅显示一次）：{generated}")
