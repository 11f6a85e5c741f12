"""系统配置 → 名单类型 (issue #19 §2): the office creates and edits list types in a Chinese page;
every field validated with its name, every change audited; others are refused."""

import pytest
from django.test import Client

from jointcredit.audit.models import AuditEvent
from jointcredit.lists.models import ListType

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides) -> dict:
    data = {
        "code": "black_env_fraud",
        "name": "环境监测数据弄虚作假严重失信主体名单",
        "color": "black",
        "category": "black_health_safety",
        "legal_basis": "《关于对环境保护领域失信生产经营单位及其有关人员开展联合惩戒的合作备忘录》第二条",
        "validity_days": "1095",
        "min_repair_days": "365",
        "repairable": "on",
        "statement_working_days": "5",
        "departments": ["scjgj", "swj"],
        "is_active": "on",
    }
    return data | overrides


def test_office_creates_then_edits_a_list_type(office_admin, types):
    client = _client(office_admin)
    assert client.get("/staff/lists/types/new/").status_code == 200
    r = client.post("/staff/lists/types/new/", _form())
    assert r.status_code == 302, r.content.decode()[:3000]
    lt = ListType.objects.get(code="black_env_fraud")
    assert sorted(lt.initiating_departments.values_list("code", flat=True)) == ["scjgj", "swj"]
    assert AuditEvent.objects.filter(action="list_type.create", object_id=str(lt.pk)).exists()

    page = client.get("/staff/lists/types/black_env_fraud/edit/").content.decode()
    assert "环境监测数据弄虚作假" in page and 'value="1095"' in page
    r = client.post(
        "/staff/lists/types/black_env_fraud/edit/", _form(validity_days="730", departments=["scjgj"])
    )
    assert r.status_code == 302
    lt.refresh_from_db()
    assert lt.validity_days == 730 and list(lt.initiating_departments.values_list("code", flat=True)) == [
        "scjgj"
    ]
    change = AuditEvent.objects.get(action="list_type.update")
    assert change.before["validity_days"] == 1095 and change.after["validity_days"] == 730
    assert "编辑" in client.get("/staff/lists/types/").content.decode()


def test_every_bad_field_is_named(office_admin, types):
    r = _client(office_admin).post(
        "/staff/lists/types/new/",
        _form(
            name="",
            category="red_media",
            validity_days="abc",
            min_repair_days="9999",
            statement_working_days="0",
            departments=["nope"],
            memorandum="no-such-memo",
        ),
    )
    body = r.content.decode()
    for message in (
        "名单名称不能为空",
        "类别/来源必须是所选颜色",
        "最长有效期（天）必须是整数",
        "最短公示期（天）必须在 0 到 3650 之间",
        "陈述申辩期限（工作日）必须在 1 到 60 之间",
        "部门代码不存在：nope",
        "备忘录“no-such-memo”不存在",
    ):
        assert message in body
    assert not ListType.objects.filter(code="black_env_fraud").exists()
    dup = _client(office_admin).post("/staff/lists/types/new/", _form(code=next(iter(types))))
    assert "已存在" in dup.content.decode()


def test_only_the_office_edits_list_types(scjgj_approver, types):
    client = _client(scjgj_approver)
    code = next(iter(types))
    assert client.get("/staff/lists/types/new/").status_code == 403
    before = ListType.objects.get(code=code).name
    assert client.post(f"/staff/lists/types/{code}/edit/", _form(name="改名")).status_code == 403
    assert ListType.objects.get(code=code).name == before
    assert "编辑" not in client.get("/staff/lists/types/").content.decode()
