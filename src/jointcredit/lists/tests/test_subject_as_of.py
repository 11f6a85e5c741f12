"""The subject detail's entries as of a date D (issue #17 §2, ADR 0036): GET /api/v1/subjects/{id}?date=D
and the public subject page ?date=D list the entries in force at the end of D, whatever happened
later — one removed since flagged with its removal, one revoked as erroneous with ``later_revoked``,
an objection open on D flagged — by the rule the check uses (lists.asof.entry_as_of)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client

from jointcredit.common import clock
from jointcredit.lists import services
from jointcredit.lists.selectors import subject_entries_section
from jointcredit.subjects.public import subject_public_url

pytestmark = pytest.mark.django_db


def _travel(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


@pytest.fixture
def entries_on(api_client_for, scjgj_approver, company):
    """The API's entries of ``company`` as of ``on`` (None: no date), by entry id."""
    api = api_client_for(scjgj_approver)

    def ask(on: date | None) -> dict[int, dict]:
        params = {} if on is None else {"date": on.isoformat()}
        body = api.get(f"/api/v1/subjects/{company.identifier}", params).json()
        assert body["as_of"] == (None if on is None else on.isoformat())
        assert "entries" not in body["not_as_of"]
        return {e["id"]: e for e in body["entries"]}

    return ask


@pytest.fixture
def public_page(company):
    def get(on: date | None) -> str:
        params = {} if on is None else {"date": on.isoformat()}
        return Client().get(subject_public_url(company), params).content.decode()

    return get


def test_entry_published_after_the_date_is_absent(published_late, entries_on, public_page):
    entry = published_late()  # in its validity from 20 days ago, published today
    today = clock.today()
    assert entry.pk not in entries_on(today - timedelta(days=10))
    assert entry.reason not in public_page(today - timedelta(days=10))
    assert entry.pk in entries_on(None) and entry.reason in public_page(None)


def test_entry_removed_after_the_date_is_present_with_its_removal(
    black_published, entries_on, public_page, scjgj_approver, time_machine
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=400))  # past the minimum period before repair
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="repaired", note="已履行并整改")
    repaired_on = clock.today()
    assert entry.pk not in entries_on(None) and entry.reason not in public_page(None)

    d = published_on + timedelta(days=100)
    item = entries_on(d)[entry.pk]
    assert item["removed_on"] == repaired_on.isoformat() and item["removal_reason"] == "repaired"
    assert item["later_revoked"] is False and item["state"] == "published" and item["effective"] is True
    page = public_page(d)
    assert entry.reason in page and f"{repaired_on:%Y-%m-%d}（信用修复）" in page and "此后已移出" in page
    assert entry.pk not in entries_on(repaired_on)  # removed on D: no longer in force on D


def test_entry_revoked_as_erroneous_after_the_date_is_present_flagged(
    black_published, entries_on, public_page, scjgj_approver, time_machine
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked", note="异议成立，撤销认定")
    d = published_on + timedelta(days=5)
    item = entries_on(d)[entry.pk]
    assert item["later_revoked"] is True and item["removal_reason"] == "revoked"
    assert item["removed_on"] == (published_on + timedelta(days=10)).isoformat()
    page = public_page(d)
    assert entry.reason in page and "此后已撤销" in page
    assert "此后已撤销" not in public_page(published_on + timedelta(days=10))


def test_entry_expired_before_the_date_is_absent(published_late, entries_on, public_page, time_machine):
    today = clock.today()
    entry = published_late(valid_until=today + timedelta(days=5))
    _travel(time_machine, today + timedelta(days=30))
    assert entry.pk not in entries_on(today + timedelta(days=6))
    assert entry.reason not in public_page(today + timedelta(days=6))
    last_day = entries_on(today + timedelta(days=5))[entry.pk]
    assert last_day["removed_on"] is None and last_day["later_revoked"] is False
    assert entry.reason in public_page(today + timedelta(days=5))
    assert entry.pk not in entries_on(None)


def test_objection_open_on_the_date_is_flagged(
    black_published, entries_on, public_page, scjgj_approver, time_machine
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    _travel(time_machine, published_on + timedelta(days=20))
    services.list_entry_set_objection(entry=entry, under_objection=False, actor=scjgj_approver)
    for days, flagged in ((5, False), (9, False), (10, True), (19, True), (20, False)):
        assert entries_on(published_on + timedelta(days=days))[entry.pk]["under_objection"] is flagged, days
    assert "异议中" in public_page(published_on + timedelta(days=15))
    assert "异议中" not in public_page(published_on + timedelta(days=5))
    assert entries_on(None)[entry.pk]["under_objection"] is False


def test_today_as_date_is_todays_answer(published_late, black_draft, entries_on):
    published_late()
    draft = black_draft(list_type="black_market_order")  # unfinished: staff see it today only
    now = entries_on(None)
    assert len(now) == 2 and draft.pk in now and entries_on(clock.today()) == now
    assert draft.pk not in entries_on(clock.today() - timedelta(days=1))


def test_past_date_is_one_query_and_masks_persons_for_the_public(
    black_published, person, scjgj_approver, time_machine, django_assert_num_queries
):
    published_on = clock.today()
    entry = black_published(person, name=person.name)
    _travel(time_machine, published_on + timedelta(days=10))
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="corrected", note="更正")
    with django_assert_num_queries(1):
        (item,) = subject_entries_section(person, public=True, on=published_on + timedelta(days=5))
    assert item["later_revoked"] is True and item["removal_reason"] == "corrected"
    assert item["subject_name"] != person.name and item["subject_name"].startswith(person.name[0])
    (staff,) = subject_entries_section(person, on=published_on + timedelta(days=5))
    assert "subject_name" not in staff
