"""POST /api/v1/match: candidates by name as well as by code, scored and explained (ADR 0041)."""

from __future__ import annotations

import random

import pytest

from jointcredit.subjects import generators as gen
from jointcredit.subjects.models import SubjectAlias, SubjectKind, SubjectNameChange
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

from .factories import black_list_type, entry

pytestmark = pytest.mark.django_db
URL = "/api/v1/match"


@pytest.fixture
def api(api_client_for, user_factory, catalog):
    return api_client_for(user_factory(catalog["czj"], roles=["viewer"]))


@pytest.fixture
def registered(catalog):
    """A realistic register: generated companies around one black-listed restaurant company."""
    rng = random.Random(20)
    for _ in range(60):
        CompanyFactory(name=gen.company_name(rng)[0])
    company = CompanyFactory(name="济南华信餐饮管理有限公司")
    CompanyFactory(name="山东华信餐饮管理股份有限公司")
    CompanyFactory(name="济南恒通物流有限公司")
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    return company


def features(candidate) -> dict[str, dict]:
    return {f["feature"]: f for f in candidate["features"]}


def test_exact_identifier_scores_one(api, registered):
    body = api.post(URL, {"identifier": registered.identifier}).json()
    top = body["candidates"][0]
    assert top["subject"]["identifier"] == registered.identifier
    assert top["score"] == 1.0
    assert features(top)["exact_identifier"]["label"] == "标识一致"
    assert [e["list_type"] for e in top["entries"]] == ["black-food-safety"]
    assert top["entries"][0]["department"] == "区市场监管局"
    assert body["scoring"] and all(rule["rule"] for rule in body["scoring"])


def test_traditional_variant_is_found_with_its_similarity(api, registered):
    body = api.post(URL, {"name": "濟南華信餐飲管理有限責任公司"}).json()
    top = body["candidates"][0]
    assert top["subject"]["id"] == registered.id
    feature = features(top)["normalised_name"]
    assert feature["similarity"] == 1.0
    assert "繁体转简体" in feature["how"] and "组织形式归一" in feature["how"]
    assert 0.9 < top["score"] < 1.0
    assert "名称归一后一致" in top["explanation"]
    assert top["entries"], "the caller sees why the match matters"
    assert body["normalised_name"]["core"] == "华信餐饮管理"


def test_typo_is_a_fuzzy_match_with_its_similarity(api, registered):
    top = api.post(URL, {"name": "济南华信餐饮管里有限公司"}).json()["candidates"][0]
    assert top["subject"]["id"] == registered.id
    feature = features(top)["fuzzy_name"]
    assert 0.8 < feature["similarity"] < 0.9
    assert feature["how"].startswith("相似度 0.8")


def test_threshold_and_limit_are_respected(api, registered):
    loose = api.post(URL, {"name": "济南华信餐饮管理有限公司", "threshold": 0.3, "limit": 50}).json()
    assert len(loose["candidates"]) >= 2
    assert all(c["score"] >= 0.3 for c in loose["candidates"])
    scores = [c["score"] for c in loose["candidates"]]
    assert scores == sorted(scores, reverse=True)
    one = api.post(URL, {"name": "济南华信餐饮管理有限公司", "threshold": 0.3, "limit": 1}).json()
    assert [c["subject"]["id"] for c in one["candidates"]] == [registered.id]
    strict = api.post(URL, {"name": "华信餐饮管理有限公司", "threshold": 0.99}).json()
    assert strict["candidates"] == []


def test_an_unknown_name_gets_no_candidate_rather_than_a_clear(api, registered):
    body = api.post(URL, {"name": "青岛远洋船舶重工有限公司"}).json()
    assert body["candidates"] == []


def test_former_name_and_alias_identifier(api, registered):
    SubjectNameChange.objects.create(
        subject=registered, old_name="济南华信快餐有限公司", new_name=registered.name
    )
    top = api.post(URL, {"name": "济南华信快餐有限公司"}).json()["candidates"][0]
    assert top["subject"]["id"] == registered.id
    assert features(top)["former_name"]["matched"] == "济南华信快餐有限公司"
    org_code = gen.org_code(random.Random(3))
    SubjectAlias.objects.create(subject=registered, id_type="org_code", value=org_code, source="旧证照")
    top = api.post(URL, {"former_identifiers": [org_code[:8] + "-" + org_code[8]]}).json()["candidates"][0]
    assert top["subject"]["id"] == registered.id
    assert features(top)["alias_identifier"]["field"] == "former_identifiers"


def test_fifteen_digit_id_and_birth_date_of_a_person(api, catalog):
    person = PersonFactory(identifier="370102198503120417", name="王建国")
    PersonFactory(identifier="370102197001010011", name="王建国")
    old = person.identifier[:6] + person.identifier[8:17]
    top = api.post(URL, {"identifier": old}).json()["candidates"][0]
    assert top["subject"]["id"] == person.id
    assert features(top)["converted_identifier"]["matched"] == person.identifier
    namesakes = api.post(URL, {"name": "王建国", "kind": "natural"}).json()["candidates"]
    assert len(namesakes) == 2 and {c["score"] for c in namesakes} == {0.8}
    body = api.post(URL, {"name": "王建國", "kind": "natural", "birth_date": "1985-03-12"}).json()
    assert [c["subject"]["id"] for c in body["candidates"]] == [person.id]
    assert features(body["candidates"][0])["birth_date"]["how"] == "一致"


def test_a_merged_duplicate_found_by_name_leads_to_its_survivor(api, registered, office_admin):
    from jointcredit.subjects.services import subject_merge

    duplicate = CompanyFactory(name="济南华信餐饮服务有限公司")
    subject_merge(actor=office_admin, source=duplicate, target=registered, reason="重复登记，名称录入有误")
    body = api.post(URL, {"name": "濟南華信餐飲服務有限公司"}).json()
    top = body["candidates"][0]
    assert top["subject"]["id"] == registered.id
    assert top["merged_from"] == [duplicate.identifier]
    assert "经已合并主体" in top["explanation"] and duplicate.identifier in top["explanation"]
    assert all(c["subject"]["id"] != duplicate.id for c in body["candidates"])


def _answer(result) -> list[tuple]:
    return [(c.subject.pk, round(c.score, 4), c.explanation, c.merged, c.entries) for c in result.candidates]


def test_a_batch_answers_each_query_as_it_would_alone(registered):
    """Batch screening sends many names through ``subjects_match`` in one search; each answer is the
    one ``subject_match`` gives that query on its own."""
    from jointcredit.measures.matching import match_query_validate, subject_match, subjects_match

    SubjectNameChange.objects.create(
        subject=registered, old_name="济南华信快餐有限公司", new_name=registered.name
    )
    PersonFactory(name="王建国")
    queries = [
        match_query_validate(name=name, threshold=threshold)
        for name, threshold in [
            ("濟南華信餐飲管理有限責任公司", 0.6),
            ("济南华信餐饮管里有限公司", 0.6),  # a typo: fuzzy
            ("济南华信快餐有限公司", 0.6),  # a former name
            ("华信餐饮管理", 0.3),  # no form: organisations and persons
            ("王建國", 0.6),  # a person
            ("青岛远洋船舶重工有限公司", 0.6),  # nobody
            ("华信", 0.3),  # two characters: names starting with them
        ]
    ]
    batch = subjects_match(queries)
    alone = [subject_match(q) for q in queries]
    assert [_answer(r) for r in batch] == [_answer(r) for r in alone]
    assert [r.considered for r in batch] == [r.considered for r in alone]
    assert batch[0].candidates[0].subject.pk == registered.id and batch[0].candidates[0].entries
    assert batch[2].candidates[0].features[0].feature == "former_name"
    assert batch[5].candidates == []


def test_kind_filters_candidates(api, registered):
    body = api.post(URL, {"name": "济南华信餐饮管理有限公司", "kind": SubjectKind.NATURAL}).json()
    assert body["candidates"] == []


@pytest.mark.parametrize(
    ("payload", "field", "rule"),
    [
        ({}, "name", "required"),
        ({"identifier": "91370102@@"}, "identifier", "format"),
        ({"name": "华信", "threshold": 1.5}, "threshold", "range"),
        ({"name": "华信", "limit": 0}, "limit", "range"),
        ({"name": "华信", "kind": "robot"}, "kind", "choice"),
        ({"name": "华信", "region": "济南"}, "region", "format"),
        ({"name": "华" * 201}, "name", "max_length"),
        ({"name": "华信\x00"}, "name", "charset"),
        ({"former_identifiers": ["ok12345", "!!"]}, "former_identifiers[1]", "format"),
    ],
)
def test_malformed_input_is_422_naming_the_field(api, catalog, payload, field, rule):
    response = api.post(URL, payload)
    assert response.status_code == 422
    error = response.json()["error"]
    assert {"field": field, "rule": rule} == {k: error["details"][0][k] for k in ("field", "rule")}
    assert field.split("[")[0] in error["message"]


def test_staff_token_required(api_client_for, registered):
    assert api_client_for(None).post(URL, {"name": "济南华信餐饮管理有限公司"}).status_code == 401


def test_check_page_offers_search_by_name_with_the_same_explanation(
    client, user_factory, catalog, registered
):
    client.force_login(user_factory(catalog["czj"], roles=["viewer"]))
    assert "按名称查找" in client.get("/staff/measures/check/").content.decode()
    html = client.get(
        "/staff/measures/check/by-name/", {"name": "濟南華信餐飲管理有限責任公司", "scenario": "funding"}
    ).content.decode()
    assert registered.name in html and registered.identifier in html
    assert "名称归一后一致：繁体转简体、组织形式归一" in html
    assert "食品安全领域严重失信主体名单" in html
    assert f"?identifier={registered.identifier}&amp;scenario=funding" in html
    assert "计分规则" in html
    unknown = client.get(
        "/staff/measures/check/by-name/", {"name": "青岛远洋船舶重工有限公司"}
    ).content.decode()
    assert "没有得分不低于 0.6 的候选主体" in unknown and "不表示该主体没有失信记录" in unknown
    bad = client.get("/staff/measures/check/by-name/", {"name": "华信", "region": "济南"}).content.decode()
    assert 'role="alert"' in bad and "region（行政区划码）" in bad


def test_search_by_name_page_needs_a_signed_in_user(client):
    response = client.get("/staff/measures/check/by-name/", {"name": "华信"})
    assert response.status_code == 302
