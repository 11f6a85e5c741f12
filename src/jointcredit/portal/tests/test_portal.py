"""Portal 信用历下: search, subject pages, masking, rate limits, registry, guides."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from jointcredit.common import clock
from jointcredit.common import portal_registry as registry
from jointcredit.lists.models import EntryState, ListCategory, ListColor, ListEntry, ListType
from jointcredit.subjects.models import Subject, SubjectKind
from jointcredit.subjects.public import subject_public_url, subject_slug
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory, RelatedPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company():
    return CompanyFactory(name="济南宏远餐饮管理有限公司", legal_representative="王建国")


@pytest.fixture
def person():
    return PersonFactory(name="王建国")


def _black_entry(subject, department, *, under_objection=False, document_no="历市监罚〔2026〕12号"):
    list_type = ListType.objects.create(
        code=f"t-black-{subject.pk}",
        name="食品安全严重失信主体名单",
        color=ListColor.BLACK,
        category=ListCategory.HEALTH_SAFETY,
        legal_basis="《食品安全法》第一百三十四条",
    )
    today = clock.today()
    return ListEntry.objects.create(
        list_type=list_type,
        subject=subject,
        subject_name=subject.name,
        department=department,
        state=EntryState.PUBLISHED,
        reason="生产经营超过保质期的食品",
        legal_basis="《食品安全法》第一百二十四条",
        document_no=document_no,
        decided_on=today - timedelta(days=30),
        valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=300),
        published_at=clock.now(),
        under_objection=under_objection,
    )


def test_home_shows_search_and_counts(client, company):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="search"' in body and 'name="q"' in body
    assert "信用主体" in body and "<title>" in body


def test_search_by_name_fragment_uscc_and_prefix(client, company):
    assert company.name in client.get("/search/", {"q": "宏远餐饮"}).content.decode()
    assert company.name in client.get("/search/", {"q": company.identifier}).content.decode()
    # 1–2 characters: names starting with the fragment
    assert company.name in client.get("/search/", {"q": "济南"}).content.decode()
    assert company.name not in client.get("/search/", {"q": "餐饮"}).content.decode()


def test_search_pagination_and_type_filter(client):
    for i in range(25):
        CompanyFactory(name=f"泉城恒通{i:02d}商贸有限公司")
    page1 = client.get("/search/", {"q": "泉城恒通", "type": "subjects"}).content.decode()
    page3 = client.get("/search/", {"q": "泉城恒通", "type": "subjects", "page": 3}).content.decode()
    assert "共 25 条" in page1 and "第 1 / 3 页" in page1 and "泉城恒通00商贸有限公司" in page1
    assert "泉城恒通24商贸有限公司" in page3 and "泉城恒通00商贸有限公司" not in page3
    unknown = client.get("/search/", {"q": "泉城恒通", "type": "nope"}).content.decode()
    assert "不存在" in unknown


def test_natural_person_is_masked_and_not_found_by_fragment(client, person, company):
    RelatedPersonFactory(subject=company, person=person)
    by_id = client.get("/search/", {"q": person.identifier}).content.decode()
    assert "王**" in by_id and person.identifier not in by_id and "王建国" not in by_id
    assert person.identifier[:6] + "********" + person.identifier[-4:] in by_id
    # fragments never list persons (no enumeration); the company's representative is masked too
    fragment = client.get("/search/", {"q": "王建"}).content.decode()
    assert "王**" not in fragment
    page = client.get(subject_public_url(company)).content.decode()
    assert "王建国" not in page and "王**" in page


def test_id_number_that_also_passes_the_uscc_check_is_never_echoed(client):
    # 1 resident ID in ~31 is also a valid USCC by checksum; the query is still a person's.
    code = "370102199204093791"
    from jointcredit.subjects.identifiers import validate_uscc

    assert validate_uscc(code) == code
    body = client.get("/search/", {"q": code}).content.decode()
    assert code not in body and code[:6] + "********" + code[-4:] in body


def test_person_page_uses_opaque_slug_never_the_id(client, person):
    url = subject_public_url(person)
    assert person.identifier not in url and re.match(r"^/subjects/p\d+-[0-9a-f]{10}/$", url)
    body = client.get(url).content.decode()
    assert "王**" in body and "王建国" not in body and person.identifier not in body
    assert 'name="robots" content="noindex' in body
    assert client.get(f"/subjects/{person.identifier}/").status_code == 404
    assert client.get(f"/subjects/p{person.pk}-0000000000/").status_code == 404


def test_company_page_by_uscc_with_list_entry_and_objection_mark(client, company, lixia):
    _black_entry(company, lixia["scjgj"], under_objection=True)
    response = client.get(f"/subjects/{company.identifier}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "食品安全严重失信主体名单" in body and "《食品安全法》第一百二十四条" in body and "异议中" in body
    assert "区市场监管局" in body
    # lower-case USCC redirects to the canonical URL
    assert client.get(f"/subjects/{company.identifier.lower()}/").status_code in (301, 404)


def test_merged_subject_redirects_to_survivor(client, company):
    dup = CompanyFactory(name="重复登记公司", merged_into=company)
    response = client.get(f"/subjects/{dup.identifier}/")
    assert response.status_code == 301 and response["Location"] == subject_public_url(company)


def test_lists_search_by_document_number(client, company, lixia):
    _black_entry(company, lixia["scjgj"], document_no="历市监罚〔2026〕77号")
    body = client.get("/search/", {"q": "历市监罚〔2026〕77号", "type": "lists"}).content.decode()
    assert company.name in body and "黑名单" in body


def test_public_api_search_masks_and_rate_limits(client, person, settings):
    response = client.get("/api/public/v1/search", {"q": person.identifier})
    assert response.status_code == 200
    data = response.json()
    subjects = next(g for g in data["groups"] if g["type"] == "subjects")
    assert subjects["total"] == 1 and subjects["items"][0]["title"] == "王**"
    assert person.identifier not in response.content.decode()
    settings.PORTAL_SEARCH_RATE = "2/m"
    cache.clear()
    codes = [client.get("/api/public/v1/search", {"q": "济南"}).status_code for _ in range(3)]
    assert codes[:2] == [200, 200] and codes[2] == 429
    error = client.get("/api/public/v1/search", {"q": "济南"}).json()["error"]
    assert error["code"] == "rate_limited" and "频繁" in error["message"]
    html = client.get("/search/", {"q": "济南"})
    assert html.status_code == 429 and "频繁" in html.content.decode()


def test_public_api_validates_query(client):
    response = client.get("/api/public/v1/search", {"q": "x" * 101})
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "q"


def test_guides_link_forms_defensively(client):
    for url in ("/guide/objection/", "/guide/repair/"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "工作日" in body and ("在线" in body)


def test_phone_width_meta_and_skip_link(client):
    body = client.get("/").content.decode()
    assert 'name="viewport"' in body and 'class="skip" href="#main"' in body and 'lang="zh-CN"' in body


def test_lists_and_records_register_their_own_portal_items():
    """The portal ships no fall-backs for other apps' data: each item comes from the owning app."""
    owners = {
        "lists": registry.search_provider("lists").fn.__module__,
        "penalties": registry.search_provider("penalties").fn.__module__,
        "licenses": registry.search_provider("licenses").fn.__module__,
    }
    owners |= {s.key: s.fn.__module__ for s in registry.subject_section_list(staff=True)}
    assert owners["lists"].startswith("jointcredit.lists.")
    assert owners["lists_all"].startswith("jointcredit.lists.")
    assert owners["penalties"].startswith("jointcredit.records.")
    assert owners["records"].startswith("jointcredit.records.")
    assert not any(
        m.startswith("jointcredit.portal.")
        for k, m in owners.items()
        if k not in ("related", "related_staff")
    )


def test_section_provider_is_rendered(client, company):
    def section(subject, *, today):
        return [
            {
                "title": "行政处罚 历市监罚〔2026〕1号",
                "fields": [("处罚类别", "警告")],
                "tags": [{"label": "异议中", "tone": "warn"}],
            }
        ]

    registry.register_subject_public_section("test_penalties", "行政处罚", section, order=20)
    try:
        body = client.get(f"/subjects/{company.identifier}/").content.decode()
        assert "行政处罚 历市监罚〔2026〕1号" in body and "警告" in body
    finally:
        registry._sections.pop("test_penalties")


def test_slug_is_stable(person, company):
    assert subject_slug(company) == company.identifier
    assert subject_slug(person) == subject_slug(Subject.objects.get(pk=person.pk))
    assert Subject.objects.get(pk=person.pk).kind == SubjectKind.NATURAL


def test_public_pages_never_show_full_person_names(person, company, lixia):
    RelatedPersonFactory(subject=company, person=person)
    _black_entry(person, lixia["scjgj"])
    c = Client()
    pages = [
        "/",
        f"/search/?q={person.identifier}",
        subject_public_url(person),
        subject_public_url(company),
        f"/search/?q={company.name}&type=lists",
    ]
    for url in pages:
        body = c.get(url).content.decode()
        assert person.name not in body, url
        assert person.identifier not in body, url
    # searching by the full name echoes what the visitor typed, but every result is masked
    body = c.get("/search/", {"q": person.name}).content.decode()
    assert body.count(person.name) == body.count(f"“{person.name}”") + body.count(f'value="{person.name}"')
    assert "王**" in body


def test_records_are_searchable_by_document_number_and_on_subject_page(client, user_factory, lixia):
    import random

    pytest.importorskip("jointcredit.records.services")
    from jointcredit.accounts.models import Role
    from jointcredit.records.services import record_save
    from jointcredit.records.tests.factories import penalty_row

    clerk = user_factory(lixia["scjgj"], roles=[Role.CLERK, Role.APPROVER])
    row = penalty_row(random.Random(5), lixia["scjgj"], n=901, decided=clock.today() - timedelta(days=3))
    record, _ = record_save(actor=clerk, record_type="penalty", data=row)
    body = client.get("/search/", {"q": row["CF_WSH"]}).content.decode()
    assert row["CF_XDR_MC"] in body and "行政处罚" in body
    subject = Subject.objects.get(identifier=row["CF_XDR_SHXYM"])
    page = client.get(subject_public_url(subject)).content.decode()
    assert row["CF_WSH"] in page and "双公示信息" in page


def test_list_search_finds_persons_by_full_name_only(company, person, lixia):
    """The lists provider's masking rule: organisations by name fragment, natural persons only by
    their full name — applied on the entry's own subject kind (no join to the subjects table)."""
    from jointcredit.lists.portal_items import list_entries_search

    firm_entry = _black_entry(company, lixia["scjgj"])
    person_entry = _black_entry(person, lixia["scjgj"], document_no="历市监罚〔2026〕13号")
    assert (firm_entry.subject_kind, person_entry.subject_kind) == (SubjectKind.LEGAL, SubjectKind.NATURAL)

    def found(q):
        return {i["subject"]["name"] for i in list_entries_search(q, 1, 20).items}

    assert found("宏远餐饮") == {company.name}
    assert found("建国") == set()  # a fragment of a person's name finds nothing
    assert len(found("王建国")) == 1  # the full name finds the person's entry (masked name shown)
    assert found("历市监罚〔2026〕13号") and found("历市监罚〔2026〕13号") != {company.name}
