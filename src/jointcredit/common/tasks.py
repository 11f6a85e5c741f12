"""What every app's django-tasks share (database backend, run by `jointcredit worker`)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from . import clock


def enqueue_unique(task_obj, *, run_after: datetime | None = None, **kwargs) -> bool:
    """Enqueue unless an equivalent task is already waiting to run no later than ``run_after``.

    A waiting copy has not started yet, so when it runs it will see everything committed before
    this call: a second copy would be redundant."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    if isinstance(task_obj.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=task_obj.module_path,
            args_kwargs={"args": [], "kwargs": kwargs},
        )
        # The DB backend stores "run as soon as possible" as the far-future sentinel date.
        limit = run_after or clock.now()
        if waiting.filter(Q(run_after=get_date_max()) | Q(run_after__lte=limit)).exists():
            return False
    (task_obj.using(run_after=run_after) if run_after else task_obj).enqueue(**kwargs)
    return True
