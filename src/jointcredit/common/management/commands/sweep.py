"""`jointcredit sweep`: periodic, idempotent housekeeping (run from cron every few minutes).

Every app with a ``sweeps`` module takes part (common.discovery): ``run(*, now, stdout) -> dict[str, int]``,
in INSTALLED_APPS order unless its ``AFTER`` names apps whose sweeps must run first. Sweeps only emit
events and reminders: status is always derived from stored dates at read time.
"""

from django.core.management.base import BaseCommand

from jointcredit.common import clock
from jointcredit.common.discovery import app_modules


class Command(BaseCommand):
    help = "执行定时清扫：到期名单移出事件、公示期届满、逾期提醒、推送重试等（幂等，可重复执行）。"

    def handle(self, *args, **options):
        now = clock.now()
        for app, module in app_modules("sweeps"):
            counts = module.run(now=now, stdout=self.stdout) or {}
            summary = "，".join(f"{k} {v}" for k, v in counts.items()) or "无变化"
            self.stdout.write(f"{app}: {summary}")
