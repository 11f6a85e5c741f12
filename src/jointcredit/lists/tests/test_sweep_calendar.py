"""Expiry is derived from dates; the sweep only announces it, once. Pending deadlines recompute."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from jointcredit.calendar.services import calendar_year_configure
from jointcredit.common import clock
from jointcredit.exchange.models import OutboxEvent
from jointcredit.lists import selectors, services, sweeps
from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.testing import next_unconfigured_year

pytestmark = pytest.mark.django_db


def _expire(entry, today):
    """Move an entry's validity into the past (as if time had passed)."""
    ListEntry.objects.filter(pk=entry.pk).update(
        decided_on=today - timedelta(days=400),
        valid_from=today - timedelta(days=400),
        valid_until=today - timedelta(days=1),
    )
    entry.refresh_from_db()
    return entry


def test_expired_entry_leaves_at_read_time_and_sweep_emits_once(red_published, today, company):
    entry = _expire(red_published(), today)
    assert entry.state == EntryState.PUBLISHED and entry.is_expired(today) and not entry.is_effective(today)
    assert list(selectors.entries_effective_for_subjects([company.pk], today)) == []
    assert selectors.public_entry_list(color="red").total == 0

    assert sweeps.run(now=clock.now(), stdout=io.StringIO()) == {"到期移出事件": 1}
    assert sweeps.run(now=clock.now(), stdout=io.StringIO()) == {"到期移出事件": 0}
    events = OutboxEvent.objects.filter(aggregate_id=str(entry.pk), kind="list_entry.removed")
    assert events.count() == 1 and events.get().payload["removal_reason"] == "expired"
    entry.refresh_from_db()
    assert entry.expiry_emitted_at is not None and entry.state == EntryState.PUBLISHED


def test_sweep_ignores_effective_and_removed_entries(red_published, black_published, swj_approver, today):
    from jointcredit.subjects.tests.factories import CompanyFactory

    black_published()  # effective
    removed = _expire(red_published(CompanyFactory()), today)
    services.list_entry_remove(entry=removed, actor=swj_approver, reason="expired")
    due = _expire(red_published(CompanyFactory()), today)
    assert sweeps.run(now=clock.now())["到期移出事件"] == 1
    assert (
        OutboxEvent.objects.filter(kind="list_entry.removed", payload__removal_reason="expired").count() == 2
    )
    assert ListEntry.objects.get(pk=due.pk).expiry_emitted_at is not None
    assert ListEntry.objects.get(pk=removed.pk).expiry_emitted_at is None


def test_manual_removal_after_expiry_is_allowed_with_reason_expired(red_published, swj_approver, today):
    entry = _expire(red_published(), today)
    entry = services.list_entry_remove(entry=entry, actor=swj_approver, reason="expired")
    assert entry.state == EntryState.REMOVED
    assert sweeps.run(now=clock.now())["到期移出事件"] == 0


def test_deadline_in_unconfigured_year_is_pending_then_recomputed(
    black_draft, scjgj_clerk, scjgj_approver, office_admin, monkeypatch, django_capture_on_commit_callbacks
):
    unconfigured = next_unconfigured_year()
    notice_day = date(unconfigured - 1, 12, 28)
    monkeypatch.setattr(services, "_today", lambda: notice_day)
    entry = services.list_entry_notify(entry=black_draft(), actor=scjgj_clerk, notified_on=notice_day)
    assert entry.statement_deadline is None and entry.statement_deadline_pending
    with pytest.raises(services.Conflict, match="待配置节假日"):
        services.list_entry_decide(entry=entry, actor=scjgj_approver)

    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_configure(
            actor=office_admin, year=unconfigured, overrides=[(date(unconfigured, 1, 1), "holiday", "元旦")]
        )
    entry.refresh_from_db()
    assert entry.statement_deadline is not None and entry.statement_deadline.year == unconfigured
    assert not entry.statement_deadline_pending
    # 5 working days after 28 Dec, skipping the weekend(s) and 1 January.
    assert entry.statement_deadline >= date(unconfigured, 1, 4)


def test_recompute_leaves_unaffected_deadlines_alone(black_draft, scjgj_clerk, today):
    entry = services.list_entry_notify(
        entry=black_draft(), actor=scjgj_clerk, notified_on=today - timedelta(days=3)
    )
    assert services.list_entry_deadlines_recompute(years={today.year}) == 0
    entry.refresh_from_db()
    assert entry.statement_deadline is not None
