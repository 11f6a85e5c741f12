import secrets

from django.core.management.base import BaseCommand, CommandError

from jointcredit.accounts.models import Department, Role, User


class Command(BaseCommand):
    help = "创建信用办管理员账号（若不存在），密码只显示一次。"

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--department", default="fgj")

    def handle(self, *args, **o):
        if User.objects.filter(username=o["username"]).exists():
            self.stdout.write(
                f"管理员 {o['username']} 已存在（如忘记密码：jointcredit changepassword {o['username']}）。"
            )
            return
        dept = Department.objects.filter(code=o["department"]).first()
        if dept is None:
            raise CommandError(f"部门“{o['department']}”不存在，请先运行 jointcredit demo 或创建部门。")
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=o["username"],
            password=password,
            email="",
            department=dept,
            roles=[Role.OFFICE_ADMIN, Role.APPROVER, Role.DEPARTMENT_ADMIN],
            display_name="信用办管理员",
        )
        self.stdout.write(self.style.SUCCESS("=" * 60))
        self.stdout.write(self.style.SUCCESS(f"信用办管理员账号：{o['username']}  密码：{password}"))
        self.stdout.write(self.style.SUCCESS("（密码仅显示这一次，请妥善保存）"))
        self.stdout.write(self.style.SUCCESS("=" * 60))
