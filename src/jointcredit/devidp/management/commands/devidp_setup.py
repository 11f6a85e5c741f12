from django.conf import settings
from django.core.management.base import BaseCommand

from jointcredit.devidp.services import devidp_setup


class Command(BaseCommand):
    help = "配置本地统一身份认证（签名密钥、门户客户端）。"

    def add_arguments(self, parser):
        parser.add_argument("--base-url", action="append", default=[], help="门户地址，可多次指定")

    def handle(self, *args, **o):
        urls = o["base_url"] or [settings.SITE_URL, settings.SITE_URL.replace("127.0.0.1", "localhost")]
        client = devidp_setup(base_urls=urls)
        self.stdout.write(
            f"本地统一身份认证已配置：客户端 {client.client_id}，回调 {', '.join(client.redirect_uris)}"
        )
