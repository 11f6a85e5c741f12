from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.grading import inspections, selectors, services
from jointcredit.grading.models import Honour, InspectionPlan
from jointcredit.subjects.models import SubjectKind

from .factories import CompanyFactory, PersonFactory, company_with_people, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspectors(user_factory, lixia):
    return [user_factory(lixia["scjgj"], roles=["clerk"]) for _ in range(4)]


@pytest.fixture
def population(lixia):
    today = clock.today()
    companies = CompanyFactory.create_batch(60, industry="餐饮业")
    CompanyFactory.create_batch(5, industry="建筑业")
    for c in companies[:3]:
        entry(c, department=lixia["scjgj"], on=today)  # black → always sampled
    for c in companies[3:13]:
        entry(c, code="red_moral_model", department=lixia["fgj"], on=today)
    services.grade_bulk()
    return companies


def test_draw_is_reproducible_and_grade_stratified(inspectors, population, lixia):
    clerk = inspectors[0]
    plan = inspections.inspection_plan_create(
        actor=clerk, name="2026 年第四季度餐饮业双随机抽查", industry="餐饮业", seed=20261126
    )
    assert plan.population_size == 60
    sampled = set(plan.samples.values_list("subject_id", flat=True))
    assert {c.pk for c in population[:3]} <= sampled
    reasons = dict(plan.samples.values_list("subject_id", "reason"))
    assert all(reasons[c.pk] == "black" for c in population[:3])
    assert all(len(s.inspectors) == 2 for s in plan.samples.all())
    inspector_ids = {i["id"] for s in plan.samples.all() for i in s.inspectors}
    assert inspector_ids <= {u.pk for u in inspectors}
    assert inspections.inspection_plan_verify(plan)
    again = inspections.draw_sample(plan.population_snapshot, plan.ratios, plan.seed)
    assert [s for s, _, _ in again] == list(plan.samples.order_by("id").values_list("subject_id", flat=True))
    summary = plan.summary
    assert summary["grades"]["A"]["population"] == 10 and summary["grades"]["A"]["sampled"] == 0
    assert summary["good_reduction_pct"] == 100.0
    assert AuditEvent.objects.filter(action="inspection_plan.draw", object_id=str(plan.pk)).exists()


@pytest.mark.parametrize(
    "ratios,rule",
    [
        ({"A": {"rate": 8}}, "within_band"),
        ({"B": {"min": 20, "max": 5}}, "min_le_max"),
        ({"C": {"min": 5, "max": 20, "rate": 5}, "B": {"rate": 20}}, "monotonic"),
        ({"E": {"rate": 1}}, "grade"),
        ({"A": {"rate": "x"}}, "number"),
    ],
)
def test_bad_ratios_write_nothing(inspectors, population, api_client_for, ratios, rule):
    api = api_client_for(inspectors[0])
    r = api.post("/api/v1/grading/inspection-plans", {"name": "计划", "ratios": ratios})
    assert r.status_code == 422, r.content
    assert r.json()["error"]["details"][0]["rule"] == rule
    assert InspectionPlan.objects.count() == 0


def test_empty_population_reused_seed_and_too_few_inspectors(
    inspectors, population, api_client_for, user_factory, lixia
):
    api = api_client_for(inspectors[0])
    r = api.post("/api/v1/grading/inspection-plans", {"name": "计划", "industry": "不存在的行业"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "empty"
    ok = api.post("/api/v1/grading/inspection-plans", {"name": "计划一", "seed": 7})
    assert ok.status_code == 201
    r = api.post("/api/v1/grading/inspection-plans", {"name": "计划二", "seed": 7})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "unique"
    lonely = api_client_for(user_factory(lixia["czj"], roles=["clerk"]))
    r = lonely.post("/api/v1/grading/inspection-plans", {"name": "计划三", "inspectors_per_subject": 2})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "staff"
    assert InspectionPlan.objects.count() == 1


def test_publish_public_page_masks_persons_and_hides_grades(inspectors, lixia, api_client_for):
    persons = PersonFactory.create_batch(30)
    services.grade_bulk()
    api = api_client_for(inspectors[0])
    plan_id = api.post(
        "/api/v1/grading/inspection-plans",
        {"name": "个人执业抽查", "subject_kind": SubjectKind.NATURAL, "ratios": {"B": {"rate": 20}}},
    ).json()["id"]
    public = Client()
    assert public.get(f"/inspections/{plan_id}/").status_code == 404
    assert api.post(f"/api/v1/grading/inspection-plans/{plan_id}/publish").status_code == 200
    assert api.post(f"/api/v1/grading/inspection-plans/{plan_id}/publish").status_code == 409
    page = public.get(f"/inspections/{plan_id}/")
    html = page.content.decode()
    assert page.status_code == 200 and "个人执业抽查" in html
    plan = InspectionPlan.objects.get(pk=plan_id)
    assert str(plan.seed) in html
    for p in persons:
        assert p.name not in html or len(p.name) == 1
        assert p.identifier not in html
    assert "信用等级" not in html and "B 级" not in html
    assert public.get("/inspections/").status_code == 200
    csv = public.get(f"/inspections/{plan_id}/export.csv")
    assert csv.status_code == 200 and "信用等级" not in csv.content.decode("utf-8-sig")
    staff_csv = api.get(f"/api/v1/grading/inspection-plans/{plan_id}/export", {"format": "csv"})
    assert "信用等级" in staff_csv.content.decode("utf-8-sig")
    xlsx = api.get(f"/api/v1/grading/inspection-plans/{plan_id}/export", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_grades_never_on_public_api(lixia):
    from jointcredit.config.api import public_api

    schema = public_api.get_openapi_schema()
    assert not [p for p in schema["paths"] if "grad" in p or "commitment" in p]
    text = str(schema)
    assert "score" not in text.lower() or "grade" not in text.lower()


def test_honours_screening_barred_via_legal_representative(lixia, user_factory, api_client_for):
    company, rep, (shareholder,) = company_with_people(2)
    entry(company, department=lixia["scjgj"], on=clock.today())
    from jointcredit.lists.models import ListType
    from jointcredit.measures.models import Memorandum

    ListType.objects.filter(color="black").update(
        memorandum=Memorandum.objects.get(code="lixia-dishonesty-2026")
    )
    clean = CompanyFactory()
    api = api_client_for(user_factory(lixia["tqw"] if "tqw" in lixia else lixia["fgj"], roles=["clerk"]))
    r = api.post(
        "/api/v1/grading/honours/screenings",
        {
            "identifiers": [
                company.identifier,
                rep.identifier,
                shareholder.identifier,
                clean.identifier,
                "bad-id",
                "110101199003070000",
            ]
        },
    )
    rows = r.json()["rows"]
    assert [x["status"] for x in rows] == ["barred", "barred", "clear", "clear", "invalid", "invalid"] or [
        x["status"] for x in rows
    ][:4] == ["barred", "barred", "clear", "clear"]
    assert any("法定代表人" in reason for reason in rows[1]["reasons"])
    upload = SimpleUploadedFile("candidates.txt", f"{company.identifier}\n{clean.identifier}\n".encode())
    r = api.upload("/api/v1/grading/honours/screenings/upload", {"file": upload})
    assert [x["status"] for x in r.json()["rows"]] == ["barred", "clear"]
    assert io  # noqa: B018


def test_honour_revocation_worklist(lixia, user_factory, api_client_for):
    clerk = user_factory(lixia["fgj"], roles=["clerk"])
    api = api_client_for(clerk)
    company = CompanyFactory()
    r = api.post(
        "/api/v1/grading/honours",
        {"identifier": company.identifier, "title": "历下区诚信示范企业", "awarded_on": "2026-05-01"},
    )
    assert r.status_code == 201
    hid = r.json()["id"]
    assert api.get("/api/v1/grading/honours/revocations").json()["items"] == []
    entry(company, department=lixia["scjgj"], on=clock.today())
    items = api.get("/api/v1/grading/honours/revocations").json()["items"]
    assert [i["id"] for i in items] == [hid]
    other = api_client_for(user_factory(lixia["swj"], roles=["clerk"]))
    assert other.post(f"/api/v1/grading/honours/{hid}/revoke", {"reason": "被列入黑名单"}).status_code == 403
    assert api.post(f"/api/v1/grading/honours/{hid}/revoke", {"reason": ""}).status_code == 422
    r = api.post(f"/api/v1/grading/honours/{hid}/revoke", {"reason": "获得者被列入严重失信主体名单"})
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert api.post(f"/api/v1/grading/honours/{hid}/revoke", {"reason": "x"}).status_code == 409
    assert Honour.objects.get(pk=hid).revoked_by == clerk
    assert api.get("/api/v1/grading/honours/revocations").json()["items"] == []
    assert AuditEvent.objects.filter(action="honour.revoke").count() == 1


def test_grade_api_staff_only(lixia, office_admin, api_client_for):
    company = CompanyFactory()
    api = api_client_for(office_admin)
    r = api.post(f"/api/v1/grading/subjects/{company.identifier}/recompute")
    assert r.status_code == 200 and r.json()["grade"] == "B" and len(r.json()["history"]) == 1
    assert api_client_for(None).get(f"/api/v1/grading/subjects/{company.identifier}").status_code == 401
    assert api.get("/api/v1/grading/proposals").status_code == 200
    assert api.post("/api/v1/grading/rulesets", {"changes": {"threshold_a": 50}}).status_code == 422
    assert api.post("/api/v1/grading/rulesets", {"changes": {"base_score": 90}}).status_code == 201


def test_staff_pages_render(lixia, office_admin, inspectors, population):
    client = Client()
    client.force_login(office_admin)
    company = population[0]
    for url in (
        "/staff/grading/",
        f"/staff/grading/subjects/{company.identifier}/",
        "/staff/grading/proposals/",
        "/staff/grading/rules/",
        "/staff/grading/inspections/",
        "/staff/grading/honours/",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(inspectors[0])
    r = client.post(
        "/staff/grading/inspections/",
        {
            "name": "页面抽查",
            "industry": "餐饮业",
            "rate_A": "3",
            "rate_B": "10",
            "rate_C": "30",
            "rate_D": "70",
            "inspectors_per_subject": "2",
        },
    )
    assert r.status_code == 302
    plan = InspectionPlan.objects.get(name="页面抽查")
    detail = client.get(f"/staff/grading/inspections/{plan.pk}/").content.decode()
    assert "减少" in detail and "按种子重新抽取结果一致" in detail
    r = client.post("/staff/grading/honours/", {"action": "screen", "identifiers": company.identifier})
    assert "不得参评" in r.content.decode()
    client.force_login(office_admin)
    page = client.get("/staff/grading/rules/").content.decode()
    assert "基础分" in page and "罚款 5" in page and "base_score</" not in page
    r = client.post("/staff/grading/rules/", {"base_score": "86", "note": "页面发布"})
    assert r.status_code == 302
    assert selectors.ruleset_active().base_score == 86
    r = client.post("/staff/grading/rules/", {"base_score": "abc"})
    assert "“基础分”必须是数字" in r.content.decode()
    r = client.post("/staff/grading/rules/", {"penalty_category_points": "罚款 5\n警告 两"})
    assert "“处罚类别扣分（按 CF_CFLB）”第 2 行应为“名称 分值”" in r.content.decode()
    r = client.post("/staff/grading/rules/", {"threshold_a": "70", "threshold_b": "75"})
    assert "A 级最低分 &gt; B 级最低分" in r.content.decode()
    r = client.post("/staff/grading/rules/", {"base_score": "86"})
    assert "没有修改任何规则" in r.content.decode()


def test_revocation_worklist_follows_the_measures_reach(lixia, office_admin, user_factory, api_client_for):
    """The worklist is the check engine's answer in the honours scenario: the office's reach settings
    of 撤销荣誉称号 decide who is on it, and each line says why in words."""
    from jointcredit.lists.models import ListType
    from jointcredit.measures.models import Measure, Memorandum
    from jointcredit.measures.services import measure_update, measures_seed_defaults

    measures_seed_defaults()
    ListType.objects.filter(color="black").update(
        memorandum=Memorandum.objects.get(code="lixia-dishonesty-2026")
    )
    company, rep, (shareholder, manager) = company_with_people(3)
    clerk = user_factory(lixia["fgj"], roles=["clerk"])
    api = api_client_for(clerk)
    ids = {}
    for person in (rep, shareholder, manager):
        r = api.post(
            "/api/v1/grading/honours",
            {"identifier": person.identifier, "title": "历下区优秀青年志愿者", "awarded_on": "2026-05-01"},
        )
        ids[person.identifier] = r.json()["id"]
    entry(company, department=lixia["scjgj"], on=clock.today())

    items = api.get("/api/v1/grading/honours/revocations").json()["items"]
    # 法定代表人 and 高级管理人员 are reached; a shareholder only when directly responsible.
    assert {i["identifier"] for i in items} == {rep.identifier, manager.identifier}
    reasons = {i["identifier"]: "；".join(i["reasons"]) for i in items}
    assert "高级管理人员" in reasons[manager.identifier] and company.name in reasons[manager.identifier]
    assert "bound method" not in str(items)

    # The office narrows the measure to the subject and its 法定代表人: the manager leaves the list.
    measure = Measure.objects.get(code="punish-honours")
    measure_update(
        actor=office_admin,
        measure=measure,
        data={"reach_roles": ["legal_representative"], "directly_responsible_roles": []},
    )
    items = api.get("/api/v1/grading/honours/revocations").json()["items"]
    assert [i["identifier"] for i in items] == [rep.identifier]
    page = Client()
    page.force_login(clerk)
    html = page.get("/staff/grading/honours/").content.decode()
    assert "法定代表人" in html and "bound method" not in html
