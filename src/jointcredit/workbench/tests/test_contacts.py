"""预留联系方式 on the workbench (issue #16 §1, docs/identity.md): find a subject, record, list, end
and import contacts on file, with department rights and an audit row for every change."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.subjects.models import SubjectContact
from jointcredit.subjects.selectors import subject_contacts_on_file
from jointcredit.subjects.services import subject_contact_add
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return CompanyFactory()


@pytest.fixture
def clerk(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scjgj_clerk")


def _page(client, subject, **params) -> str:
    response = client.get(f"/staff/subjects/{subject.identifier}/contacts/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_screen_is_in_the_workbench_nav_and_finds_subjects(client, clerk, company):
    client.force_login(clerk)
    home = client.get("/staff/").content.decode()
    assert 'href="/staff/contacts/"' in home and "预留联系方式" in home
    body = client.get("/staff/contacts/", {"q": company.name[:4]}).content.decode()
    assert f'href="/staff/subjects/{company.identifier}/contacts/"' in body
    assert "预留联系方式" in client.get(f"/staff/subjects/{company.identifier}/").content.decode()


def test_a_clerk_records_and_ends_a_contact_audited(client, clerk, company):
    client.force_login(clerk)
    url = f"/staff/subjects/{company.identifier}/contacts/"
    response = client.post(
        url, {"email": " Zhang.Wei@Example.CN ", "phone": "+86 139 1234 5678", "source": "企业登记信息"}
    )
    assert response.status_code == 302 and response["Location"] == url
    contact = SubjectContact.objects.get(subject=company)
    assert (contact.email, contact.phone, contact.department.code) == (
        "zhang.wei@example.cn",
        "13912345678",
        "scjgj",
    )
    body = _page(client, company)
    assert "zhang.wei@example.cn" in body and "13912345678" in body  # in full for the recording department
    assert "区市场监管局" in body and "scjgj_clerk" in body and "企业登记信息" in body
    added = AuditEvent.objects.get(action="subject.contact_add", object_id=str(contact.pk))
    assert added.actor == clerk and added.after["phone"] == "13912345678"
    assert subject_contacts_on_file(company) == ["zhang.wei@example.cn"]

    response = client.post(f"{url}{contact.pk}/end/", {"reason": "企业变更联系方式"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (
        contact.ended_at is not None
        and contact.ended_by == clerk
        and contact.end_reason == "企业变更联系方式"
    )
    ended = AuditEvent.objects.get(action="subject.contact_deactivate", object_id=str(contact.pk))
    assert ended.after["reason"] == "企业变更联系方式"
    assert subject_contacts_on_file(company) == []  # no code goes there any more
    assert "zhang.wei@example.cn" not in _page(client, company)
    assert "企业变更联系方式" in _page(client, company, state="ended")
    assert client.get(url, {"state": "bogus"}).status_code == 422


def test_ending_needs_a_reason(client, clerk, company):
    contact = subject_contact_add(actor=clerk, subject=company, email="a@example.cn", source="许可申请材料")
    client.force_login(clerk)
    client.post(f"/staff/subjects/{company.identifier}/contacts/{contact.pk}/end/", {"reason": " "})
    contact.refresh_from_db()
    assert contact.active
    assert "请填写停用原因" in _page(client, company)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "", "phone": "", "source": "登记"}, "至少填写一项"),
        ({"email": "not-an-address", "source": "登记"}, "邮箱（email）格式不正确"),
        ({"phone": "12345", "source": "登记"}, "手机或电话（phone）格式不正确"),
        ({"phone": "0531-86061234", "source": ""}, "请填写联系方式的来源"),
        ({"phone": "0531-86061234", "source": "来" * 101}, "来源（source）不能超过 100 个字符"),
    ],
)
def test_invalid_input_is_refused_in_chinese(client, clerk, company, form, message):
    client.force_login(clerk)
    response = client.post(f"/staff/subjects/{company.identifier}/contacts/", form)
    assert response.status_code == 422 and message in response.content.decode()
    assert (
        not SubjectContact.objects.exists()
        and not AuditEvent.objects.filter(action="subject.contact_add").exists()
    )


def test_the_same_contact_is_not_recorded_twice(client, clerk, company):
    subject_contact_add(actor=clerk, subject=company, phone="0531-86061234", source="登记")
    client.force_login(clerk)
    response = client.post(
        f"/staff/subjects/{company.identifier}/contacts/", {"phone": "0531-86061234", "source": "另一来源"}
    )
    assert response.status_code == 422 and "该联系方式已在册" in response.content.decode()
    assert SubjectContact.objects.count() == 1


def test_other_departments_see_masked_addresses_and_cannot_end(
    client, clerk, user_factory, lixia, office_admin
):
    person = PersonFactory()
    contact = subject_contact_add(
        actor=clerk, subject=person, email="wangjg@example.com", phone="13912345678", source="许可申请材料"
    )
    other = user_factory(lixia["swj"], roles=[Role.CLERK])
    client.force_login(other)
    body = _page(client, person)
    assert "w***@example.com" in body and "139****5678" in body and "wangjg@" not in body
    assert "区市场监管局" in body and f"/contacts/{contact.pk}/end/" not in body
    client.post(f"/staff/subjects/{person.identifier}/contacts/{contact.pk}/end/", {"reason": "冒用"})
    contact.refresh_from_db()
    assert contact.active
    assert "无权操作“区市场监管局”的数据" in _page(client, person)
    # the credit office's admin may retire a contact found to be misused
    client.force_login(office_admin)
    assert "wangjg@example.com" in _page(client, person)
    client.post(f"/staff/subjects/{person.identifier}/contacts/{contact.pk}/end/", {"reason": "经核查被冒用"})
    contact.refresh_from_db()
    assert not contact.active and contact.ended_by == office_admin


def test_a_viewer_sees_but_does_not_record(client, user_factory, lixia, company):
    viewer = user_factory(lixia["scjgj"], roles=[Role.VIEWER])
    client.force_login(viewer)
    assert "登记预留联系方式" not in _page(client, company)
    response = client.post(
        f"/staff/subjects/{company.identifier}/contacts/", {"email": "a@example.cn", "source": "登记"}
    )
    assert response.status_code == 422 and "没有经办权限" in response.content.decode()
    response = client.post(
        "/staff/contacts/import/", {"file": SimpleUploadedFile("c.csv", b"x", content_type="text/csv")}
    )
    assert "没有经办权限" in response.content.decode() and not SubjectContact.objects.exists()


def test_an_unknown_subject_is_404(client, clerk):
    client.force_login(clerk)
    assert client.get("/staff/subjects/91370102MA3C8XXXXX/contacts/").status_code == 404


def _csv(rows: list[list[str]]) -> SimpleUploadedFile:
    text = "\n".join(",".join(r) for r in [["主体标识", "邮箱", "手机或电话", "来源"], *rows]) + "\n"
    return SimpleUploadedFile("contacts.csv", text.encode("utf-8"), content_type="text/csv")


def test_import_is_all_or_nothing_with_every_row_error(client, clerk, company):
    person = PersonFactory()
    client.force_login(clerk)
    bad = _csv(
        [
            [company.identifier, "fin@example.cn", "", "企业登记信息"],
            [person.identifier, "", "1391234", "许可申请材料"],
            ["91370102MA3C8XXXXX", "x@example.cn", "", "登记"],
            [company.identifier, "", "", "登记"],
        ]
    )
    response = client.post("/staff/contacts/import/", {"file": bad})
    body = response.content.decode()
    assert response.status_code == 422
    assert "第 3 行 手机或电话（phone）格式不正确" in body
    assert "第 4 行 主体标识“91370102MA3C8XXXXX”无效" in body
    assert "第 5 行 邮箱（email）和手机或电话（phone）至少填写一项" in body
    assert not SubjectContact.objects.exists()

    good = [
        [company.identifier, "fin@example.cn", "", "企业登记信息"],
        [person.identifier, "", "139 1234 5678", "许可申请材料"],
        [company.identifier, "fin@example.cn", "", "企业登记信息"],  # repeated in the file
    ]
    response = client.post("/staff/contacts/import/", {"file": _csv(good)})
    assert response.status_code == 200 and "已导入 2 条，已在册跳过 1 条" in response.content.decode()
    assert sorted(SubjectContact.objects.values_list("phone", flat=True)) == ["", "13912345678"]
    assert AuditEvent.objects.filter(action="subject.contact_add").count() == 2
    again = client.post("/staff/contacts/import/", {"file": _csv(good)})
    assert "已导入 0 条，已在册跳过 3 条" in again.content.decode()


def test_import_reads_xlsx_and_names_missing_columns(client, clerk, company):
    client.force_login(clerk)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["主体标识", "手机或电话", "来源"])
    sheet.append([company.identifier, "0531-86061234", "行政许可申请材料"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("contacts.xlsx", buffer.getvalue())
    response = client.post("/staff/contacts/import/", {"file": upload})
    assert "已导入 1 条" in response.content.decode()
    assert SubjectContact.objects.get().phone == "0531-86061234"
    missing = SimpleUploadedFile("c.csv", "主体标识,备注\n1,2\n".encode(), content_type="text/csv")
    body = client.post("/staff/contacts/import/", {"file": missing}).content.decode()
    assert "缺少列“来源”" in body and "缺少列“邮箱 或 手机或电话”" in body
