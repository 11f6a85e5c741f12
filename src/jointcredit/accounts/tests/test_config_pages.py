"""系统配置 in the workbench (issue #19 §2): the office maintains departments and 代为报送 grants, a
department admin the accounts of their own department; Chinese pages, validation, every change audited."""

import random

import pytest
from django.test import Client

from jointcredit.accounts.models import Delegation, Department, Role, User
from jointcredit.audit.models import AuditEvent
from jointcredit.subjects.generators import uscc as make_uscc

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_office_creates_and_edits_a_department(office_admin):
    client = _client(office_admin)
    code = make_uscc(random.Random(7))
    r = client.post(
        "/accounts/departments/",
        {"code": "yjj", "name": "区应急管理局", "uscc": code, "is_initiating": "on", "is_cooperating": "on"},
    )
    assert r.status_code == 302 and r["Location"] == "/accounts/departments/yjj/"
    dept = Department.objects.get(code="yjj")
    assert dept.uscc == code and dept.is_initiating and dept.is_cooperating
    assert AuditEvent.objects.filter(action="department.create", object_id=str(dept.pk)).exists()

    r = client.post(
        "/accounts/departments/yjj/", {"name": "区应急管理局（改）", "uscc": code, "is_cooperating": "on"}
    )
    assert r.status_code == 302
    dept.refresh_from_db()
    assert dept.name == "区应急管理局（改）" and not dept.is_initiating and not dept.is_active
    row = AuditEvent.objects.get(action="department.update")
    assert row.before["is_active"] is True and row.after["is_active"] is False
    page = client.get("/accounts/departments/").content.decode()
    assert "区应急管理局（改）" in page and "已停用" in page


def test_bad_department_input_is_named_in_chinese(office_admin, lixia):
    client = _client(office_admin)
    body = client.post("/accounts/departments/", {"code": "应急", "name": "x"}).content.decode()
    assert "部门代码须为 1–32 位小写英文字母" in body
    body = client.post(
        "/accounts/departments/", {"code": "abc", "name": "y", "uscc": "91370102MA3C12345X"}
    ).content.decode()
    assert "统一社会信用代码" in body and not Department.objects.filter(code="abc").exists()
    body = client.post("/accounts/departments/", {"code": "abc", "name": "区发改局"}).content.decode()
    assert "重复" in body
    body = client.post("/accounts/departments/fgj/", {"name": "区发改局"}).content.decode()
    assert "信用办所在部门不能停用" in body


def test_office_grants_and_revokes_a_delegation(office_admin, lixia):
    client = _client(office_admin)
    r = client.post("/accounts/departments/scjgj/", {"action": "grant", "agent": "xzsp", "scope": "license"})
    assert r.status_code == 302
    grant = Delegation.objects.get(department=lixia["xzsp"], on_behalf_of=lixia["scjgj"])
    assert grant.scope == "license"
    page = client.get("/accounts/departments/scjgj/").content.decode()
    assert "区行政审批服务局" in page and "行政许可" in page
    again = client.post(
        "/accounts/departments/scjgj/", {"action": "grant", "agent": "xzsp", "scope": "license"}
    )
    assert "已有代" in again.content.decode()
    r = client.post("/accounts/departments/scjgj/", {"action": "revoke", "delegation": grant.pk})
    assert r.status_code == 302 and not Delegation.objects.exists()
    assert [
        e.action for e in AuditEvent.objects.filter(action__startswith="delegation.").order_by("seq")
    ] == [
        "delegation.grant",
        "delegation.revoke",
    ]


def test_departments_are_the_office_s_job(user_factory, lixia):
    admin = _client(user_factory(lixia["scjgj"], roles=[Role.DEPARTMENT_ADMIN]))
    assert admin.get("/accounts/departments/").status_code == 403
    r = admin.post("/accounts/departments/scjgj/", {"action": "grant", "agent": "xzsp", "scope": "penalty"})
    assert r.status_code == 403 and not Delegation.objects.exists()


def test_a_department_admin_manages_their_own_users_only(user_factory, lixia):
    admin_user = user_factory(lixia["scjgj"], roles=[Role.DEPARTMENT_ADMIN, Role.CLERK])
    other = user_factory(lixia["swj"], roles=[Role.CLERK])
    client = _client(admin_user)
    page = client.get("/accounts/users/").content.decode()
    assert admin_user.username in page and other.username not in page
    r = client.post(
        "/accounts/users/",
        {
            "username": "zhang.clerk",
            "display_name": "张经办",
            "department": "swj",
            "roles": ["clerk", "viewer"],
        },
    )
    created = User.objects.get(username="zhang.clerk")
    assert created.department == lixia["scjgj"]  # their own department, whatever the form said
    assert "初始密码" in r.content.decode() and created.roles == ["clerk", "viewer"]
    body = client.post("/accounts/users/", {"username": "boss", "roles": ["office_admin"]}).content.decode()
    assert "仅信用办管理员" in body and not User.objects.filter(username="boss").exists()
    body = client.post("/accounts/users/", {"username": "nobody"}).content.decode()
    assert "至少选择一个角色" in body
    assert client.get(f"/accounts/users/{other.pk}/").status_code == 403

    r = client.post(f"/accounts/users/{created.pk}/", {"display_name": "张经办", "roles": ["approver"]})
    assert r.status_code == 302
    created.refresh_from_db()
    assert created.roles == ["approver"]
    assert AuditEvent.objects.get(action="user.update").after["roles"] == ["approver"]
    r = client.post(f"/accounts/users/{created.pk}/", {"action": "reset_password"})
    assert "新密码" in r.content.decode()
    r = client.post(f"/accounts/users/{created.pk}/", {"action": "deactivate"})
    created.refresh_from_db()
    assert not created.is_active
    body = client.post(f"/accounts/users/{admin_user.pk}/", {"action": "deactivate"}).content.decode()
    assert "不能停用自己的账号" in body
    body = client.post(f"/accounts/users/{admin_user.pk}/", {"roles": ["clerk"]}).content.decode()
    assert "不能取消自己的管理员角色" in body
    assert {e.action for e in AuditEvent.objects.filter(object_id=str(created.pk))} >= {
        "user.create",
        "user.update",
        "user.password_reset",
        "user.deactivate",
    }


def test_a_clerk_has_no_user_pages(user_factory, lixia):
    clerk = _client(user_factory(lixia["scjgj"], roles=[Role.CLERK]))
    assert clerk.get("/accounts/users/").status_code == 403


def test_letters_are_signed_with_the_organ_s_full_name_and_numbered_per_department_and_year(
    office_admin, lixia
):
    from django.db import transaction

    from jointcredit.accounts.services import document_number_next

    client = _client(office_admin)
    r = client.post(
        "/accounts/departments/scjgj/",
        {
            "name": "区市场监管局",
            "organ_name": "济南市历下区市场监督管理局",
            "doc_abbr": "历市监",
            "is_initiating": "on",
            "is_cooperating": "on",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    scjgj = Department.objects.get(code="scjgj")
    assert scjgj.signature == "济南市历下区市场监督管理局"
    assert Department.objects.get(code="swj").signature == "区税务局"  # falls back to the name
    with transaction.atomic():
        numbers = [document_number_next(department=scjgj, kind="失信告", year=2026) for _ in range(3)]
        other_kind = document_number_next(department=scjgj, kind="失信认", year=2026)
        next_year = document_number_next(department=scjgj, kind="失信告", year=2027)
        other_dept = document_number_next(department=lixia["swj"], kind="失信告", year=2026)
    assert numbers == ["历市监失信告〔2026〕1号", "历市监失信告〔2026〕2号", "历市监失信告〔2026〕3号"]
    assert other_kind == "历市监失信认〔2026〕1号" and next_year == "历市监失信告〔2027〕1号"
    assert other_dept == "区税务局失信告〔2026〕1号"
    body = client.post("/accounts/departments/scjgj/", {"name": "区市场监管局", "doc_abbr": "历〔市监〕"})
    assert "不含括号" in body.content.decode()
