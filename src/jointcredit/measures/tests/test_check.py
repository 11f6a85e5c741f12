"""The check engine: measure_check and GET /api/v1/check."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.lists.models import EntryState
from jointcredit.measures.models import CatalogVersion, Measure, Memorandum
from jointcredit.measures.recorded import check_answer
from jointcredit.measures.selectors import measure_check
from jointcredit.measures.services import measure_update, memorandum_update
from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER
from jointcredit.subjects.models import RelatedRole, Subject, SubjectAlias, SubjectKind
from jointcredit.subjects.selectors import subject_find
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory, RelatedPersonFactory

from .factories import black_list_type, entry, red_list_type

pytestmark = pytest.mark.django_db
TODAY = clock.today()


@pytest.fixture(autouse=True)
def _clock_stays_on_today(time_machine):
    """TODAY is read once, when the module is imported: a run that crosses midnight (Beijing time)
    must not compare it with the next day's date."""
    time_machine.move_to(datetime.combine(TODAY, time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)


def codes(result) -> list[tuple[str, str]]:
    return [(h.measure.code, h.via) for h in result.hits]


@pytest.fixture
def blacklisted(catalog):
    company = CompanyFactory()
    e = entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    return company, e


def test_blacklisted_company_gets_the_scenario_punishment_itself(blacklisted, catalog):
    company, e = blacklisted
    result = measure_check(identifier=company.identifier, scenario="funding")
    assert codes(result) == [("punish-funding", "self")]
    hit = result.hits[0].as_dict()
    assert hit["entry_id"] == e.id
    assert hit["initiating_department"] == "区市场监管局"
    assert hit["list_type"] == "black-food-safety"
    assert hit["kind"] == "punishment"
    assert "限制申请财政性资金项目" in hit["legal_basis"]
    assert hit["under_objection"] is False
    assert "区财政局" in hit["implementing_departments"]
    assert "该主体被列入“食品安全领域严重失信主体名单”" in hit["explanation"]


def test_other_scenarios_give_their_own_measure_only(blacklisted):
    company, _ = blacklisted
    assert codes(measure_check(identifier=company.identifier, scenario="public_resource_trading")) == [
        ("punish-public-resource-trading", "self")
    ]
    assert codes(measure_check(identifier=company.identifier, scenario="publicity")) == []


def test_legal_representative_is_banned_via_the_company(blacklisted):
    company, _ = blacklisted
    link = RelatedPersonFactory(subject=company, role=RelatedRole.LEGAL_REPRESENTATIVE)
    result = measure_check(identifier=link.person.identifier, scenario="market_entry")
    assert codes(result) == [("punish-market-entry", f"法定代表人:{company.identifier}")]
    assert result.subject.identifier == link.person.identifier
    assert f"{company.name}（{company.identifier}）的法定代表人" in result.hits[0].explanation
    # Funding restrictions reach the subject only, not its people.
    assert codes(measure_check(identifier=link.person.identifier, scenario="funding")) == []


def test_licensed_professional_only_when_directly_responsible(blacklisted):
    company, _ = blacklisted
    bystander = RelatedPersonFactory(subject=company, role=RelatedRole.LICENSED_PROFESSIONAL)
    culprit = RelatedPersonFactory(
        subject=company, role=RelatedRole.LICENSED_PROFESSIONAL, directly_responsible=True
    )
    assert codes(measure_check(identifier=bystander.person.identifier, scenario="market_entry")) == []
    assert codes(measure_check(identifier=culprit.person.identifier, scenario="market_entry")) == [
        ("punish-market-entry", f"注册执业人员:{company.identifier}")
    ]


def test_honours_reach_managers_and_directly_responsible_directors_and_shareholders(blacklisted):
    company, _ = blacklisted
    manager = RelatedPersonFactory(subject=company, role=RelatedRole.SENIOR_MANAGER)
    director = RelatedPersonFactory(subject=company, role=RelatedRole.DIRECTOR)
    guilty_director = RelatedPersonFactory(
        subject=company, role=RelatedRole.DIRECTOR, directly_responsible=True
    )
    shareholder = RelatedPersonFactory(
        subject=company, role=RelatedRole.SHAREHOLDER, directly_responsible=True
    )
    assert codes(measure_check(identifier=manager.person.identifier, scenario="honours")) == [
        ("punish-honours", f"高级管理人员:{company.identifier}")
    ]
    assert codes(measure_check(identifier=director.person.identifier, scenario="honours")) == []
    assert codes(measure_check(identifier=guilty_director.person.identifier, scenario="honours")) == [
        ("punish-honours", f"董事:{company.identifier}")
    ]
    assert codes(measure_check(identifier=shareholder.person.identifier, scenario="honours")) == [
        ("punish-honours", f"股东:{company.identifier}")
    ]
    # Senior managers are not banned from the market, only from honours.
    assert codes(measure_check(identifier=manager.person.identifier, scenario="market_entry")) == []


def test_person_with_own_entry_and_roles_in_two_blacklisted_companies(catalog):
    person = PersonFactory()
    first, second = CompanyFactory(), CompanyFactory()
    for company in (first, second):
        entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    RelatedPersonFactory(subject=first, person=person, role=RelatedRole.LEGAL_REPRESENTATIVE)
    RelatedPersonFactory(subject=second, person=person, role=RelatedRole.PRINCIPAL)
    entry(subject=person, list_type=black_list_type("black-wage-arrears"), department=catalog["swj"])
    vias = sorted(h.via for h in measure_check(identifier=person.identifier, scenario="market_entry").hits)
    assert vias == sorted(["self", f"法定代表人:{first.identifier}", f"主要负责人:{second.identifier}"])


def test_two_roles_in_one_listed_company_give_one_hit_per_role(blacklisted):
    company, e = blacklisted
    person = RelatedPersonFactory(subject=company, role=RelatedRole.LEGAL_REPRESENTATIVE).person
    RelatedPersonFactory(subject=company, person=person, role=RelatedRole.PRINCIPAL)
    result = measure_check(identifier=person.identifier, scenario="market_entry")
    assert codes(result) == [
        ("punish-market-entry", f"主要负责人:{company.identifier}"),
        ("punish-market-entry", f"法定代表人:{company.identifier}"),
    ]
    assert {h.entry.id for h in result.hits} == {e.id}


def test_role_that_ended_no_longer_carries_the_ban(blacklisted):
    company, _ = blacklisted
    former = RelatedPersonFactory(
        subject=company,
        role=RelatedRole.LEGAL_REPRESENTATIVE,
        valid_from=TODAY - timedelta(days=900),
        valid_until=TODAY - timedelta(days=10),
    )
    assert codes(measure_check(identifier=former.person.identifier, scenario="market_entry")) == []
    # ... but a check dated while the role was held does find it.
    past = measure_check(
        identifier=former.person.identifier, scenario="market_entry", on=TODAY - timedelta(days=20)
    )
    assert len(past.hits) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"state": EntryState.DECIDED},
        {"state": EntryState.REMOVED},
        {"valid_from": TODAY - timedelta(days=400), "valid_until": TODAY - timedelta(days=1)},
        {"valid_from": TODAY + timedelta(days=5), "valid_until": TODAY + timedelta(days=300)},
    ],
)
def test_entries_not_in_force_give_nothing(catalog, kwargs):
    company = CompanyFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"], **kwargs)
    result = measure_check(identifier=company.identifier, scenario="funding")
    assert result.subject is not None
    assert result.hits == []


def test_check_on_a_past_date_sees_the_entry_that_was_in_force(catalog):
    company = CompanyFactory()
    entry(
        subject=company,
        list_type=black_list_type(),
        department=catalog["scjgj"],
        valid_from=TODAY - timedelta(days=400),
        valid_until=TODAY - timedelta(days=1),
    )
    assert (
        len(
            measure_check(
                identifier=company.identifier, scenario="funding", on=TODAY - timedelta(days=2)
            ).hits
        )
        == 1
    )
    assert measure_check(identifier=company.identifier, scenario="funding", on=TODAY).hits == []


def test_open_ended_entry_is_in_force(catalog):
    company = CompanyFactory()
    e = entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    type(e).objects.filter(pk=e.pk).update(valid_from=None, valid_until=None)
    assert len(measure_check(identifier=company.identifier, scenario="funding").hits) == 1


def test_entry_under_objection_is_flagged(catalog):
    company = CompanyFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"], under_objection=True)
    hit = measure_check(identifier=company.identifier, scenario="funding").hits[0]
    assert hit.as_dict()["under_objection"] is True
    assert "异议处理中" in hit.explanation


def test_red_list_gives_incentives(catalog):
    company = CompanyFactory()
    entry(subject=company, list_type=red_list_type(), department=catalog["swj"])
    assert codes(measure_check(identifier=company.identifier, scenario="licensing")) == [
        ("reward-green-channel", "self"),
        ("reward-tolerance-acceptance", "self"),
    ]
    assert [
        h.measure.kind for h in measure_check(identifier=company.identifier, scenario="licensing").hits
    ] == ["incentive", "incentive"]


def test_blacklisted_subject_gets_no_incentives_even_while_red_entry_lingers(catalog):
    company = CompanyFactory()
    entry(subject=company, list_type=red_list_type(), department=catalog["swj"])
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    assert codes(measure_check(identifier=company.identifier, scenario="licensing")) == [
        ("punish-strict-licensing", "self")
    ]


def test_list_type_without_memorandum_gives_no_measures(catalog):
    company = CompanyFactory()
    lt = black_list_type("black-no-memo")
    lt.memorandum = None
    lt.save()
    entry(subject=company, list_type=lt, department=catalog["scjgj"])
    assert measure_check(identifier=company.identifier, scenario="funding").hits == []


def test_unknown_identifier_gives_no_subject_and_no_hits(catalog):
    result = measure_check(identifier=gen.uscc(random.Random(99)), scenario="funding")
    assert result.subject is None and result.hits == []


def test_malformed_identifier_and_unknown_scenario_are_rejected(catalog):
    with pytest.raises(ValidationFailed) as exc:
        measure_check(identifier="91370102MA3C12345", scenario="funding")
    assert exc.value.details[0]["rule"] == "length"
    with pytest.raises(ValidationFailed) as exc:
        measure_check(identifier=gen.uscc(random.Random(1)), scenario="lottery")
    assert "业务场景无效" in exc.value.message and "财政性资金项目" in exc.value.message
    assert "funding" in exc.value.details[0]["valid"]  # the codes, for machine clients


def test_catalogue_edits_reach_the_check_at_once(blacklisted, office_admin):
    company, _ = blacklisted
    measure = Measure.objects.get(code="punish-funding")
    # Returns the current version (a new one: the measure is in force, ADR 0045).
    measure = measure_update(
        actor=office_admin, measure=measure, data={"scenarios": ["funding", "policy_benefit"]}
    )
    assert codes(measure_check(identifier=company.identifier, scenario="policy_benefit")) == [
        ("punish-funding", "self")
    ]
    measure_update(actor=office_admin, measure=measure, data={"is_active": False})
    assert measure_check(identifier=company.identifier, scenario="funding").hits == []
    memorandum_update(
        actor=office_admin,
        memorandum=Memorandum.objects.get(code="lixia-dishonesty-2026"),
        data={"is_active": False},
    )
    assert measure_check(identifier=company.identifier, scenario="licensing").hits == []


def test_edit_made_by_another_process_is_seen_through_the_version_row(blacklisted):
    company, _ = blacklisted
    assert len(measure_check(identifier=company.identifier, scenario="funding").hits) == 1  # warms the cache
    # Another worker's write: rows and version change without this process's signals firing.
    Measure.objects.filter(code="punish-funding").update(scenarios=["policy_benefit"])
    assert len(measure_check(identifier=company.identifier, scenario="funding").hits) == 1  # still cached
    CatalogVersion.objects.filter(pk=1).update(version=10_000)
    assert measure_check(identifier=company.identifier, scenario="funding").hits == []


def test_check_is_a_few_queries(blacklisted, django_assert_max_num_queries):
    company, _ = blacklisted
    person = RelatedPersonFactory(subject=company, role=RelatedRole.LEGAL_REPRESENTATIVE).person
    measure_check(identifier=person.identifier, scenario="market_entry")  # warm the catalogue
    # subject, roles, entries, catalogue version (TTL 0 in tests)
    with django_assert_max_num_queries(4):
        assert len(measure_check(identifier=person.identifier, scenario="market_entry").hits) == 1
    # unknown: catalogue version (the scenario is checked against it; TTL 0 in tests), identifier, alias
    with django_assert_max_num_queries(3):
        assert measure_check(identifier=gen.uscc(random.Random(8)), scenario="funding").subject is None


def test_api_check_is_a_few_queries(
    blacklisted, catalog, user_factory, api_client_for, django_assert_max_num_queries
):
    company, _ = blacklisted
    person = RelatedPersonFactory(subject=company, role=RelatedRole.LEGAL_REPRESENTATIVE).person
    client = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    params = {"identifier": person.identifier, "scenario": "market_entry"}
    assert client.get("/api/v1/check", params).status_code == 200  # warms the catalogue, touches the token
    # token, subject, roles, entries, catalogue version (TTL 0 in tests)
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/check", params).json()["hits"]) == 1


def test_check_finds_its_subject_by_identifier_alias_and_merge(catalog):
    """Every shape of identifier the check accepts: exact (normalised), 个体工商户 placeholder, alias
    (legacy 组织机构代码, 工商注册号 of a merged subject), merged subjects followed; unknown → None,
    malformed → 422 naming the rule."""
    rng = random.Random(31)
    company, person = CompanyFactory(), PersonFactory()
    old = CompanyFactory()
    old.merged_into = company
    old.save()
    org_code = company.identifier[8:17]  # positions 9–17 of a USCC: its 组织机构代码
    SubjectAlias.objects.create(subject=company, id_type="org_code", value=org_code)
    SubjectAlias.objects.create(subject=old, id_type="business_reg_no", value="370102000123456")
    operator = gen.resident_id(rng)
    shop = Subject.objects.create(
        kind=SubjectKind.INDIVIDUAL_BUSINESS,
        id_type="uscc",
        name="历下区王记小吃店",
        identifier=f"{INDIVIDUAL_BUSINESS_PLACEHOLDER}:{operator}",
        region_code="370102",
    )
    expected = {
        company.identifier: company,
        f" {company.identifier.lower()[:6]}-{company.identifier.lower()[6:]}": company,
        person.identifier: person,
        old.identifier: company,
        org_code: company,
        "370102000123456": company,
        shop.identifier: shop,
        gen.uscc(rng): None,
        gen.resident_id(rng): None,
    }
    for ident, subject in expected.items():
        assert measure_check(identifier=ident, scenario="funding").subject == subject, ident
        assert subject_find(ident) == subject, ident
    for ident in ("91370102MA3C12345", "ABC", "", f"{INDIVIDUAL_BUSINESS_PLACEHOLDER}:123"):
        with pytest.raises(ValidationFailed) as got:
            measure_check(identifier=ident, scenario="funding")
        assert got.value.details[0]["field"] == "identifier", ident


def test_api_check_is_measure_check_rendered(catalog, user_factory, api_client_for):
    """GET /check's body is measure_check's result through CheckOut: the subject's printed fields
    and each hit's one serializer (Hit.as_dict), as the staff page shows them."""
    company, person = CompanyFactory(), PersonFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"], under_objection=True)
    RelatedPersonFactory(subject=company, person=person, role=RelatedRole.LEGAL_REPRESENTATIVE)
    entry(subject=person, list_type=red_list_type(), department=catalog["swj"])
    client = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    compared = 0
    for ident in (company.identifier, person.identifier, gen.uscc(random.Random(3))):
        for scenario in ("market_entry", "funding", "licensing", "honours"):
            r = measure_check(identifier=ident, scenario=scenario)
            body = client.get("/api/v1/check", {"identifier": ident, "scenario": scenario}).json()
            # The stored answer of a recorded check (核查留痕) is this same rendering.
            assert body == check_answer(r)
            assert body["date"] == TODAY.isoformat() and body["known_at"] is None
            assert [h["valid_until"] for h in body["hits"]] == [
                h.entry.valid_until and h.entry.valid_until.isoformat() for h in r.hits
            ]
            compared += len(r.hits)
    assert compared >= 4


# --- HTTP API -------------------------------------------------------------------------------------


def test_api_check_contract(blacklisted, user_factory, api_client_for, catalog):
    company, e = blacklisted
    person = RelatedPersonFactory(subject=company, role=RelatedRole.LEGAL_REPRESENTATIVE).person
    client = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    r = client.get("/api/v1/check", {"identifier": person.identifier, "scenario": "market_entry"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["subject"]["identifier"] == person.identifier
    assert body["scenario"] == "market_entry"
    assert body["date"] == TODAY.isoformat()
    (hit,) = body["hits"]
    assert {
        k: hit[k]
        for k in (
            "measure_code",
            "measure_name",
            "kind",
            "list_type",
            "entry_id",
            "initiating_department",
            "via",
            "under_objection",
        )
    } == {
        "measure_code": "punish-market-entry",
        "measure_name": "市场和行业禁入",
        "kind": "punishment",
        "list_type": "black-food-safety",
        "entry_id": e.id,
        "initiating_department": "区市场监管局",
        "via": f"法定代表人:{company.identifier}",
        "under_objection": False,
    }
    assert hit["legal_basis"]


def test_api_check_matches_its_schema(catalog, user_factory, api_client_for):
    """The body is exactly the documented CheckOut, field for field and in order, with the usual
    headers."""
    from jointcredit.measures.api import CheckHitOut, CheckOut, CheckSubjectOut

    person, company = PersonFactory(), CompanyFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"], under_objection=True)
    RelatedPersonFactory(subject=company, person=person, role=RelatedRole.LEGAL_REPRESENTATIVE)
    own = entry(subject=person, list_type=black_list_type("black-wage-arrears"), department=catalog["swj"])
    type(own).objects.filter(pk=own.pk).update(valid_from=None, valid_until=None)  # open-ended: null in JSON
    client = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    response = client.get("/api/v1/check", {"identifier": person.identifier, "scenario": "market_entry"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == list(CheckOut.model_fields)
    assert (
        list(body["subject"]) == list(CheckSubjectOut.model_fields)
        and body["subject"]["kind_label"] == "自然人"
    )
    assert len(body["hits"]) == 2 and {h["via"] for h in body["hits"]} == {
        "self",
        f"法定代表人:{company.identifier}",
    }
    assert all(list(h) == list(CheckHitOut.model_fields) for h in body["hits"])
    assert {h["valid_until"] is None for h in body["hits"]} == {True, False}
    assert CheckOut.model_validate(body).model_dump(mode="json") == body
    assert response["X-Request-ID"] and "default-src 'self'" in response["Content-Security-Policy"]
    unknown = client.get(
        "/api/v1/check", {"identifier": gen.uscc(random.Random(7)), "scenario": "funding"}
    ).json()
    assert CheckOut.model_validate(unknown).model_dump(mode="json") == unknown


def test_api_check_errors(catalog, user_factory, api_client_for):
    client = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    unknown = client.get("/api/v1/check", {"identifier": gen.uscc(random.Random(5)), "scenario": "funding"})
    assert unknown.status_code == 200 and unknown.json() == {
        "subject": None,
        "scenario": "funding",
        "date": TODAY.isoformat(),
        "known_at": None,
        "hits": [],
    }
    bad = client.get("/api/v1/check", {"identifier": "370102199001011234", "scenario": "funding"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "identifier"
    scen = client.get("/api/v1/check", {"identifier": gen.uscc(random.Random(5)), "scenario": "bogus"})
    assert scen.status_code == 422 and "公共资源交易/招投标" in scen.json()["error"]["message"]
    assert "（public_resource_trading）" in scen.json()["error"]["details"][0]["message"]
    baddate = client.get(
        "/api/v1/check",
        {"identifier": gen.uscc(random.Random(5)), "scenario": "funding", "date": "2026-13-01"},
    )
    assert baddate.status_code == 422
    assert (
        api_client_for(None).get("/api/v1/check", {"identifier": "x", "scenario": "funding"}).status_code
        == 401
    )


def test_api_check_with_date(catalog, user_factory, api_client_for):
    company = CompanyFactory()
    entry(
        subject=company,
        list_type=black_list_type(),
        department=catalog["scjgj"],
        valid_from=TODAY - timedelta(days=400),
        valid_until=TODAY - timedelta(days=1),
    )
    client = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    past = (TODAY - timedelta(days=3)).isoformat()
    body = client.get(
        "/api/v1/check", {"identifier": company.identifier.lower(), "scenario": "funding", "date": past}
    ).json()
    assert body["date"] == past and len(body["hits"]) == 1
