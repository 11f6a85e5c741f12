"""`jointcredit worker`: django-tasks' database worker plus the schedule ticker (ADR 0050).

Jobs: django-tasks-db claims each queued job with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks it
running in the same transaction, so any number of workers on any number of machines share the
queue without running a job twice. Schedules: a thread in every worker calls
``operations.services.schedules_tick`` every ``--tick`` seconds; a slot is claimed by one worker
only and its job goes through the same queue.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from jointcredit.operations.services import schedules_tick

log = logging.getLogger("jointcredit.operations")


class Command(DatabaseWorkerCommand):
    help = "任务进程：执行排队任务（推送、导入等），并按计划排入定时任务（每个时段只执行一次）。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tick", type=float, default=5.0, help="检查到期定时任务的间隔（秒）")
        parser.add_argument("--no-schedules", action="store_true", help="只执行排队任务，不排入定时任务")

    def handle(self, *args, **options):
        tick = options.pop("tick")
        if not options.pop("no_schedules"):
            stop = threading.Event()
            thread = threading.Thread(target=_ticker, args=(tick, stop), name="schedules", daemon=True)
            thread.start()
        super().handle(*args, **options)


def _ticker(tick: float, stop: threading.Event) -> None:
    while not stop.wait(tick):
        try:
            names = schedules_tick()
            if names:
                log.info("定时任务已排队：%s", "、".join(names))
        except Exception:  # a database restart must not end the worker's ticking
            log.exception("定时任务检查失败")
        finally:
            connection.close()
