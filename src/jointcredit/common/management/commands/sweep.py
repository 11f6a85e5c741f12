"""`jointcredit sweep`: periodic, idempotent housekeeping (run from cron every few minutes).

Each capability contributes ``jointcredit.<app>.sweeps.run(*, now, stdout) -> dict[str, int]``.
Sweeps only emit events and reminders: status is always derived from stored dates at read time.
"""

import importlib

from django.core.management.base import BaseCommand

from jointcredit.common import clock

SWEEP_APPS = [
    "lists",
    "records",
    "exchange",
    "objections",
    "repairs",
    "commitments",
    "catalog",
    "grading",
    "audit",
]


class Command(BaseCommand):
    help = "执行定时清扫：到期名单移出事件、公示期届满、逾期提醒、推送重试等（幂等，可重复执行）。"

    def handle(self, *args, **options):
        now = clock.now()
        for app in SWEEP_APPS:
            try:
                module = importlib.import_module(f"jointcredit.{app}.sweeps")
            except ModuleNotFoundError as exc:
                if exc.name != f"jointcredit.{app}.sweeps":
                    raise
                continue
            counts = module.run(now=now, stdout=self.stdout) or {}
            summary = "，".join(f"{k} {v}" for k, v in counts.items()) or "无变化"
            self.stdout.write(f"{app}: {summary}")
