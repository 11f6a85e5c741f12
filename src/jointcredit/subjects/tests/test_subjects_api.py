import random

import pytest

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.subjects import generators as gen
from jointcredit.subjects.models import Subject, SubjectNameChange
from jointcredit.subjects.services import subject_match_or_create
from jointcredit.subjects.tests.factories import CompanyFactory, RelatedPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_api(user_factory, api_client_for, lixia):
    return api_client_for(user_factory(lixia["scjgj"], roles=[Role.CLERK]))


def test_health_needs_no_auth(api_client_for):
    body = api_client_for(None).get("/api/v1/health").json()
    assert body == {"status": "ok", "database": "ok", "replicas": []}


def test_subject_detail_with_related_persons(clerk_api):
    link = RelatedPersonFactory(directly_responsible=True)
    body = clerk_api.get(f"/api/v1/subjects/{link.subject.identifier}").json()
    assert body["identifier"] == link.subject.identifier
    assert body["kind"] == "legal"
    assert body["related_persons"][0] == {
        "role": "legal_representative",
        "role_label": "法定代表人",
        "identifier": link.person.identifier,
        "name": link.person.name,
        "directly_responsible": True,
        "share_ratio": None,
        "valid_from": None,
        "valid_until": None,
    }


def test_subject_detail_matches_its_schema(clerk_api):
    """The body is exactly the documented SubjectOut, field for field and in order, with the usual
    headers."""
    from jointcredit.subjects.api import SubjectOut

    link = RelatedPersonFactory(directly_responsible=False)
    SubjectNameChange.objects.create(subject=link.subject, old_name="旧名称", new_name=link.subject.name)
    response = clerk_api.get(f"/api/v1/subjects/{link.subject.identifier}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == list(SubjectOut.model_fields)
    assert SubjectOut.model_validate(body).model_dump(mode="json") == body
    assert body["names"][0]["old_name"] == "旧名称"
    assert response["X-Request-ID"] and "default-src 'self'" in response["Content-Security-Policy"]


def test_subject_lookup_by_legacy_org_code(clerk_api):
    company = CompanyFactory()
    from jointcredit.subjects.selectors import subject_find_by_org_code

    assert subject_find_by_org_code(company.identifier[8:17]) == company


@pytest.mark.parametrize(
    ("identifier", "status", "rule"),
    [
        ("91370102163044", 422, "format"),
        ("9137010216304484", 422, "length"),
        ("91370102163O44841F", 422, "charset"),
        ("37010219900230123X", 422, "birth_date"),
    ],
)
def test_malformed_identifier_is_422_naming_rule(clerk_api, identifier, status, rule):
    response = clerk_api.get(f"/api/v1/subjects/{identifier}")
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and error["details"][0]["rule"] == rule
    assert error["message"]


def test_unknown_but_valid_identifier_is_404(clerk_api):
    response = clerk_api.get(f"/api/v1/subjects/{gen.uscc(random.Random(77))}")
    assert response.status_code == 404
    assert "未找到" in response.json()["error"]["message"]


def test_search_by_name_fragment_paginated(clerk_api):
    for i in range(25):
        CompanyFactory(name=f"济南泉城餐饮{i}有限公司")
    CompanyFactory(name="别的公司")
    body = clerk_api.get("/api/v1/subjects", {"q": "泉城餐饮", "page": 2, "page_size": 10}).json()
    assert body["total"] == 25 and body["pages"] == 3 and len(body["items"]) == 10
    assert clerk_api.get("/api/v1/subjects", {"page_size": 1000}).status_code == 422


def test_create_subject_validates_and_refuses_duplicates(clerk_api):
    code = gen.uscc(random.Random(8))
    payload = {"kind": "legal", "identifier": code, "name": "济南测试有限公司"}
    assert clerk_api.post("/api/v1/subjects", payload).status_code == 201
    dup = clerk_api.post("/api/v1/subjects", payload)
    assert dup.status_code == 409
    bad = clerk_api.post(
        "/api/v1/subjects", {**payload, "identifier": code[:-1] + "0" if code[-1] != "0" else code[:-1] + "1"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["rule"] == "check_digit"
    long_name = clerk_api.post(
        "/api/v1/subjects", {"kind": "legal", "identifier": gen.uscc(random.Random(9)), "name": "长" * 201}
    )
    assert long_name.status_code == 422 and long_name.json()["error"]["details"][0]["field"] == "name"
    assert Subject.objects.count() == 1


def test_viewer_cannot_create(user_factory, api_client_for, lixia):
    viewer = api_client_for(user_factory(lixia["scjgj"], roles=[Role.VIEWER]))
    response = viewer.post(
        "/api/v1/subjects", {"kind": "legal", "identifier": gen.uscc(random.Random(1)), "name": "x公司"}
    )
    assert response.status_code == 403


def test_individual_business_without_uscc_uses_placeholder(clerk_api):
    operator = gen.resident_id(random.Random(5))
    response = clerk_api.post(
        "/api/v1/subjects",
        {
            "kind": "individual_business",
            "identifier": "00000000000000000X",
            "operator_id_number": operator,
            "name": "历下区王记小吃店",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["identifier"] == f"00000000000000000X:{operator}"
    missing = clerk_api.post(
        "/api/v1/subjects", {"kind": "individual_business", "identifier": "", "name": "无名店"}
    )
    assert (
        missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "operator_id_number"
    )


def test_name_change_kept_in_history():
    code = gen.uscc(random.Random(21))
    subject, created = subject_match_or_create(kind="legal", identifier=code, name="济南旧名有限公司")
    assert created
    same, created = subject_match_or_create(kind="legal", identifier=code, name="济南新名有限公司")
    assert not created and same.pk == subject.pk
    change = SubjectNameChange.objects.get(subject=subject)
    assert (change.old_name, change.new_name) == ("济南旧名有限公司", "济南新名有限公司")
    assert AuditEvent.objects.filter(action="subject.rename").count() == 1


def test_related_person_added_through_api(clerk_api):
    company = CompanyFactory()
    person_id = gen.resident_id(random.Random(31))
    response = clerk_api.post(
        f"/api/v1/subjects/{company.identifier}/related-persons",
        {
            "person_identifier": person_id,
            "person_name": "张三",
            "role": "legal_representative",
            "directly_responsible": True,
        },
    )
    assert response.status_code == 201, response.content
    assert Subject.objects.get(identifier=person_id).kind == "natural"
    bad_role = clerk_api.post(
        f"/api/v1/subjects/{company.identifier}/related-persons",
        {"person_identifier": person_id, "person_name": "张三", "role": "boss"},
    )
    assert bad_role.status_code == 422


def test_openapi_docs_served(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


def test_sections_only_when_included(clerk_api, request):
    from jointcredit.subjects import extensions

    company = CompanyFactory()
    extensions.register_subject_section("demo_probe", lambda subject, public=False: [{"name": subject.name}])
    request.addfinalizer(lambda: extensions._providers.pop("demo_probe", None))
    plain = clerk_api.get(f"/api/v1/subjects/{company.identifier}").json()
    assert "demo_probe" not in plain["sections"] and "entries" in plain
    full = clerk_api.get(f"/api/v1/subjects/{company.identifier}", {"include": "all"}).json()
    assert full["sections"]["demo_probe"] == [{"name": company.name}]
    picked = clerk_api.get(f"/api/v1/subjects/{company.identifier}", {"include": "demo_probe"}).json()
    assert list(picked["sections"]) == ["demo_probe"]
    bad = clerk_api.get(f"/api/v1/subjects/{company.identifier}", {"include": "nonsense"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "include"
