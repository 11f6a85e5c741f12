"""GET /api/v1/check through the read fast lane (common.fastlane, ADR 0012): byte for byte what
Django answers, headers included, and every case the fast lane does not serve is handed to Django.

Both sides are the production WSGI applications called directly (the Django test client does not go
through ``config.wsgi``), with ``common.testing``'s helpers shared with tests/hardening/test_fastlane.py.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest

from jointcredit.accounts.services import api_token_create
from jointcredit.common import clock
from jointcredit.common.fastlane import FastLane
from jointcredit.subjects import generators as gen
from jointcredit.subjects.models import RelatedRole
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory, RelatedPersonFactory
from jointcredit.testing import SpyDjango, assert_same_as_django

from .factories import black_list_type, entry, red_list_type

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wsgi_keeps_test_connection")]
TODAY = clock.today()


def _same(app, path: str, **extra) -> tuple[str, bytes]:
    extra.setdefault("HTTP_X_REQUEST_ID", "fastlane-check-1")
    return assert_same_as_django(app, path, **extra)


@pytest.fixture
def world(catalog, user_factory):
    """A black-listed company (entry under objection) with a legal representative who is also
    black-listed himself and a director of a second listed company; a red-listed company; a
    company without entries."""
    bad, other = CompanyFactory(), CompanyFactory()
    entry(subject=bad, list_type=black_list_type(), department=catalog["scjgj"], under_objection=True)
    entry(
        subject=other,
        list_type=black_list_type(),
        department=catalog["scjgj"],
        valid_from=TODAY - timedelta(days=400),
        valid_until=TODAY - timedelta(days=1),
    )
    person = PersonFactory()
    RelatedPersonFactory(subject=bad, person=person, role=RelatedRole.LEGAL_REPRESENTATIVE)
    RelatedPersonFactory(subject=other, person=person, role=RelatedRole.DIRECTOR, directly_responsible=True)
    entry(subject=person, list_type=black_list_type("black-wage-arrears"), department=catalog["swj"])
    good = CompanyFactory()
    entry(subject=good, list_type=red_list_type(), department=catalog["swj"])
    _, raw = api_token_create(actor=None, user=user_factory(catalog["czj"], roles=["viewer"]))
    return {
        "bad": bad,
        "person": person,
        "good": good,
        "plain": CompanyFactory(),
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {raw}"},
    }


def test_check_is_answered_by_the_fast_lane_exactly_like_django(world):
    spy = SpyDjango()
    app = FastLane(spy)
    assert app.enabled
    past = (TODAY - timedelta(days=3)).isoformat()
    unknown = gen.uscc(random.Random(11))
    answered = []
    for key in ("bad", "person", "good", "plain"):
        ident = world[key].identifier
        for query in (
            f"identifier={ident}&scenario=market_entry",
            f"scenario=honours&identifier={ident}",
            f"identifier={ident}&scenario=licensing&date={past}",
            f"identifier={ident.lower()}&scenario=funding",
        ):
            status, body = _same(app, f"/api/v1/check?{query}", **world["bearer"])
            assert status == "200 OK"
            answered.append(body)
    status, body = _same(app, f"/api/v1/check?identifier={unknown}&scenario=funding", **world["bearer"])
    assert status == "200 OK" and json.loads(body)["subject"] is None
    assert spy.calls == 0, "every request above is the fast lane's to answer"
    hits = [h for body in answered for h in json.loads(body)["hits"]]
    assert any(h["under_objection"] for h in hits) and any(h["via"].startswith("法定代表人:") for h in hits)


@pytest.mark.parametrize(
    ("label", "query"),
    [
        ("malformed identifier → 422", "identifier=91370102163O44841F&scenario=funding"),
        ("unknown scenario → 422", "identifier={id}&scenario=lottery"),
        ("missing scenario → 422", "identifier={id}"),
        ("missing identifier → 422", "scenario=funding"),
        ("impossible date → 422", "identifier={id}&scenario=funding&date=2026-13-01"),
        ("date in another shape", "identifier={id}&scenario=funding&date=20261126"),
        ("empty date", "identifier={id}&scenario=funding&date="),
        ("unknown parameter", "identifier={id}&scenario=funding&foo=1"),
        ("parameter twice", "identifier={id}&scenario=funding&scenario=honours"),
    ],
)
def test_everything_else_is_answered_by_django(world, label, query):
    spy = SpyDjango()
    status, _ = _same(
        FastLane(spy), "/api/v1/check?" + query.format(id=world["bad"].identifier), **world["bearer"]
    )
    assert spy.calls == 1, label
    assert not status.startswith("5"), label


def test_a_check_with_a_cookie_or_a_wrong_token_goes_to_django(world):
    path = f"/api/v1/check?identifier={world['bad'].identifier}&scenario=funding"
    spy = SpyDjango()
    _same(FastLane(spy), path, HTTP_COOKIE="sessionid=abc", **world["bearer"])
    status, _ = _same(FastLane(spy), path, HTTP_AUTHORIZATION="Bearer jc_not-a-real-token")
    assert status.startswith("401") and spy.calls == 2
