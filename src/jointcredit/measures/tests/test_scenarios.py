"""业务场景 are data the office maintains (issue #20 §2, ADR 0045): seeded with the old codes, a new
one (限制高消费) entered on the workbench page bites in the check at once, retiring is refused while
a measure uses it, and an unknown or retired scenario is a Chinese 422 naming the codes in use."""

from __future__ import annotations

import pytest
from django.test import Client

from jointcredit.audit.models import AuditEvent
from jointcredit.measures.models import Measure, Memorandum, Scenario
from jointcredit.measures.scenarios import scenarios_active
from jointcredit.measures.seed import PUNISHMENT_MEMORANDUM
from jointcredit.measures.services import measure_create, measure_update, scenario_create
from jointcredit.subjects.tests.factories import CompanyFactory

from .factories import black_list_type, entry

pytestmark = pytest.mark.django_db

DEFAULT_CODES = [
    "licensing",
    "production_permit",
    "project_approval",
    "funding",
    "policy_benefit",
    "public_resource_trading",
    "franchise",
    "market_entry",
    "honours",
    "inspection",
    "publicity",
]


@pytest.fixture
def office_page(office_admin):
    client = Client()
    client.force_login(office_admin)
    return client


def test_the_fixed_codes_are_seeded_as_data(catalog):
    assert list(scenarios_active()) == DEFAULT_CODES
    assert Scenario.objects.get(code="honours").name == "评先评优/荣誉称号"


def test_office_adds_a_scenario_and_a_measure_bites_in_it_without_a_release(
    catalog, office_admin, office_page, user_factory, api_client_for
):
    r = office_page.post(
        "/staff/measures/scenarios/",
        {"code": "high_consumption", "name": "限制高消费", "departments": ["scjgj", "czj"]},
    )
    assert r.status_code == 302
    added = Scenario.objects.get(code="high_consumption")
    assert sorted(added.departments.values_list("code", flat=True)) == ["czj", "scjgj"]
    audit = AuditEvent.objects.get(action="scenario.create", object_id=str(added.pk))
    assert audit.after["name"] == "限制高消费"
    measure_create(
        actor=office_admin,
        memorandum=Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM),
        code="punish-high-consumption",
        name="限制乘坐飞机、列车软卧等高消费行为",
        kind="punishment",
        scenarios=["high_consumption"],
        reach_roles=["legal_representative"],
    )
    company = CompanyFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    api = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    body = api.get("/api/v1/check", {"identifier": company.identifier, "scenario": "high_consumption"}).json()
    assert [h["measure_code"] for h in body["hits"]] == ["punish-high-consumption"]
    listed = api.get("/api/v1/scenarios").json()
    assert (listed[-1]["code"], listed[-1]["name"], listed[-1]["is_active"]) == (
        "high_consumption",
        "限制高消费",
        True,
    )
    assert sorted(d["code"] for d in listed[-1]["departments"]) == ["czj", "scjgj"]
    page = office_page.get("/staff/measures/scenarios/").content.decode()
    assert "限制高消费" in page and "区财政局" in page


def test_scenario_form_errors_are_named_in_chinese_and_only_the_office_may_write(
    catalog, office_page, user_factory
):
    r = office_page.post("/staff/measures/scenarios/", {"code": "高消费", "name": ""})
    html = r.content.decode()
    assert r.status_code == 200 and "场景代码须为 2–32 个字符" in html and "场景名称不能为空" in html
    r = office_page.post("/staff/measures/scenarios/", {"code": "funding", "name": "财政资金"})
    assert "场景代码“funding”已存在" in r.content.decode()
    assert Scenario.objects.count() == len(DEFAULT_CODES)
    clerk = Client()
    clerk.force_login(user_factory(catalog["scjgj"], roles=["clerk", "department_admin"]))
    assert clerk.get("/staff/measures/scenarios/").status_code == 403
    assert clerk.post("/staff/measures/scenarios/", {"code": "x_y", "name": "某场景"}).status_code == 403
    assert clerk.get("/staff/measures/scenarios/funding/edit/").status_code == 403


def test_retiring_is_refused_while_a_measure_uses_it_then_checks_refuse_the_code(
    catalog, office_admin, office_page, user_factory, api_client_for
):
    scenario = scenario_create(actor=office_admin, code="high_consumption", name="限制高消费")
    measure = measure_create(
        actor=office_admin,
        memorandum=Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM),
        code="punish-high-consumption",
        name="限制高消费",
        kind="punishment",
        scenarios=["high_consumption", "funding"],
    )
    r = office_page.post(f"/staff/measures/scenarios/{scenario.code}/edit/", {"action": "retire"})
    assert "仍有 1 项在用措施适用业务场景“限制高消费”" in r.content.decode()
    assert Scenario.objects.get(pk=scenario.pk).is_active

    measure = measure_update(actor=office_admin, measure=measure, data={"scenarios": ["funding"]})
    r = office_page.post(f"/staff/measures/scenarios/{scenario.code}/edit/", {"action": "retire"})
    assert r.status_code == 302
    retired = Scenario.objects.get(pk=scenario.pk)
    assert not retired.is_active and retired.retired_at is not None
    assert AuditEvent.objects.filter(action="scenario.deactivate", object_id=str(scenario.pk)).exists()

    api = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    r = api.get("/api/v1/check", {"identifier": CompanyFactory().identifier, "scenario": "high_consumption"})
    error = r.json()["error"]
    assert r.status_code == 422 and error["message"].startswith("该业务场景已停用")
    assert "财政性资金项目（funding）" in error["details"][0]["message"]
    assert error["details"][0]["valid"] == DEFAULT_CODES
    assert "high_consumption" not in [s["code"] for s in api.get("/api/v1/scenarios").json()]
    assert "high_consumption" in [
        s["code"] for s in api.get("/api/v1/scenarios", {"include_retired": True}).json()
    ]
    # A retired scenario cannot be added to a measure again.
    with pytest.raises(Exception, match="已停用：限制高消费"):
        measure_update(
            actor=office_admin, measure=measure, data={"scenarios": ["funding", "high_consumption"]}
        )
    # The office brings it back.
    r = office_page.post(f"/staff/measures/scenarios/{scenario.code}/edit/", {"action": "reactivate"})
    assert r.status_code == 302 and Scenario.objects.get(pk=scenario.pk).is_active
    assert Measure.objects.get(pk=measure.pk).scenarios == ["funding"]


def test_unknown_scenario_is_a_422_naming_the_codes(catalog, user_factory, api_client_for):
    api = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    r = api.get("/api/v1/check", {"identifier": CompanyFactory().identifier, "scenario": "casino"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["message"].startswith("业务场景无效：应为在用的业务场景之一：行政许可审批、生产许可")
    assert error["details"][0]["message"].startswith(
        "业务场景应为在用的业务场景之一：行政许可审批（licensing）"
    )
    assert error["details"][0]["field"] == "scenario" and error["details"][0]["rule"] == "choice"
