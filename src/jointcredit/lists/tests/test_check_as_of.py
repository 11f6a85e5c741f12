"""The check as of a date D (ADR 0032): entries made and ended by the lists services, asked through
measure_check and GET /api/v1/check. An entry counts if it was in force on D whatever happened later;
one revoked later is reported with that fact, an objection open on D flags the hit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from jointcredit.common import clock
from jointcredit.lists import services
from jointcredit.measures.selectors import measure_check

pytestmark = pytest.mark.django_db
SCENARIO = "funding"


def _travel(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


@pytest.fixture
def ask(api_client_for, scjgj_approver, company):
    """Both ways in: the service and the HTTP API must agree; returns the API's hits of ``entry``."""
    api = api_client_for(scjgj_approver)

    def check(entry, on: date | None) -> list[dict]:
        params = {"identifier": company.identifier, "scenario": SCENARIO}
        if on is not None:
            params["date"] = on.isoformat()
        body = api.get("/api/v1/check", params).json()
        result = measure_check(identifier=company.identifier, scenario=SCENARIO, on=on)
        own = [h for h in body["hits"] if h["entry_id"] == entry.pk]
        assert [h["measure_code"] for h in own] == [
            h.measure.code for h in result.hits if h.entry.id == entry.pk
        ]
        assert {h.entry.under_objection for h in result.hits if h.entry.id == entry.pk} <= {
            h["under_objection"] for h in own
        }
        return own

    return check


def test_entry_published_after_the_date_gives_no_hit(published_late, ask):
    entry = published_late()
    today = clock.today()
    assert ask(entry, today - timedelta(days=10)) == []  # within validity, not yet published
    hits = ask(entry, today)
    assert hits and not any(h["later_revoked"] or h["removed_on"] for h in hits)
    assert ask(entry, None) == hits


def test_entry_repaired_after_the_date_still_hits_with_its_removal(
    black_published, ask, scjgj_approver, time_machine
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=400))  # past the minimum period before repair
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="repaired", note="已履行并整改")
    repaired_on = clock.today()
    assert ask(entry, None) == []
    hits = ask(entry, published_on + timedelta(days=100))
    assert hits and all(
        h["removed_on"] == repaired_on.isoformat()
        and h["removal_reason"] == "repaired"
        and h["later_revoked"] is False
        for h in hits
    )
    assert "信用修复" in hits[0]["explanation"]
    assert ask(entry, repaired_on) == []  # removed on D: no longer in force on D


def test_entry_expired_before_the_date_gives_no_hit(published_late, ask, time_machine):
    today = clock.today()
    entry = published_late(valid_until=today + timedelta(days=5))
    _travel(time_machine, today + timedelta(days=30))
    assert ask(entry, today + timedelta(days=6)) == []
    assert ask(entry, today + timedelta(days=5))  # its last day
    assert ask(entry, None) == []


def test_entry_revoked_as_erroneous_after_the_date_hits_flagged(
    black_published, ask, scjgj_approver, time_machine
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked", note="异议成立，撤销认定")
    hits = ask(entry, published_on + timedelta(days=5))
    assert hits and all(
        h["later_revoked"] is True
        and h["removal_reason"] == "revoked"
        and h["removed_on"] == (published_on + timedelta(days=10)).isoformat()
        for h in hits
    )
    assert "认定有误" in hits[0]["explanation"]
    assert ask(entry, None) == []


def test_staff_check_page_answers_as_of_the_date(
    black_published, scjgj_approver, client, company, time_machine
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked", note="撤销")
    client.force_login(scjgj_approver)
    params = {"identifier": company.identifier, "scenario": SCENARIO}
    page = client.get(
        "/staff/measures/check/", {**params, "date": (published_on + timedelta(days=5)).isoformat()}
    )
    assert f"条目 #{entry.pk}" in page.content.decode() and "后经撤销/更正" in page.content.decode()
    assert f"条目 #{entry.pk}" not in client.get("/staff/measures/check/", params).content.decode()


def test_objection_open_on_the_date_flags_the_hit(black_published, ask, scjgj_approver, time_machine):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    assert all(h["under_objection"] for h in ask(entry, None))
    _travel(time_machine, published_on + timedelta(days=20))
    services.list_entry_set_objection(entry=entry, under_objection=False, actor=scjgj_approver)
    for days, flagged in ((5, False), (9, False), (10, True), (15, True), (19, True), (20, False)):
        hits = ask(entry, published_on + timedelta(days=days))
        assert hits and all(h["under_objection"] is flagged for h in hits), days
    assert not any(h["under_objection"] for h in ask(entry, None))


def test_as_of_check_makes_the_same_queries(
    black_published, scjgj_approver, time_machine, company, django_assert_max_num_queries
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked", note="撤销")
    on = published_on + timedelta(days=5)
    measure_check(identifier=company.identifier, scenario=SCENARIO, on=on)  # warm the catalogue
    # subject, roles, entries, catalogue version (TTL 0 in tests): as today's check
    with django_assert_max_num_queries(4):
        assert measure_check(identifier=company.identifier, scenario=SCENARIO, on=on).hits
