"""The HTTPS transport against the simulator's API over a real socket: signed JSON up and down,
receipts, idempotency, replay protection, the platform down then back, a duplicating platform."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import time_machine

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.lists import services as list_services
from jointcredit.lists.models import ListEntry
from jointcredit.platforms import exchange_db, services
from jointcredit.platforms.models import InboundItem, OutgoingItem, OutgoingState, Platform
from jointcredit.platforms.reconciliation import reconciliation_run
from jointcredit.platforms.transports import signing
from jointcredit.subjects.tests.factories import CompanyFactory

from .conftest import EXCHANGE, HTTPS_KEY
from .test_exchange import _black_published, _issue

pytestmark = pytest.mark.django_db(databases=EXCHANGE)


def _red_without_document(lixia, user_factory):
    from jointcredit.accounts.models import Role

    swj = user_factory(lixia["swj"], roles=[Role.CLERK, Role.APPROVER], username="swj_approver")
    company = CompanyFactory()
    entry = list_services.list_entry_create(
        actor=swj,
        list_type="red_good_rating",
        identifier=company.identifier,
        name=company.name,
        reason="纳税信用A级",
        decided_on=clock.today() - timedelta(days=5),
    )
    return list_services.list_entry_publish(entry=entry, actor=swj)


def test_changes_go_up_signed_and_every_item_gets_its_receipt(
    https_platform, simulator_server, company, scjgj_clerk, scjgj_approver, lixia, user_factory
):
    black = _black_published(company, scjgj_clerk, scjgj_approver)
    red = _red_without_document(lixia, user_factory)  # no 认定文书号: the platform rejects it
    result = services.platform_exchange(platform=https_platform)
    assert result["sent"] == 2 and result["accepted"] == 1 and result["rejected"] == 1
    accepted = OutgoingItem.objects.get(source_key=f"list_entry:{black.pk}")
    rejected = OutgoingItem.objects.get(source_key=f"list_entry:{red.pk}")
    assert accepted.state == OutgoingState.ACCEPTED and accepted.receipt_at
    assert (
        rejected.state == OutgoingState.REJECTED
        and "MD_RDWSH（认定文书号）不能为空" in rejected.rejection_reason
    )
    # What the platform holds is what was sent, once, and it answers reconciliation over the API.
    store = simulator_server.sim.store
    assert set(store.outgoing) == {accepted.idempotency_key, rejected.idempotency_key}
    assert store.outgoing[accepted.idempotency_key]["payload"]["MD_BH"] == f"370102-{black.pk}"
    lines = reconciliation_run(platform=https_platform).lines
    assert [(line["entry_id"], line["problem"]) for line in lines] == [(red.pk, "missing_up")]
    assert all(status == 200 for _, _, status in simulator_server.app.requests)
    # Receipts are recorded exactly as for the exchange database: one audit row per batch.
    audit = AuditEvent.objects.filter(action="platform.receipts_record").latest("seq")
    assert audit.after["accepted"] == 1 and audit.after["rejected_keys"] == [rejected.idempotency_key]


def test_upstream_entries_are_pulled_applied_and_answered(https_platform, simulator_server, company):
    sim = simulator_server.sim
    key = _issue(sim, company)
    bad = _issue(
        sim,
        company,
        identifier=company.identifier[:-1] + "0" if company.identifier[-1] != "0" else "1",
        doc="（2026）鲁0102执99号",
    )
    result = services.platform_exchange(platform=https_platform)
    assert result["applied"] == 1 and result["held"] == 1
    entry = InboundItem.objects.get(item_key=key).entry
    assert entry.source_authority.name == "济南市发展和改革委员会"
    assert sim.status_of(key) == [(exchange_db.IN_APPLIED, "")]
    [(status, reason)] = sim.status_of(bad)
    assert status == exchange_db.IN_HELD and "不合法" in reason
    https_platform.refresh_from_db()
    assert https_platform.incoming_position == 2 and https_platform.failures == 0


def test_a_duplicating_platform_is_applied_and_recorded_once(
    https_platform, simulator_server, company, scjgj_clerk, scjgj_approver
):
    sim = simulator_server.sim
    sim.duplicate = True  # every issued item delivered twice, every receipt written twice
    key = _issue(sim, company)
    other = CompanyFactory()
    entry = _black_published(other, scjgj_clerk, scjgj_approver)
    result = services.platform_exchange(platform=https_platform)
    assert result["applied"] == 1 and result["duplicate"] == 1 and result["accepted"] == 1
    assert InboundItem.objects.filter(item_key=key).count() == 1
    assert ListEntry.objects.filter(subject=company, source_authority__isnull=False).count() == 1
    assert sim.status_of(key) == [(exchange_db.IN_APPLIED, "")] * 2
    item = OutgoingItem.objects.get(source_key=f"list_entry:{entry.pk}")
    assert item.state == OutgoingState.ACCEPTED
    assert [r["idempotency_key"] for r in sim.store.receipts] == [item.idempotency_key] * 2


def test_platform_down_then_back_retries_with_back_off_and_loses_nothing(
    https_platform, simulator_server, scjgj_clerk, scjgj_approver
):
    sim = simulator_server.sim
    sim.down = True
    entries = [_black_published(CompanyFactory(), scjgj_clerk, scjgj_approver) for _ in range(3)]
    start = clock.now()
    assert services.platform_exchange_all()["jinan"]["failed"] == 1
    platform = Platform.objects.get(pk=https_platform.pk)
    assert platform.failures == 1 and "503" in platform.last_error
    assert platform.next_round_at == pytest.approx(start + timedelta(seconds=30), abs=timedelta(seconds=5))
    assert services.platform_exchange_all() == {}  # not due yet: no hammering a platform that is down
    with time_machine.travel(start + timedelta(seconds=40)):
        assert services.platform_exchange_all()["jinan"]["failed"] == 1
        platform.refresh_from_db()
        assert platform.failures == 2
        assert platform.next_round_at - clock.now() == pytest.approx(
            timedelta(seconds=60), abs=timedelta(seconds=5)
        )
    assert OutgoingItem.objects.filter(state=OutgoingState.STAGED).count() == 3
    sim.down = False  # back after the back-off
    with time_machine.travel(start + timedelta(seconds=120)):
        result = services.platform_exchange_all()["jinan"]
        assert result["sent"] == 3 and result["accepted"] == 3
        platform.refresh_from_db()
        assert platform.failures == 0 and platform.last_error == ""
    assert set(sim.store.outgoing) == set(
        OutgoingItem.objects.filter(source_key__in=[f"list_entry:{e.pk}" for e in entries]).values_list(
            "idempotency_key", flat=True
        )
    )
    assert OutgoingItem.objects.filter(state=OutgoingState.ACCEPTED).count() == 3


def test_a_push_retried_after_a_time_out_is_not_applied_twice(
    https_platform, simulator_server, scjgj_clerk, scjgj_approver
):
    sim = simulator_server.sim
    Platform.objects.filter(pk=https_platform.pk).update(settings={**https_platform.settings, "timeout": 0.3})
    https_platform.refresh_from_db()
    entries = [_black_published(CompanyFactory(), scjgj_clerk, scjgj_approver) for _ in range(2)]
    sim.slow = 1.0  # answers after the district gave up; it did receive the items
    assert services.platform_exchange(platform=https_platform)["failed"] == 1
    assert "没有应答" in Platform.objects.get(pk=https_platform.pk).last_error
    assert OutgoingItem.objects.filter(state=OutgoingState.STAGED).count() == 2
    sim.slow = 0
    for _ in range(100):  # the platform finishes the request the district abandoned
        if len(sim.store.receipts) == 2:
            break
        simulator_server.thread.join(0.05)
    assert len(sim.store.receipts) == 2
    result = services.platform_exchange(platform=https_platform)
    assert result["sent"] == 2 and result["accepted"] == 2
    assert len(sim.store.outgoing) == 2 and len(sim.store.receipts) == 2  # the re-sent push changed nothing
    keys = {f"list_entry:{e.pk}" for e in entries}
    assert OutgoingItem.objects.filter(source_key__in=keys, state=OutgoingState.ACCEPTED).count() == 2


def test_a_wrong_key_is_refused_and_nothing_moves(
    https_platform, company, monkeypatch, scjgj_clerk, scjgj_approver
):
    _black_published(company, scjgj_clerk, scjgj_approver)
    monkeypatch.setenv("PLATFORM_JINAN_KEY", "not-the-agreed-key")
    assert services.platform_exchange(platform=https_platform)["failed"] == 1
    platform = Platform.objects.get(pk=https_platform.pk)
    assert "401" in platform.last_error and "签名不正确" in platform.last_error
    assert OutgoingItem.objects.get().state == OutgoingState.STAGED
    monkeypatch.delenv("PLATFORM_JINAN_KEY")
    assert services.platform_exchange(platform=https_platform)["failed"] == 1
    assert "PLATFORM_JINAN_KEY 未设置" in Platform.objects.get(pk=https_platform.pk).last_error


def _signed_get(url: str, path: str, key: bytes, *, now: float, nonce_from: dict | None = None):
    headers = nonce_from or signing.request_headers(key, method="GET", path=path, body=b"", now=now)
    return requests.get(url + path, headers=headers, timeout=5), headers


def test_the_simulator_refuses_replays_stale_and_tampered_requests(simulator_server):
    key, path = HTTPS_KEY.encode(), "/v1/receipts?platform=jinan&after=0&limit=10"
    now = clock.timestamp()
    first, headers = _signed_get(simulator_server.url, path, key, now=now)
    assert first.status_code == 200
    signing.response_verify(
        key, status=200, nonce=headers[signing.NONCE], headers=first.headers, body=first.content, now=now
    )
    again, _ = _signed_get(simulator_server.url, path, key, now=now, nonce_from=headers)
    assert again.status_code == 401 and again.json()["rule"] == "replay"
    stale, _ = _signed_get(simulator_server.url, path, key, now=now - signing.WINDOW - 60)
    assert stale.status_code == 401 and stale.json()["rule"] == "window"
    fresh = signing.request_headers(key, method="GET", path=path, body=b"", now=now)
    other_path = requests.get(
        simulator_server.url + path.replace("after=0", "after=5"), headers=fresh, timeout=5
    )
    assert other_path.status_code == 401 and other_path.json()["rule"] == "signature"
    unsigned = requests.get(simulator_server.url + path, timeout=5)
    assert unsigned.status_code == 401


def test_a_platform_moved_from_the_exchange_database_to_https_reads_the_new_source_from_its_start(
    platform, platform_simulator, simulator_server, office_admin, monkeypatch, scjgj_clerk, scjgj_approver
):
    from jointcredit.platforms.transports.config import platform_transport_update

    first = _black_published(CompanyFactory(), scjgj_clerk, scjgj_approver)
    services.platform_exchange(platform=platform)
    platform_simulator.answer()
    services.platform_exchange(platform=platform)
    platform.refresh_from_db()
    assert platform.receipts_position >= 1
    monkeypatch.setenv("PLATFORM_JINAN_KEY", HTTPS_KEY)
    platform = platform_transport_update(
        actor=office_admin,
        platform=platform,
        transport="https",
        url=simulator_server.url,
        key_env="PLATFORM_JINAN_KEY",
        interval_minutes=1,
    )
    assert (platform.receipts_position, platform.incoming_position) == (0, 0)
    second = _black_published(CompanyFactory(), scjgj_clerk, scjgj_approver)
    assert services.platform_exchange(platform=platform)["accepted"] == 1
    states = dict(OutgoingItem.objects.values_list("source_key", "state"))
    assert states == {f"list_entry:{first.pk}": "accepted", f"list_entry:{second.pk}": "accepted"}
    assert (
        AuditEvent.objects.filter(action="platform.transport_update").get().after["positions_reset"] is True
    )


def test_the_back_off_doubles_and_a_platform_down_for_an_hour_is_tried_within_the_hour():
    from jointcredit.platforms.transports import retry_delay

    delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:5] == [30, 60, 120, 240, 480]
    assert sum(delays[:6]) < 3600 < sum(delays[:7])  # six retries in the first hour of an outage
    assert max(delays) == 3600  # never more than an hour between tries, however long it was down
