"""Two approvers acting on one entry at the same moment: exactly one wins, the other gets 409.
Real concurrent transactions, so PostgreSQL only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jointcredit.common.errors import Conflict
from jointcredit.exchange.models import OutboxEvent
from jointcredit.lists import services
from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.testing import postgres_only, race

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def _decided(black_draft, clerk, approver, today):
    entry = services.list_entry_notify(
        entry=black_draft(), actor=clerk, notified_on=today - timedelta(days=30)
    )
    return services.list_entry_decide(entry=entry, actor=approver)


def test_two_approvers_publish_same_entry(
    black_draft, scjgj_clerk, scjgj_approver, user_factory, lixia, today
):
    from jointcredit.accounts.models import Role

    second = user_factory(lixia["scjgj"], roles=[Role.APPROVER])
    entry = _decided(black_draft, scjgj_clerk, scjgj_approver, today)
    actors = [scjgj_approver, second]
    results = race(
        lambda i: services.list_entry_publish(entry=ListEntry.objects.get(pk=entry.pk), actor=actors[i])
    )
    wins = [r for r in results if isinstance(r, ListEntry)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].details[0]["current_state"] == "published"
    assert OutboxEvent.objects.filter(aggregate_id=str(entry.pk), kind="list_entry.published").count() == 1


def test_publish_and_removerace(black_draft, scjgj_clerk, scjgj_approver, today):
    entry = _decided(black_draft, scjgj_clerk, scjgj_approver, today)
    entry = services.list_entry_publish(entry=entry, actor=scjgj_approver)
    results = race(
        lambda i: services.list_entry_remove(
            entry=ListEntry.objects.get(pk=entry.pk), actor=scjgj_approver, reason="revoked", note=f"第{i}次"
        )
    )
    assert sum(isinstance(r, ListEntry) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert ListEntry.objects.get(pk=entry.pk).state == EntryState.REMOVED
    assert OutboxEvent.objects.filter(aggregate_id=str(entry.pk), kind="list_entry.removed").count() == 1


def test_concurrent_overlapping_drafts_one_wins(types, scjgj_clerk, company):
    body = {
        "list_type": "black_health_safety",
        "identifier": company.identifier,
        "name": company.name,
        "reason": "使用过期食品原料",
    }
    results = race(lambda i: services.list_entry_create(actor=scjgj_clerk, **body))
    assert sum(isinstance(r, ListEntry) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert ListEntry.objects.filter(subject=company).count() == 1
