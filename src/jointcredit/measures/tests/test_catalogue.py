"""Memoranda and measures: seed defaults, office-only writes with audit, validation."""

from __future__ import annotations

import re

import pytest

from jointcredit.accounts.models import Department
from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.measures.models import Measure, Memorandum
from jointcredit.measures.seed import MEASURES, PUNISHMENT_MEMORANDUM
from jointcredit.measures.services import (
    measure_create,
    measure_update,
    measures_seed_defaults,
    memorandum_create,
)

pytestmark = pytest.mark.django_db


def test_seed_ships_every_default_and_is_idempotent(catalog):
    assert set(Measure.objects.values_list("code", flat=True)) >= {m[1] for m in MEASURES}
    before = (Memorandum.objects.count(), Measure.objects.count())
    assert measures_seed_defaults() == {"memoranda": [], "measures": []}
    assert (Memorandum.objects.count(), Measure.objects.count()) == before
    market = Measure.objects.get(code="punish-market-entry")
    assert market.reach_roles == ["legal_representative", "principal", "licensed_professional"]
    assert market.directly_responsible_roles == ["licensed_professional"]
    honours = Measure.objects.get(code="punish-honours")
    assert set(honours.directly_responsible_roles) == {"director", "shareholder"}
    # Only the departments that exist (the lixia fixture has five) are linked.
    memo = Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM)
    assert set(memo.signatories.values_list("code", flat=True)) == {"fgj", "scjgj", "xzsp", "swj", "czj"}


def test_seed_works_without_departments_and_fills_links_later(db):
    from jointcredit.lists.models import ListType

    ListType.objects.update(memorandum=None)  # the default list types point at the seed memoranda
    Measure.objects.all().delete()
    Memorandum.objects.all().delete()
    created = measures_seed_defaults()
    assert len(created["measures"]) == len(MEASURES)
    assert not Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM).signatories.exists()
    Department.objects.create(code="czj", name="区财政局")
    measures_seed_defaults()
    assert list(
        Measure.objects.get(code="punish-funding").implementing_departments.values_list("code", flat=True)
    ) == ["czj"]
    assert AuditEvent.objects.filter(action="measure.seed").count() == len(MEASURES)


def test_office_admin_creates_measure_with_audit(office_admin, catalog):
    memo = Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM)
    measure = measure_create(
        actor=office_admin,
        memorandum=memo,
        code="punish-bonds",
        name="限制发行企业债券",
        kind="punishment",
        scenarios=["funding"],
        implementing_departments=["fgj"],
        reach_roles=["legal_representative"],
    )
    assert measure.implementing_departments.get().code == "fgj"
    event = AuditEvent.objects.filter(action="measure.create").latest("seq")
    assert event.after["implementing_departments"] == ["fgj"]
    with pytest.raises(Conflict):
        measure_create(
            actor=office_admin,
            memorandum=memo,
            code="punish-bonds",
            name="重复",
            kind="punishment",
            scenarios=["funding"],
        )


@pytest.mark.parametrize(
    "kwargs, field, fragment",
    [
        ({"scenarios": ["funding", "casino"]}, "scenarios", "适用业务场景中有 1 个无法识别或已停用的场景"),
        ({"scenarios": []}, "scenarios", "至少"),
        ({"reach_roles": ["chairman"]}, "reach_roles", "作用的关联人身份中有 1 个无法识别的身份"),
        (
            {"reach_roles": ["director"], "directly_responsible_roles": ["shareholder"]},
            "directly_responsible_roles",
            "股东",
        ),
        ({"reaches_subject": False}, "reach_roles", "无法生效"),
        ({"implementing_departments": ["nosuch"]}, "implementing_departments", "实施部门中有 1 个部门不存在"),
    ],
)
def test_measure_validation(office_admin, catalog, kwargs, field, fragment):
    memo = Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM)
    args = {"code": "punish-x", "name": "某措施", "kind": "punishment", "scenarios": ["funding"]} | kwargs
    with pytest.raises(ValidationFailed) as exc:
        measure_create(actor=office_admin, memorandum=memo, **args)
    assert exc.value.details[0]["field"] == field
    assert fragment in exc.value.message
    # Chinese only for people: no internal field name or code in the message; the API caller finds
    # the offending codes in the details.
    assert not re.search(r"[a-z]{3,}", exc.value.message), exc.value.message
    unknown = {"casino", "chairman", "nosuch"} & set(
        sum((v for v in kwargs.values() if isinstance(v, list)), [])
    )
    assert set(exc.value.details[0].get("values", [])) == unknown
    assert not Measure.objects.filter(code="punish-x").exists()


def test_update_validates_the_result_and_writes_nothing_on_error(office_admin, catalog):
    measure = Measure.objects.get(code="punish-funding")
    with pytest.raises(ValidationFailed):
        measure_update(actor=office_admin, measure=measure, data={"scenarios": ["nowhere"]})
    assert Measure.objects.get(code="punish-funding").scenarios == ["funding"]


def test_only_the_office_configures(user_factory, catalog):
    clerk = user_factory(catalog["scjgj"], roles=["clerk", "approver", "department_admin"])
    with pytest.raises(PermissionDenied):
        memorandum_create(actor=clerk, code="m1", name="某备忘录")
    with pytest.raises(PermissionDenied):
        measure_update(actor=clerk, measure=Measure.objects.get(code="punish-funding"), data={"name": "x"})


def test_api_memoranda_and_measures(office_admin, user_factory, api_client_for, catalog):
    office = api_client_for(office_admin)
    r = office.post(
        "/api/v1/memoranda",
        {
            "code": "lixia-tax-2026",
            "name": "历下区纳税信用联合奖惩备忘录",
            "document_no": "历信用办发〔2026〕9号",
            "signatories": ["swj", "fgj"],
        },
    )
    assert r.status_code == 201, r.content
    assert {d["code"] for d in r.json()["signatories"]} == {"swj", "fgj"}
    r = office.post(
        "/api/v1/measures",
        {
            "memorandum": "lixia-tax-2026",
            "code": "punish-tax-invoice",
            "name": "严格限制发票领用",
            "kind": "punishment",
            "scenarios": ["licensing"],
            "implementing_departments": ["swj"],
        },
    )
    assert r.status_code == 201 and r.json()["memorandum"] == "lixia-tax-2026"
    bad = office.post(
        "/api/v1/measures",
        {
            "memorandum": "lixia-tax-2026",
            "code": "p2",
            "name": "x",
            "kind": "punishment",
            "scenarios": ["weird"],
        },
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "scenarios"
    r = office.client.patch(
        "/api/v1/measures/punish-tax-invoice",
        '{"reach_roles": ["principal"]}',
        content_type="application/json",
        **office.headers,
    )
    assert r.status_code == 200 and r.json()["reach_roles"] == ["principal"]

    viewer = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    page = viewer.get("/api/v1/measures", {"scenario": "licensing", "page_size": 50}).json()
    assert {"punish-strict-licensing", "reward-green-channel", "punish-tax-invoice"} <= {
        m["code"] for m in page["items"]
    }
    assert viewer.get("/api/v1/memoranda").json()["total"] >= 3
    assert viewer.post("/api/v1/memoranda", {"code": "x", "name": "x"}).status_code == 403
    assert viewer.get("/api/v1/measures/nope").status_code == 404
