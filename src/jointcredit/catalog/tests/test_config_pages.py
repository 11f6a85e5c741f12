"""系统配置 → 信用信息目录项 (issue #19 §2): the office adds, edits and ends catalog items on a Chinese
workbench page; the data items are typed one per line; bad input is named in Chinese by line and
rule; every change is a new version and an audit row; nobody but the office gets in."""

from __future__ import annotations

import pytest
from django.test import Client

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.catalog.forms import field_lines, field_lines_parse
from jointcredit.catalog.models import CatalogItem
from jointcredit.common.errors import ValidationFailed

pytestmark = pytest.mark.django_db

FIELDS = "\n".join(
    [
        "JFXM | 缴费项目 | 选项 | 必填 | 养老保险/医疗保险/失业保险",
        "QJYS | 欠缴月数 | 整数 | 必填 | 1~",
        "QJJE | 欠缴金额（元） | 数值 | 选填 | 0~10000000",
        "BZ | 备注 | 文本 | 选填 | 200",
        "TZRQ | 通知日期 | 日期 | 选填",
    ]
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new(client, **over):
    data = {
        "code": "social-insurance-arrears",
        "name": "社会保险费欠缴信息",
        "category": "dishonest",
        "department": "rsj",
        "subject_scope": "legal",
        "fields": FIELDS,
        "frequency": "quarterly",
        "due_working_days": "10",
        "disclosure": "government",
        "retention_months": "60",
        "legal_basis": "《社会保险法》第八十六条",
    } | over
    return client.post("/staff/catalog/config/new/", data)


def test_the_office_adds_an_item_typed_line_by_line(office_admin, depts):
    client = _client(office_admin)
    r = _new(client)
    assert r.status_code == 302 and r["Location"] == "/staff/catalog/config/social-insurance-arrears/"
    item = CatalogItem.objects.get(code="social-insurance-arrears")
    assert item.department.code == "rsj" and item.version == 1
    by_code = {f["code"]: f for f in item.fields}
    assert by_code["JFXM"]["choices"] == ["养老保险", "医疗保险", "失业保险"]
    assert by_code["QJYS"] == {
        "code": "QJYS",
        "label": "欠缴月数",
        "type": "integer",
        "required": True,
        "min": 1.0,
    }
    assert by_code["BZ"]["max_length"] == 200 and by_code["TZRQ"]["type"] == "date"
    assert AuditEvent.objects.filter(action="catalog_item.create", object_id=str(item.pk)).exists()
    page = client.get(r["Location"]).content.decode()
    assert "信息项“社会保险费欠缴信息”已新增（第 1 版）。" in page
    assert "QJJE | 欠缴金额（元） | 数值 | 选填 | 0~10000000" in page  # the lines come back as typed
    listing = client.get("/staff/catalog/config/").content.decode()
    assert "社会保险费欠缴信息" in listing and "第 1 版" in listing


def test_bad_input_is_named_by_line_and_rule(office_admin, depts):
    client = _client(office_admin)
    body = _new(
        client, fields="JFXM | 缴费项目 | 枚举 | 必填\nQJYS | 欠缴月数 | 整数 | 必填 | 十二"
    ).content.decode()
    assert "数据项第 1 行：类型“枚举”无效" in body and "数据项第 2 行：数值范围应写作“最小~最大”" in body
    body = _new(client, fields="ZTMC | 名称 | 文本 | 必填").content.decode()
    assert "第 1 个字段：字段代码“ZTMC”是所有信息项共有的主体列（主体名称），不能再定义。" in body
    body = _new(client, due_working_days="99").content.decode()
    assert "报送期限（工作日）应为 1–60 之间的整数，不是“99”。" in body
    body = _new(client, code="社保").content.decode()
    assert "信息项代码“社保”无效" in body
    assert not CatalogItem.objects.filter(name="社会保险费欠缴信息").exists()


def test_the_office_edits_ends_and_resumes_an_item(office_admin, depts):
    client = _client(office_admin)
    _new(client)
    url = "/staff/catalog/config/social-insurance-arrears/"
    edit = {
        "version": "1",
        "name": "社会保险费欠缴信息",
        "category": "dishonest",
        "department": "rsj",
        "subject_scope": "legal",
        "fields": FIELDS + "\nCJRQ | 催缴日期 | 日期 | 选填",
        "frequency": "monthly",
        "due_working_days": "5",
        "disclosure": "government",
        "retention_months": "60",
        "note": "增加催缴日期，改为按月报送",
    }
    r = client.post(url, edit)
    assert r.status_code == 302
    item = CatalogItem.objects.get(code="social-insurance-arrears")
    assert item.version == 2 and item.frequency == "monthly" and "CJRQ" in item.field_codes()
    row = AuditEvent.objects.get(action="catalog_item.update")
    assert row.before["frequency"] == "quarterly" and row.after["note"] == "增加催缴日期，改为按月报送"
    # A stale form (someone saved in between) is refused, naming both versions.
    body = client.post(url, edit | {"due_working_days": "6"}).content.decode()
    assert "你修改的是第 1 版" in body and "当前为第 2 版" in body

    client.post(url, {"action": "end"})
    item.refresh_from_db()
    assert not item.is_active and item.version == 3
    page = client.get(url).content.decode()
    assert "已停用" in page and "恢复启用" in page
    client.post(url, {"action": "resume"})
    item.refresh_from_db()
    assert item.is_active and AuditEvent.objects.filter(action="catalog_item.update").count() == 3


def test_only_the_office_gets_in(user_factory, depts):
    clerk = user_factory(depts["rsj"], roles=[Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN])
    client = _client(clerk)
    for url in ("/staff/catalog/config/", "/staff/catalog/config/new/"):
        r = client.get(url)
        assert r.status_code == 403 and "仅信用办管理员可以执行此操作。" in r.content.decode()
    assert _new(client).status_code == 403
    assert not CatalogItem.objects.filter(code="social-insurance-arrears").exists()


def test_an_unknown_item_is_a_404(office_admin):
    assert _client(office_admin).get("/staff/catalog/config/no-such-item/").status_code == 404


def test_field_lines_round_trip():
    fields = field_lines_parse(FIELDS)
    from jointcredit.catalog.schema import clean_fields

    assert field_lines(clean_fields(fields)) == FIELDS
    with pytest.raises(ValidationFailed) as exc:
        field_lines_parse("JFXM | 缴费项目")
    assert exc.value.details[0]["row"] == 1 and exc.value.details[0]["rule"] == "format"
