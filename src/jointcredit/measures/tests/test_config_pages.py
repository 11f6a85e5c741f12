"""系统配置 → 备忘录与措施 (issue #19 §2): the office creates and edits memoranda and measures in
Chinese pages; every bad field is named in Chinese, every change audited, the check uses an edited
measure at once; everyone else reads the lists and is refused the edit pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jointcredit.audit.models import AuditEvent
from jointcredit.measures.models import Measure, Memorandum
from jointcredit.measures.seed import PUNISHMENT_MEMORANDUM
from jointcredit.subjects.tests.factories import CompanyFactory

from .factories import black_list_type, entry

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _error_items(body: str) -> list[str]:
    alert = re.search(r'<div class="msg-error" role="alert">(.*?)</div>', body, re.S)
    return re.findall(r"<li>(.*?)</li>", alert.group(1)) if alert else []


def _memo_form(**overrides) -> dict:
    data = {
        "code": "lixia-env-2026",
        "name": "历下区关于对环境保护领域失信主体实施联合惩戒的合作备忘录",
        "document_no": "历信用办发〔2026〕11号",
        "signed_on": "2026-03-02",
        "signatories": ["fgj", "scjgj"],
        "feedback_working_days": "15",
        "is_active": "on",
    }
    return data | overrides


def _measure_form(**overrides) -> dict:
    data = {
        "memorandum": PUNISHMENT_MEMORANDUM,
        "code": "punish-env-bonds",
        "name": "限制发行企业债券",
        "kind": "punishment",
        "legal_basis": "《企业债券管理条例》第十二条",
        "implementing_departments": ["fgj", "czj"],
        "scenarios": ["funding", "policy_benefit"],
        "reaches_subject": "on",
        "reach_roles": ["legal_representative", "director"],
        "directly_responsible_roles": ["director"],
        "is_active": "on",
    }
    return data | overrides


def test_office_creates_then_edits_a_memorandum(office_admin, catalog):
    client = _client(office_admin)
    listing = client.get("/staff/measures/memoranda/").content.decode()
    assert "/staff/measures/memoranda/new/" in listing and "在后台管理中编辑" not in listing
    assert client.get("/staff/measures/memoranda/new/").status_code == 200
    r = client.post("/staff/measures/memoranda/new/", _memo_form())
    assert r.status_code == 302, _error_items(r.content.decode())
    memo = Memorandum.objects.get(code="lixia-env-2026")
    assert memo.feedback_working_days == 15 and memo.signed_on.isoformat() == "2026-03-02"
    assert sorted(memo.signatories.values_list("code", flat=True)) == ["fgj", "scjgj"]
    created = AuditEvent.objects.get(action="memorandum.create", object_id=str(memo.pk))
    assert created.actor_id == office_admin.pk

    page = client.get("/staff/measures/memoranda/lixia-env-2026/edit/").content.decode()
    assert "历信用办发〔2026〕11号" in page and 'value="15"' in page and 'name="code"' not in page
    r = client.post(
        "/staff/measures/memoranda/lixia-env-2026/edit/",
        _memo_form(code="renamed", feedback_working_days="20", signatories=["swj"], is_active=""),
    )
    assert r.status_code == 302
    memo.refresh_from_db()
    assert (memo.code, memo.feedback_working_days, memo.is_active) == ("lixia-env-2026", 20, False)
    assert list(memo.signatories.values_list("code", flat=True)) == ["swj"]
    change = AuditEvent.objects.get(action="memorandum.update", object_id=str(memo.pk))
    assert change.before["feedback_working_days"] == 15 and change.after["feedback_working_days"] == 20
    assert change.before["signatories"] == ["fgj", "scjgj"] and change.after["signatories"] == ["swj"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"code": " "}, "备忘录代码不能为空"),
        ({"code": PUNISHMENT_MEMORANDUM}, "备忘录代码“" + PUNISHMENT_MEMORANDUM + "”已存在"),
        ({"name": ""}, "备忘录名称不能为空"),
        ({"feedback_working_days": "61"}, "反馈期限应在 1 到 60 个工作日之间"),
        ({"feedback_working_days": "十"}, "反馈期限（工作日）必须是整数"),
        ({"signed_on": "2026/03/02"}, "签署日期“2026/03/02”格式错误"),
        ({"signatories": ["fgj", "nosuch"]}, "签署部门中有 1 个部门不存在"),
    ],
)
def test_every_bad_memorandum_field_is_named_in_chinese(office_admin, catalog, overrides, message):
    before = Memorandum.objects.count()
    r = _client(office_admin).post("/staff/measures/memoranda/new/", _memo_form(**overrides))
    assert r.status_code == 200
    errors = _error_items(r.content.decode())
    assert any(message in e for e in errors), errors
    assert Memorandum.objects.count() == before
    assert not AuditEvent.objects.filter(action="memorandum.create").exists()


def test_both_form_parsing_errors_are_shown_together(office_admin, catalog):
    r = _client(office_admin).post(
        "/staff/measures/memoranda/new/", _memo_form(signed_on="昨天", feedback_working_days="")
    )
    errors = _error_items(r.content.decode())
    assert len(errors) == 2 and "签署日期" in errors[0] and "反馈期限" in errors[1]


def test_office_creates_then_edits_a_measure(office_admin, catalog):
    client = _client(office_admin)
    listing = client.get("/staff/measures/list/").content.decode()
    assert "/staff/measures/list/new/" in listing and "/staff/measures/list/punish-funding/edit/" in listing
    form = client.get("/staff/measures/list/new/", {"memorandum": PUNISHMENT_MEMORANDUM}).content.decode()
    assert "招商引资优惠政策" in form and "法定代表人" in form and "董事" in form
    r = client.post("/staff/measures/list/new/", _measure_form())
    assert r.status_code == 302, _error_items(r.content.decode())
    assert r["Location"] == f"/staff/measures/list/?memorandum={PUNISHMENT_MEMORANDUM}"
    m = Measure.objects.get(code="punish-env-bonds")
    assert m.memorandum.code == PUNISHMENT_MEMORANDUM and m.kind == "punishment"
    assert m.scenarios == ["funding", "policy_benefit"]
    assert m.reach_roles == ["legal_representative", "director"] and m.directly_responsible_roles == [
        "director"
    ]
    assert sorted(m.implementing_departments.values_list("code", flat=True)) == ["czj", "fgj"]
    assert AuditEvent.objects.filter(action="measure.create", object_id=str(m.pk)).exists()

    page = client.get("/staff/measures/list/punish-env-bonds/edit/").content.decode()
    assert "《企业债券管理条例》第十二条" in page and 'name="memorandum"' not in page
    r = client.post(
        "/staff/measures/list/punish-env-bonds/edit/",
        _measure_form(
            kind="incentive",
            scenarios=["honours"],
            reaches_subject="",
            reach_roles=["principal"],
            directly_responsible_roles=[],
            implementing_departments=["scjgj"],
        ),
    )
    assert r.status_code == 302, _error_items(r.content.decode())
    # In force (no 生效日期): the edit is version 2 from today; version 1 keeps its content (ADR 0045).
    first, m = m, Measure.objects.get(code="punish-env-bonds", superseded_by=None)
    first.refresh_from_db()
    assert (first.version, first.kind, first.superseded_by_id, m.version) == (1, "punishment", m.pk, 2)
    assert (m.kind, m.scenarios, m.reaches_subject, m.reach_roles) == (
        "incentive",
        ["honours"],
        False,
        ["principal"],
    )
    change = AuditEvent.objects.get(action="measure.revise", object_id=str(m.pk))
    assert change.before["scenarios"] == ["funding", "policy_benefit"]
    assert change.after["implementing_departments"] == ["scjgj"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"memorandum": ""}, "请选择措施所属的备忘录"),
        ({"code": ""}, "措施代码不能为空"),
        ({"code": "punish-funding"}, "措施代码“punish-funding”已存在"),
        ({"name": " "}, "措施名称不能为空"),
        ({"kind": "bonus"}, "措施类型无效：应为惩戒或激励"),
        ({"scenarios": []}, "适用业务场景至少需要选择一个"),
        ({"scenarios": ["funding", "casino"]}, "适用业务场景中有 1 个无法识别或已停用的场景"),
        (
            {"reach_roles": ["chairman"], "directly_responsible_roles": []},
            "作用的关联人身份中有 1 个无法识别",
        ),
        ({"reach_roles": ["principal"]}, "“仅对直接责任人生效”的身份 董事 未列在作用的关联人身份中"),
        (
            {"reaches_subject": "", "reach_roles": [], "directly_responsible_roles": []},
            "措施既不作用于主体本身也不作用于任何关联人",
        ),
        ({"implementing_departments": ["nosuch"]}, "实施部门中有 1 个部门不存在"),
    ],
)
def test_every_bad_measure_field_is_named_in_chinese(office_admin, catalog, overrides, message):
    before = Measure.objects.count()
    r = _client(office_admin).post("/staff/measures/list/new/", _measure_form(**overrides))
    assert r.status_code == 200
    errors = _error_items(r.content.decode())
    assert any(message in e for e in errors), errors
    for e in errors:  # no internal field name or code, other than the one the person typed
        assert not re.search(r"[a-z]{3,}", e.replace(overrides.get("code") or "-", "")), e
    assert Measure.objects.count() == before


def test_all_bad_measure_fields_are_listed_at_once(office_admin, catalog):
    r = _client(office_admin).post(
        "/staff/measures/list/new/", _measure_form(name="", kind="", scenarios=[], reach_roles=["principal"])
    )
    errors = _error_items(r.content.decode())
    assert len(errors) == 4, errors


def test_the_check_uses_an_edited_measures_scenarios_at_once(
    office_admin, user_factory, api_client_for, catalog
):
    company = CompanyFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    client = api_client_for(user_factory(catalog["czj"], roles=["viewer"]))
    params = {"identifier": company.identifier, "scenario": "publicity"}
    assert client.get("/api/v1/check", params).json()["hits"] == []  # warms the catalogue cache

    measure = Measure.objects.get(code="punish-funding")
    r = _client(office_admin).post(
        "/staff/measures/list/punish-funding/edit/",
        {
            "name": measure.name,
            "kind": measure.kind,
            "legal_basis": measure.legal_basis,
            "implementing_departments": list(measure.implementing_departments.values_list("code", flat=True)),
            "scenarios": ["funding", "publicity"],
            "reaches_subject": "on",
            "is_active": "on",
        },
    )
    assert r.status_code == 302, _error_items(r.content.decode())
    hits = client.get("/api/v1/check", params).json()["hits"]
    assert [h["measure_code"] for h in hits] == ["punish-funding"]


def test_a_clerk_reads_the_lists_but_cannot_edit(user_factory, catalog):
    clerk = _client(user_factory(catalog["scjgj"], roles=["clerk", "approver", "department_admin"]))
    listing = clerk.get("/staff/measures/list/").content.decode()
    assert "限制申请财政性资金项目" in listing and "/edit/" not in listing and "/list/new/" not in listing
    memoranda = clerk.get("/staff/measures/memoranda/").content.decode()
    assert "/memoranda/new/" not in memoranda and "/admin/" not in memoranda
    for url in (
        "/staff/measures/memoranda/new/",
        f"/staff/measures/memoranda/{PUNISHMENT_MEMORANDUM}/edit/",
        "/staff/measures/list/new/",
        "/staff/measures/list/punish-funding/edit/",
    ):
        assert clerk.get(url).status_code == 403
    r = clerk.post("/staff/measures/list/punish-funding/edit/", {"name": "改名", "scenarios": ["funding"]})
    assert r.status_code == 403
    assert Measure.objects.get(code="punish-funding").name != "改名"
    assert not AuditEvent.objects.filter(action__in=["measure.update", "memorandum.create"]).exists()


def test_configuration_nav_is_for_the_office_only(office_admin, user_factory, catalog):
    office_home = _client(office_admin).get("/staff/").content.decode()
    clerk_home = _client(user_factory(catalog["scjgj"])).get("/staff/").content.decode()
    assert "系统配置" in office_home and "/staff/measures/memoranda/" in office_home
    assert "/staff/measures/memoranda/" not in clerk_home and "/staff/measures/list/" in clerk_home
