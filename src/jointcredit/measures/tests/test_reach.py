"""Who the check reaches (ADR 0046): shareholders as deep and from the share a measure says, and the
persons an approver named directly responsible at 认定 — the single check and the batch screening
alike."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from jointcredit.common import clock
from jointcredit.measures.models import Measure
from jointcredit.measures.screening import _targets_frame, hit_targets_build, hit_targets_frame
from jointcredit.measures.selectors import measure_check
from jointcredit.subjects.models import RelatedRole
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory, RelatedPersonFactory

from .factories import black_list_type, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(catalog):
    """A black-listed company X; holding company H owns 60 % of X; person P owns 80 % of H."""
    listed, holding, person = CompanyFactory(), CompanyFactory(), PersonFactory()
    entry(subject=listed, list_type=black_list_type(), department=catalog["scjgj"])
    RelatedPersonFactory(
        subject=listed, person=holding, role=RelatedRole.SHAREHOLDER, share_ratio=Decimal(60)
    )
    RelatedPersonFactory(
        subject=holding, person=person, role=RelatedRole.SHAREHOLDER, share_ratio=Decimal(80)
    )
    return listed, holding, person


def _reach(depth: int = 1, min_share: str | None = None) -> None:
    """market_entry's 市场和行业禁入 reaching shareholders too, as deep and from the share given."""
    measure = Measure.objects.get(code="punish-market-entry")
    measure.reach_roles = [*measure.reach_roles, RelatedRole.SHAREHOLDER]
    measure.shareholder_depth = depth
    measure.shareholder_min_share = None if min_share is None else Decimal(min_share)
    measure.save()


def _vias(identifier: str, on=None) -> set[str]:
    return {h.via for h in measure_check(identifier=identifier, scenario="market_entry", on=on).hits}


def _screened(identifier: str) -> tuple[bool, bool]:
    """Whether the reference (per subject) and the set-based screening each find a hit."""
    today = clock.today()
    by_engine = _targets_frame(hit_targets_build(scenario="market_entry", on=today))
    by_joins = hit_targets_frame(scenario="market_entry", on=today)
    return (
        identifier in by_engine.get_column("normalized").to_list(),
        identifier in by_joins.get_column("normalized").to_list(),
    )


def test_direct_shareholders_only_by_default(chain):
    listed, holding, person = chain
    _reach()
    assert _vias(holding.identifier) == {f"股东:{listed.identifier}"}
    assert _vias(person.identifier) == set()
    assert _screened(holding.identifier) == (True, True)
    assert _screened(person.identifier) == (False, False)


def test_depth_two_reaches_the_owner_of_the_shareholder(chain):
    listed, holding, person = chain
    _reach(depth=2)
    hits = measure_check(identifier=person.identifier, scenario="market_entry").hits
    assert [h.via for h in hits] == [f"股东:{listed.identifier}"]
    assert f"经{holding.name}（{holding.identifier}）间接持股" in hits[0].explanation
    assert "持股60%" in hits[0].explanation
    assert _screened(person.identifier) == (True, True)


def test_a_minimum_share_holds_along_the_whole_chain(chain):
    listed, holding, person = chain
    _reach(depth=2, min_share="70")
    assert _vias(holding.identifier) == set()  # holds 60 %
    assert _vias(person.identifier) == set()  # 80 % of a 60 % holder
    assert _screened(person.identifier) == (False, False)
    _reach(depth=2, min_share="50")
    assert _vias(person.identifier) == {f"股东:{listed.identifier}"}


def test_a_shareholding_that_ended_no_longer_reaches(chain):
    listed, holding, person = chain
    _reach(depth=2)
    link = holding.roles_in.get()
    link.valid_from = clock.today() - timedelta(days=400)
    link.valid_until = clock.today() - timedelta(days=2)
    link.save()
    assert _vias(person.identifier) == set()
    assert _vias(person.identifier, on=clock.today() - timedelta(days=5)) == {f"股东:{listed.identifier}"}


def test_the_persons_chosen_at_decision_replace_the_flags(catalog):
    company = CompanyFactory()
    e = entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    flagged = RelatedPersonFactory(subject=company, role=RelatedRole.DIRECTOR, directly_responsible=True)
    named = RelatedPersonFactory(subject=company, role=RelatedRole.DIRECTOR, directly_responsible=False)
    rep = RelatedPersonFactory(subject=company, role=RelatedRole.LEGAL_REPRESENTATIVE)

    def honours(link) -> list[str]:
        return [
            h.measure.code for h in measure_check(identifier=link.person.identifier, scenario="honours").hits
        ]

    # No choice at 认定: the link's own flag decides (the behaviour before the choice existed).
    assert (honours(flagged), honours(named)) == (["punish-honours"], [])
    e.responsible_chosen = True
    e.save()
    e.responsible_persons.set([named])
    assert (honours(flagged), honours(named)) == ([], ["punish-honours"])
    hit = measure_check(identifier=named.person.identifier, scenario="honours").hits[0]
    assert "在认定时被确定为对失信行为负有直接责任的人员" in hit.explanation
    # Roles the measure reaches whoever holds them are not affected by the choice.
    assert honours(rep) == ["punish-honours"]
    today = clock.today()
    by_engine = _targets_frame(hit_targets_build(scenario="honours", on=today)).sort("normalized")
    by_joins = hit_targets_frame(scenario="honours", on=today).sort("normalized")
    assert by_joins.equals(by_engine)
    assert named.person.identifier in by_joins.get_column("normalized").to_list()
    assert flagged.person.identifier not in by_joins.get_column("normalized").to_list()


def test_the_office_sets_the_reach_through_the_api_and_the_page(
    catalog, office_admin, api_client_for, client
):
    api = api_client_for(office_admin)
    url = "/api/v1/measures/punish-honours"

    def patch(body: dict):
        return api.client.patch(url, json.dumps(body), content_type="application/json", **api.headers)

    changed = patch({"shareholder_depth": 3, "shareholder_min_share": "25"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["shareholder_depth"], changed.json()["shareholder_min_share"]) == (3, 25.0)
    assert patch({"shareholder_depth": 9}).status_code == 422
    cleared = patch({"shareholder_min_share": None}).json()
    assert cleared["shareholder_min_share"] is None and cleared["shareholder_depth"] == 3
    client.force_login(office_admin)
    page = client.get("/staff/measures/list/punish-honours/edit/")
    assert page.status_code == 200 and "股东穿透层级" in page.content.decode()
