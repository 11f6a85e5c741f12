"""Subscriptions and signed webhook deliveries run by the real django-tasks database worker,
against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
import random
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import ValidationFailed
from jointcredit.testing import postgres_only

from ..delivery import backoff_seconds
from ..models import Delivery, DeliveryStatus, Subscription
from ..outbox import event_emit
from ..services import subscription_create
from ..webhooks import sign, verify, webhook_url_validate
from .factories import Receiver, entry_publish, food_safety_setup

SECRET = "s3cret-for-tests-0123456789abcdef"


def run_worker():
    """The real worker (`jointcredit worker` = db_worker), draining every ready task once."""
    call_command(
        "db_worker",
        "--batch",
        "--queue-name",
        "*",
        "--no-startup-delay",
        "--no-reload",
        "--interval",
        "0",
        verbosity=0,
    )


def drain_until(predicate, *, rounds: int = 60):
    """Run the worker until ``predicate()``; deferred retries become ready after their short backoff."""
    for _ in range(rounds):
        run_worker()
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def fast_retries(settings):
    settings.JOINTCREDIT_WEBHOOK_BACKOFF_BASE = 0.02
    settings.JOINTCREDIT_WEBHOOK_BACKOFF_MAX = 0.05
    settings.JOINTCREDIT_WEBHOOK_TIMEOUT = 0.5
    return settings


@pytest.fixture
def xzsp_admin(user_factory, lixia):
    return user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN, Role.CLERK])


def emit_records(n: int, department) -> list[str]:
    with transaction.atomic():
        return [
            str(
                event_emit(
                    kind="record.published",
                    aggregate_type="record",
                    aggregate_id=i,
                    data={"record_id": i, "CF_WSH": f"历市监罚〔2026〕{i}号", "CF_XDR_MC": "某餐饮公司"},
                    department=department,
                ).id
            )
            for i in range(n)
        ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://example.gov.cn/x", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http:///nohost", "host"),
        ("https://user:pw@example.gov.cn/", "credentials"),
        ("", "required"),
        ("http://[::1", "format"),
    ],
)
def test_webhook_url_rules(url, rule):
    with pytest.raises(ValidationFailed) as exc:
        webhook_url_validate(url)
    assert exc.value.details[0]["rule"] == rule


@pytest.mark.django_db
def test_allow_list_setting_restricts_hosts(settings):
    settings.JOINTCREDIT_WEBHOOK_ALLOWED_HOSTS = "hooks.xzsp.jinan.gov.cn,.lixia.gov.cn"
    assert webhook_url_validate("https://hooks.xzsp.jinan.gov.cn/jc")
    assert webhook_url_validate("https://api.swj.lixia.gov.cn/jc")
    for bad in (
        "http://169.254.169.254/latest/meta-data",
        "http://127.0.0.1:8000/",
        "https://evil-lixia.gov.cn/",
    ):
        with pytest.raises(ValidationFailed, match="允许列表"):
            webhook_url_validate(bad)


def test_signature_roundtrip_and_tamper():
    body = json.dumps({"id": "e1", "data": {"名称": "某公司"}}, ensure_ascii=False).encode()
    header = sign(SECRET, int(time.time()), body)
    assert header.startswith("t=") and ",v1=" in header
    assert verify(SECRET, header, body)
    assert not verify(SECRET, header, body + b" ")
    assert not verify("another-secret-0123456789abcdef", header, body)
    old = sign(SECRET, int(time.time()) - 3600, body)
    assert not verify(SECRET, old, body)  # replay outside the tolerance window


def test_backoff_grows_exponentially_with_bounded_jitter(settings):
    settings.JOINTCREDIT_WEBHOOK_BACKOFF_BASE = 10
    settings.JOINTCREDIT_WEBHOOK_BACKOFF_MAX = 1800
    rng = random.Random(7)
    for attempts, raw in [(1, 10), (2, 20), (3, 40), (6, 320), (12, 1800)]:
        delays = [backoff_seconds(attempts, rng=rng) for _ in range(50)]
        assert all(0.5 * raw <= d < 1.5 * raw for d in delays)
        assert len({round(d, 6) for d in delays}) > 1  # jittered, not lock-step


@pytest.mark.django_db
def test_subscription_api_permissions_validation_and_audit(lixia, xzsp_admin, user_factory, api_client_for):
    food_safety_setup(lixia)
    admin = api_client_for(xzsp_admin)
    ok = admin.post(
        "/api/v1/subscriptions",
        {
            "name": "审批系统",
            "url": "https://hooks.xzsp.example.cn/jc",
            "event_kinds": ["list_entry.*", "repair.approved"],
            "list_type_codes": ["food-safety-black"],
        },
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert len(body["secret"]) >= 24 and body["department"] == "xzsp"
    sub = Subscription.objects.get(pk=body["id"])
    assert sub.secret == body["secret"]
    assert AuditEvent.objects.filter(action="subscription.create", object_id=str(sub.pk)).exists()
    assert body["secret"] not in json.dumps(AuditEvent.objects.get(action="subscription.create").after)
    listed = admin.get("/api/v1/subscriptions").json()
    assert listed["meta"]["total"] == 1 and "secret" not in listed["items"][0]

    bad = admin.post(
        "/api/v1/subscriptions",
        {
            "name": "",
            "url": "file:///etc/passwd",
            "event_kinds": ["nope"],
            "list_type_codes": ["no-such-list"],
        },
    )
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["error"]["details"]} == {
        "name",
        "url",
        "event_kinds",
        "list_type_codes",
    }

    clerk = api_client_for(user_factory(lixia["xzsp"], roles=[Role.CLERK]))
    assert (
        clerk.post("/api/v1/subscriptions", {"name": "x", "url": "https://a.example.cn/"}).status_code == 403
    )
    other = api_client_for(user_factory(lixia["swj"], roles=[Role.DEPARTMENT_ADMIN]))
    assert (
        other.post(
            "/api/v1/subscriptions", {"name": "x", "url": "https://a.example.cn/", "department": "xzsp"}
        ).status_code
        == 403
    )
    assert other.get("/api/v1/subscriptions").json()["meta"]["total"] == 0


@pytest.mark.django_db(transaction=True)
def test_delivery_500_then_200_timeout_signed_via_worker(lixia, xzsp_admin, fast_retries):
    list_type = food_safety_setup(lixia)
    with Receiver(SECRET, script=[500, ("sleep", 1.5), 200]) as receiver:
        sub, _ = subscription_create(
            actor=xzsp_admin,
            department=lixia["xzsp"],
            name="审批系统",
            url=receiver.url,
            event_kinds=["list_entry.published"],
            secret=SECRET,
        )
        other, _ = subscription_create(
            actor=xzsp_admin,
            department=lixia["xzsp"],
            name="只要双公示",
            url=receiver.url,
            event_kinds=["record.*"],
            secret=SECRET,
        )
        entries = [entry_publish(list_type, lixia["scjgj"], pump=False) for _ in range(3)]
        assert drain_until(
            lambda: (
                sorted(receiver.applied)
                == sorted(str(d.event_id) for d in Delivery.objects.filter(subscription=sub))
                and len(receiver.applied) == 3
            )
        )
    rows = list(Delivery.objects.filter(subscription=sub).select_related("event"))
    assert len(rows) == 3 and all(r.status == DeliveryStatus.DELIVERED for r in rows)
    assert {r.event.aggregate_id for r in rows} == {str(e.pk) for e in entries}
    assert not Delivery.objects.filter(subscription=other).exists()  # kind filter
    assert sum(r.attempts for r in rows) == 5  # one 500 and one timeout were retried
    assert all(r["valid"] for r in receiver.requests)
    failed_ids = [r["event_id"] for r in receiver.requests if r["step"] != 200]
    assert len(failed_ids) == 2 and set(failed_ids) <= set(receiver.applied)  # same event id on retry
    body = json.loads(receiver.requests[-1]["body"])
    assert (
        set(body) == {"position", "id", "type", "occurred_at", "data"}
        and body["type"] == "list_entry.published"
    )


@pytest.mark.django_db(transaction=True)
def test_receiver_down_then_back_gets_everything(lixia, xzsp_admin, fast_retries):
    receiver = Receiver(SECRET)
    port_url = receiver.url
    receiver.server.server_close()  # the endpoint is down: connection refused
    sub, _ = subscription_create(
        actor=xzsp_admin, department=lixia["xzsp"], name="税务", url=port_url, secret=SECRET
    )
    ids = emit_records(5, lixia["scjgj"])
    drain_until(lambda: Delivery.objects.filter(subscription=sub, attempts__gte=3).count() == 5)
    rows = Delivery.objects.filter(subscription=sub)
    assert rows.count() == 5 and all(r.status == DeliveryStatus.PENDING and r.attempts >= 3 for r in rows)
    assert "ConnectionRefused" in rows.first().last_error
    with Receiver(SECRET, port=receiver.server.server_address[1]) as back:
        assert drain_until(lambda: len(back.applied) == 5)
    assert sorted(back.applied) == sorted(ids)
    assert all(r.status == DeliveryStatus.DELIVERED for r in Delivery.objects.filter(subscription=sub))


@pytest.mark.django_db(transaction=True)
def test_dead_letter_after_horizon_and_manual_redelivery(
    lixia, xzsp_admin, fast_retries, api_client_for, user_factory
):
    fast_retries.JOINTCREDIT_WEBHOOK_DEAD_HOURS = 0  # the first failure is already past the horizon
    with Receiver(SECRET, script=[503, 503]) as receiver:
        sub, _ = subscription_create(
            actor=xzsp_admin, department=lixia["xzsp"], name="审批", url=receiver.url, secret=SECRET
        )
        ids = emit_records(2, lixia["scjgj"])
        assert drain_until(
            lambda: Delivery.objects.filter(subscription=sub, status=DeliveryStatus.DEAD).count() == 2
        )
        assert receiver.applied == []
        client = api_client_for(xzsp_admin)
        dead = client.get("/api/v1/deliveries", {"status": "dead"}).json()
        assert dead["meta"]["total"] == 2 and dead["items"][0]["last_status_code"] == 503
        outsider = api_client_for(user_factory(lixia["swj"], roles=[Role.DEPARTMENT_ADMIN]))
        assert outsider.post(f"/api/v1/deliveries/{dead['items'][0]['id']}/redeliver").status_code == 403
        for item in dead["items"]:
            response = client.post(f"/api/v1/deliveries/{item['id']}/redeliver")
            assert response.status_code == 200 and response.json()["status"] == "pending"
        again = client.post(f"/api/v1/deliveries/{dead['items'][0]['id']}/redeliver")
        assert again.status_code == 409
        assert drain_until(lambda: len(receiver.applied) == 2)
    assert sorted(receiver.applied) == sorted(ids)
    assert AuditEvent.objects.filter(action="delivery.redeliver").count() == 2


@pytest.mark.django_db(transaction=True)
def test_paused_subscription_keeps_events_until_resumed(lixia, xzsp_admin, fast_retries):
    from ..services import subscription_set_active

    with Receiver(SECRET) as receiver:
        sub, _ = subscription_create(
            actor=xzsp_admin, department=lixia["xzsp"], name="审批", url=receiver.url, secret=SECRET
        )
        subscription_set_active(actor=xzsp_admin, subscription=sub, active=False)
        emit_records(3, lixia["scjgj"])
        run_worker()
        assert receiver.applied == [] and Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3
        subscription_set_active(actor=xzsp_admin, subscription=sub, active=True)
        assert drain_until(lambda: len(receiver.applied) == 3)


@pytest.mark.django_db(transaction=True)
def test_batch_mode_subscription_gets_signed_batches_and_single_stays_default(
    lixia, xzsp_admin, fast_retries, api_client_for
):
    batches: list[dict] = []
    with Receiver(SECRET) as single, Receiver(SECRET, script=[500]) as batched:
        client = api_client_for(xzsp_admin)
        bad = client.post("/api/v1/subscriptions", {"name": "批量", "url": batched.url, "batch_size": 0})
        assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "batch_size"
        created = client.post(
            "/api/v1/subscriptions", {"name": "批量", "url": batched.url, "secret": SECRET, "batch_size": 4}
        )
        assert created.status_code == 201 and created.json()["batch_size"] == 4
        plain, _ = subscription_create(
            actor=xzsp_admin, department=lixia["xzsp"], name="逐个", url=single.url, secret=SECRET
        )
        assert plain.batch_size == 1
        ids = emit_records(10, lixia["scjgj"])
        assert drain_until(lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 20)
        for r in batched.requests:
            body = json.loads(r["body"])
            batches.append(body)
            assert set(body) == {"events"} and 1 <= len(body["events"]) <= 4 and r["valid"]
    # Default contract: one event per request, the event id in the header.
    assert sorted(single.applied) == sorted(ids) and len(single.requests) == 10
    # Batch mode: the first request failed (500) and was retried as a whole; every event arrived,
    # in position order within each request, with the feed item's shape.
    assert batched.script == [] and len(batches) >= 4
    seen = [e["id"] for b in batches[1:] for e in b["events"]]
    assert sorted(set(seen)) == sorted(ids)
    for b in batches:
        positions = [e["position"] for e in b["events"]]
        assert positions == sorted(positions)
        assert all(set(e) == {"position", "id", "type", "occurred_at", "data"} for e in b["events"])
    retried = Delivery.objects.filter(subscription_id=created.json()["id"], attempts=2).count()
    assert retried == len(batches[0]["events"])


# A sender thread and the test thread write at once: SQLite's shared-cache test database answers
# "database table is locked" instead of waiting, so this runs on PostgreSQL like the other
# concurrency tests.
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_lingering_lane_pumps_and_sends_events_committed_after_it_ran_dry(lixia, xzsp_admin):
    import threading

    from ..delivery import deliveries_send_due

    with Receiver(SECRET) as receiver:
        sub, _ = subscription_create(
            actor=xzsp_admin, department=lixia["xzsp"], name="审批", url=receiver.url, secret=SECRET
        )
        first = emit_records(3, lixia["scjgj"])
        from ..dispatcher import dispatch_all
        from ..sequencer import sequence_all

        sequence_all()
        dispatch_all()
        counts = {}

        def run_lane():
            try:  # a long linger: the lane ends when the subscription is paused below
                counts.update(deliveries_send_due(subscription_id=sub.pk, linger=30, budget_seconds=60))
            finally:
                connection.close()

        lane = threading.Thread(target=run_lane)
        lane.start()
        try:
            for _ in range(600):
                if len(receiver.applied) == 3:
                    break
                time.sleep(0.05)
            second = emit_records(4, lixia["scjgj"])  # committed after the lane ran dry; no worker runs
            for _ in range(600):
                if len(receiver.applied) == 7:
                    break
                time.sleep(0.05)
            assert sorted(receiver.applied) == sorted(first + second)
        finally:
            Subscription.objects.filter(pk=sub.pk).update(
                is_active=False
            )  # a paused endpoint ends the linger
            lane.join(90)
    assert counts["delivered"] == 7
