from django.core.management.base import BaseCommand, CommandError

from jointcredit.accounts.models import User
from jointcredit.accounts.services import api_token_create


class Command(BaseCommand):
    help = "为用户签发接口令牌（令牌只显示一次）：jointcredit token create --user U"

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--name", default="", help="用途说明")

    def handle(self, *args, **o):
        user = User.objects.filter(username=o["user"]).first()
        if user is None:
            raise CommandError(f"用户“{o['user']}”不存在。")
        _, raw = api_token_create(actor=None, user=user, name=o["name"])
        # Printed once, bare, so scripts can capture it: TOKEN=$(jointcredit token create --user u)
        self.stdout.write(raw)
