"""Demo hook, office dashboard panels and the retention sweep."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.test import Client

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.demo.management.commands.demo import DemoContext
from jointcredit.lists.models import ListEntry

from .. import demo, panels, sweeps
from ..models import Delivery, DeliveryStatus, Feedback, Push, Subscription
from ..services import feedback_create, subscription_create
from ..tasks import deliveries_send
from .factories import entry_publish, food_safety_setup
from .test_webhooks import SECRET, emit_records

pytestmark = pytest.mark.django_db


def test_demo_builds_pushes_feedback_and_paused_loopback_subscriptions(lixia, user_factory):
    list_type = food_safety_setup(lixia, feedback_days=2)
    for code in lixia:
        user_factory(lixia[code], roles=[Role.CLERK], username=f"{code}_clerk")
        user_factory(lixia[code], roles=[Role.DEPARTMENT_ADMIN], username=f"{code}_admin")
    today = clock.today()
    entries = [entry_publish(list_type, lixia["scjgj"], pump=False) for _ in range(12)]
    ListEntry.objects.filter(pk__in=[e.pk for e in entries]).update(decided_on=today - timedelta(days=60))
    ctx = DemoContext(rng=random.Random(5), size="small", today=today, departments=lixia)

    demo.build(ctx)

    pushes = list(Push.objects.all())
    assert {p.entry_id for p in pushes} == {e.pk for e in entries}  # via the real dispatcher
    assert all(p.pushed_on <= today and p.feedback_due for p in pushes)
    feedback = list(Feedback.objects.select_related("push"))
    assert feedback and all(f.department_id == f.push.department_id for f in feedback)
    assert all(f.push.pushed_on <= f.handled_on <= today for f in feedback)
    assert all(f.is_late == (f.handled_on > f.push.feedback_due) for f in feedback)
    overdue = Push.objects.filter(first_feedback_at__isnull=True, feedback_due__lt=today)
    assert overdue.exists() and any(f.is_late for f in feedback) and any(not f.is_late for f in feedback)
    subs = list(Subscription.objects.all())
    assert subs and all(not s.is_active and s.url.startswith("http://127.0.0.1:") for s in subs)
    assert not Delivery.objects.exclude(status=DeliveryStatus.PENDING).exists()  # nothing was ever sent


def test_office_dashboard_shows_exchange_panels(lixia, user_factory, office_admin):
    list_type = food_safety_setup(lixia)
    entry = entry_publish(list_type, lixia["scjgj"])
    feedback_create(
        actor=user_factory(lixia["czj"], roles=[Role.CLERK]),
        entry_id=entry.pk,
        measure="limit-funding",
        result="punished",
        matter_name="专项资金申报",
        handled_on=clock.today(),
    )
    rate = panels.feedback_response_rate(office_admin)
    by_dept = dict(zip(rate["categories"], rate["series"][0]["data"]))
    assert by_dept["区财政局"] == 100.0 and by_dept["区行政审批服务局"] == 0.0
    applied = panels.measures_applied_over_time(office_admin)
    assert applied["categories"][-1] == f"{clock.today():%Y-%m}"
    assert [s["data"][-1] for s in applied["series"]] == [1, 0]

    client = Client()
    client.force_login(office_admin)
    page = client.get("/staff/dashboard/").content.decode()
    assert (
        "执行反馈响应率（按部门）" in page and "联合奖惩措施实施趋势（按月）" in page and "区财政局" in page
    )
    clerk = Client()
    clerk.force_login(user_factory(lixia["czj"], roles=[Role.CLERK]))
    assert "执行反馈响应率" not in clerk.get("/staff/dashboard/").content.decode()  # office only


def test_sweep_prunes_old_delivered_rows_and_task_results_idempotently(lixia, user_factory, settings):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.JOINTCREDIT_DELIVERY_RETENTION_DAYS = 90
    admin = user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN])
    sub, _ = subscription_create(
        actor=admin, department=lixia["xzsp"], name="审批", url="http://127.0.0.1:9/x", secret=SECRET
    )
    emit_records(5, lixia["scjgj"])
    sweeps.run(now=clock.now())
    rows = list(Delivery.objects.order_by("pk"))
    now = clock.now()
    old, recent, old_dead, old_pending = rows[0], rows[1], rows[2], rows[3]
    Delivery.objects.filter(pk__in=[old.pk, recent.pk]).update(status=DeliveryStatus.DELIVERED)
    Delivery.objects.filter(pk=old.pk).update(delivered_at=now - timedelta(days=91))
    Delivery.objects.filter(pk=recent.pk).update(delivered_at=now - timedelta(days=89))
    Delivery.objects.filter(pk=old_dead.pk).update(
        status=DeliveryStatus.DEAD, created_at=now - timedelta(days=400)
    )
    Delivery.objects.filter(pk=old_pending.pk).update(created_at=now - timedelta(days=400))

    DBTaskResult.objects.all().delete()
    for _ in range(3):
        deliveries_send.enqueue(subscription_id=sub.pk)
    done, fresh, stuck = DBTaskResult.objects.order_by("enqueued_at")[:3]
    DBTaskResult.objects.filter(pk=done.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(days=8)
    )
    DBTaskResult.objects.filter(pk=fresh.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(days=1)
    )
    DBTaskResult.objects.filter(pk=stuck.pk).update(
        status=TaskResultStatus.RUNNING, started_at=now - timedelta(days=8)
    )

    first = sweeps.run(now=now)
    assert first["清理已送达投递"] == 1 and first["清理任务结果"] == 2
    assert not Delivery.objects.filter(pk=old.pk).exists()
    assert Delivery.objects.filter(pk__in=[recent.pk, old_dead.pk, old_pending.pk]).count() == 3
    assert list(
        DBTaskResult.objects.filter(pk__in=[done.pk, fresh.pk, stuck.pk]).values_list("pk", flat=True)
    ) == [fresh.pk]
    again = sweeps.run(now=now)
    assert again["清理已送达投递"] == 0 and again["清理任务结果"] == 0
