"""`jointcredit sweep` hook (idempotent): catch up the sequencer and dispatcher, re-arm due and
orphaned deliveries (a killed worker's leases), remind departments of overdue feedback, and prune
old bookkeeping (delivered deliveries past their retention, finished webhook task results)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from jointcredit.accounts.models import Role, User

from . import conf
from .delivery import subscriptions_with_due
from .dispatcher import dispatch_all
from .models import Delivery, DeliveryStatus, Push
from .selectors import overdue_q
from .sequencer import sequence_all
from .tasks import QUEUE, deliveries_enqueue

# `jointcredit sweep` runs this after the sweeps that emit events, so they are dispatched in the same run.
AFTER = ("lists", "records")

PRUNE_CHUNK = 5000
# A webhook task runs for seconds (its budget is 20 s): one still "running" after a day belongs to
# a worker that was killed (the delivery rows, not the task rows, are authoritative).
STALE_RUNNING = timedelta(days=1)


def feedback_reminders(*, now) -> int:
    """One reminder per overdue push (``reminded_at`` makes reruns no-ops)."""
    today = timezone.localdate(now)
    overdue = list(
        Push.objects.filter(overdue_q(today), reminded_at__isnull=True).select_related("entry", "department")
    )
    by_department: dict[int, list[Push]] = {}
    for push in overdue:
        by_department.setdefault(push.department_id, []).append(push)
    for dept_id, pushes in by_department.items():
        recipients = [
            u.email
            for u in User.objects.filter(department_id=dept_id, is_active=True).exclude(email="")
            if u.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN)
        ]
        if recipients:
            lines = "\n".join(
                f"- 条目 {p.entry_id}（{p.entry.subject_name}），反馈截止 {p.feedback_due}" for p in pushes
            )
            send_mail(
                f"【联合奖惩】{len(pushes)} 条推送名单逾期未反馈",
                f"以下名单条目已超过反馈期限，请尽快执行反馈：\n{lines}",
                settings.DEFAULT_FROM_EMAIL,
                recipients,
                fail_silently=True,
            )
        Push.objects.filter(pk__in=[p.pk for p in pushes]).update(reminded_at=now)
    return len(overdue)


def deliveries_prune(*, now) -> int:
    """Delete delivered deliveries older than ``JOINTCREDIT_DELIVERY_RETENTION_DAYS`` (default 90), in
    chunks so that no single transaction grows with the backlog. Pending and dead rows are kept
    whatever their age (they still need work or a human); the events themselves stay in the feed."""
    cutoff = now - timedelta(days=conf.delivery_retention_days())
    total = 0
    while True:
        ids = list(
            Delivery.objects.filter(status=DeliveryStatus.DELIVERED, delivered_at__lt=cutoff)
            .order_by()
            .values_list("pk", flat=True)[:PRUNE_CHUNK]
        )
        if not ids:
            return total
        total += Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.DELIVERED).delete()[0]


def task_results_prune(*, now) -> int:
    """Delete finished django-tasks results of the ``webhooks`` queue older than
    ``JOINTCREDIT_TASK_RESULT_RETENTION_DAYS`` (default 7) — what django_tasks_db's
    ``prune_db_task_results --queue-name webhooks`` does — plus results left ``RUNNING`` by a killed
    worker for over a day. Other queues' results belong to their capabilities and are left alone."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from .tasks import deliveries_send

    if not isinstance(deliveries_send.get_backend(), DatabaseBackend):
        return 0
    retention = timedelta(days=conf.task_result_retention_days())
    cutoff = now - retention
    ours = DBTaskResult.objects.filter(queue_name=QUEUE)
    finished = ours.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lte=cutoff
    )
    stale = ours.filter(status=TaskResultStatus.RUNNING, started_at__lte=now - max(STALE_RUNNING, retention))
    return finished.delete()[0] + stale.delete()[0]


def run(*, now, stdout=None) -> dict:
    sequenced = sequence_all()
    dispatched = dispatch_all()
    rearmed = deliveries_enqueue(subscription_ids=subscriptions_with_due(now=now))
    reminded = feedback_reminders(now=now)
    pruned = deliveries_prune(now=now)
    results = task_results_prune(now=now)
    return {
        "定序事件": sequenced,
        "分发事件": dispatched,
        "重新排队订阅": rearmed,
        "逾期反馈提醒": reminded,
        "清理已送达投递": pruned,
        "清理任务结果": results,
    }
