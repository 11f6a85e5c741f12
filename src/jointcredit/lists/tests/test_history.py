"""Status history of list entries (ADR 0032): written by the services, backfilled for old entries,
shown to staff (page, GET /list-entries/{id}/history) and, in part, to the public."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse

from jointcredit.common import clock
from jointcredit.lists import selectors, services, sweeps
from jointcredit.lists.models import ListEntry, ListEntryChange
from jointcredit.subjects.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def _events(entry) -> list[tuple[str, str, str]]:
    return [(c.event, c.state_before, c.state_after) for c in entry.changes.order_by("recorded_at", "pk")]


def test_every_step_is_recorded_with_states_reason_actor_and_both_times(
    black_draft, scjgj_clerk, scjgj_approver, today
):
    entry = black_draft()
    entry = services.list_entry_notify(entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=30))
    entry = services.list_entry_statement_record(entry=entry, actor=scjgj_clerk, outcome="waived")
    entry = services.list_entry_decide(
        entry=entry, actor=scjgj_approver, decided_on=today - timedelta(days=20)
    )
    entry = services.list_entry_publish(entry=entry, actor=scjgj_approver)
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    entry = services.list_entry_correct(
        entry=entry,
        actor=scjgj_approver,
        legal_basis="《中华人民共和国食品安全法》第一百三十六条",
        note="依据条款有误",
    )
    services.list_entry_set_objection(entry=entry, under_objection=False, actor=scjgj_approver)
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked", note="异议成立，撤销认定")
    assert _events(entry) == [
        ("created", "", "draft"),
        ("notified", "draft", "notified"),
        ("decided", "notified", "decided"),
        ("published", "decided", "published"),
        ("objection_opened", "published", "published"),
        ("corrected", "published", "published"),
        ("objection_closed", "published", "published"),
        ("removed", "published", "removed"),
    ]
    rows = {c.event: c for c in entry.changes.all()}
    assert rows["notified"].effective_on == today - timedelta(days=30)  # valid time: the day served
    assert rows["decided"].effective_on == today - timedelta(days=20)
    assert rows["decided"].recorded_at.date() >= today - timedelta(days=1)  # transaction time: now
    assert rows["removed"].removal_reason == "revoked" and rows["removed"].reason == "异议成立，撤销认定"
    assert rows["removed"].label == "移出（撤销）"
    assert rows["corrected"].reason == "依据条款有误"
    assert rows["created"].actor == scjgj_clerk and rows["published"].actor_name == str(scjgj_approver)
    entry.refresh_from_db()
    assert entry.objection_periods == [[today.isoformat(), today.isoformat()]]


def test_supersede_and_expiry_are_recorded_by_the_system(
    red_draft, black_published, swj_approver, company, today, time_machine
):
    red = services.list_entry_publish(entry=red_draft(), actor=swj_approver)
    black = black_published(company)
    assert _events(red)[-1] == ("removed", "published", "removed")
    assert red.changes.get(event="removed").removal_reason == "superseded"
    # Expiry: derived on every read before the sweep announces it, recorded once it does.
    ListEntry.objects.filter(pk=black.pk).update(
        decided_on=today - timedelta(days=30),
        valid_from=today - timedelta(days=30),
        valid_until=today - timedelta(days=2),
    )
    black.refresh_from_db()
    derived = selectors.list_entry_timeline(black)[-1]
    assert (
        derived["event"] == "expired"
        and derived["derived"]
        and derived["effective_on"] == today - timedelta(days=1)
    )
    sweeps.run(now=clock.now())
    (expired,) = black.changes.filter(event="expired")
    assert expired.effective_on == today - timedelta(days=1) and expired.actor is None
    assert [s["event"] for s in selectors.list_entry_timeline(black)].count("expired") == 1


def test_api_history_sub_resource(black_published, api_client_for, scjgj_approver):
    entry = black_published()
    api = api_client_for(scjgj_approver)
    body = api.get(f"/api/v1/list-entries/{entry.pk}/history").json()
    assert [s["event"] for s in body] == ["created", "notified", "decided", "published"]
    step = body[-1]
    assert step["state_before"] == "decided" and step["state_after"] == "published"
    assert step["actor"] == str(scjgj_approver) and step["recorded_at"] and step["effective_on"]
    assert step["backfilled"] is False and step["derived"] is False
    assert api.get("/api/v1/list-entries/999999/history").status_code == 404


def test_staff_page_shows_the_timeline_and_public_page_only_the_public_steps(
    black_published, scjgj_approver, client, person
):
    entry = black_published(person)
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    client.force_login(scjgj_approver)
    staff = client.get(reverse("lists:entry_detail", args=[entry.pk])).content.decode()
    assert "状态历史" in staff and "告知" in staff and str(scjgj_approver) in staff
    public = selectors.list_entry_public_timeline(entry)
    assert [s["event"] for s in public] == ["published", "objection_opened"]
    assert all(set(s) == {"event", "label", "effective_on"} for s in public)
    client.logout()
    page = client.get(reverse("lists_public:detail", args=[entry.pk])).content.decode()
    assert "公示记录" in page and "异议受理" in page
    assert "送达告知书" not in page and person.name not in page and str(scjgj_approver) not in page


def test_backfill_rebuilds_history_from_the_audit_trail_and_timestamps(
    black_published, types, lixia, scjgj_approver, today
):
    entry = black_published()
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    written = [(c.event, c.state_before, c.state_after, c.effective_on) for c in entry.changes.order_by("pk")]
    # An entry with no audit trail at all (bulk-loaded): only its timestamps speak.
    other = CompanyFactory()
    red = ListEntry.objects.create(
        list_type=types["red_good_rating"],
        subject=other,
        subject_name=other.name,
        department=lixia["swj"],
        state="removed",
        reason="纳税信用A级",
        legal_basis="《纳税信用管理办法（试行）》",
        decided_on=today - timedelta(days=40),
        valid_from=today - timedelta(days=40),
        valid_until=today + timedelta(days=300),
        published_at=clock.now() - timedelta(days=30),
        removed_at=clock.now() - timedelta(days=3),
        removal_reason="revoked",
        removal_note="撤销",
    )
    ListEntry.objects.filter(pk=red.pk).update(created_at=clock.now() - timedelta(days=40))
    ListEntryChange.objects.all().delete()
    ListEntry.objects.update(objection_periods=[])
    migration = importlib.import_module("jointcredit.lists.migrations.0009_backfill_entry_status_history")
    migration.backfill(apps, None)
    assert [
        (c.event, c.state_before, c.state_after, c.effective_on)
        for c in entry.changes.order_by("recorded_at")
    ] == written
    assert all(c.backfilled for c in entry.changes.all())
    assert entry.changes.get(event="published").actor == scjgj_approver
    assert [(c.event, c.state_before, c.state_after) for c in red.changes.order_by("recorded_at")] == [
        ("created", "", "draft"),
        ("published", "draft", "published"),
        ("removed", "published", "removed"),
    ]
    assert red.changes.get(event="removed").removal_reason == "revoked"
    entry.refresh_from_db()
    assert entry.objection_periods == [[today.isoformat(), None]]
    migration.backfill(apps, None)  # idempotent: entries with history are left alone
    assert entry.changes.count() == len(written)
