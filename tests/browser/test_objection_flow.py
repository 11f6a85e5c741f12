"""A subject files an objection on the portal (identifier + email code) and an approver of the
deciding department accepts, reviews and decides it on the workbench."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.lists import services as lists
from jointcredit.objections.models import Objection
from jointcredit.subjects.services import subject_contact_add
from jointcredit.subjects.tests.factories import CompanyFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.browser
def test_portal_objection_decided_by_staff(web, login, lixia, user_factory, tmp_path):
    lists.list_types_seed()
    clerk = user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scjgj_clerk")
    approver = user_factory(lixia["scjgj"], roles=[Role.APPROVER, Role.CLERK], username="scjgj_approver")
    company = CompanyFactory(name="济南泉城鑫源餐饮管理有限公司")
    entry = lists.list_entry_create(
        actor=clerk,
        list_type="black_health_safety",
        identifier=company.identifier,
        name=company.name,
        reason="使用超过保质期的食品原料。",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
    )
    entry = lists.list_entry_notify(entry=entry, actor=clerk, notified_on=clock.today() - timedelta(days=30))
    entry = lists.list_entry_decide(entry=entry, actor=approver)
    entry = lists.list_entry_publish(entry=entry, actor=approver)
    subject_contact_add(
        actor=clerk, subject=company, email="legal@xinyuan.example.com", source="企业登记信息"
    )
    evidence = tmp_path / "复议决定书.pdf"
    evidence.write_bytes(PDF)

    # --- the subject, on the portal -------------------------------------------------------------
    mail.outbox.clear()
    web.goto("/credit-service/")
    web.get_by_label("统一社会信用代码/身份证号码").fill(company.identifier)
    web.get_by_role("button", name="发送验证码").click()
    web.wait_for_url("**/credit-service/verify/")
    code = re.search(r"验证码：(\d{6})", mail.outbox[-1].body).group(1)
    web.get_by_label("验证码").fill(code)
    web.get_by_role("button", name="验证").click()
    web.wait_for_url("**/credit-service/mine/")
    web.get_by_role("link", name="提出异议").first.click()
    web.get_by_label("异议内容及理由").fill("原处罚决定已被行政复议撤销，列入依据不存在，请求撤销列入。")
    web.get_by_label("证明材料（PDF/JPG/PNG，可多选）").set_input_files(str(evidence))
    web.get_by_label("联系人").fill("李明")
    web.get_by_role("button", name="提交异议").click()
    web.wait_for_url("**/credit-service/objections/*/")
    assert "已提交（待受理）" in web.locator("#objection-state").inner_text()
    web.shot("objection-portal-filed")
    objection = Objection.objects.get()
    assert objection.channel == "portal" and objection.contact_email == "legal@xinyuan.example.com"

    # --- the deciding department, on the workbench ------------------------------------------------
    login("scjgj_approver")
    web.goto(f"/staff/objections/{objection.pk}/")
    web.get_by_role("button", name="受理", exact=True).click()
    assert "已受理" in web.locator("#objection-state").inner_text()
    entry.refresh_from_db()
    assert entry.under_objection
    web.get_by_role("button", name="开始核查", exact=True).click()
    web.locator("form[action$='/uphold/'] textarea").fill("经核查，复议决定维持原处罚，列入依据充分。")
    web.get_by_role("button", name="驳回异议（信息维持）").click()
    assert "驳回" in web.locator("#objection-state").inner_text()
    web.shot("objection-staff-decided")
    objection.refresh_from_db()
    entry.refresh_from_db()
    assert objection.state == "upheld" and not entry.under_objection

    # --- the subject sees the written decision --------------------------------------------------
    web.goto(f"/credit-service/objections/{objection.pk}/")
    assert web.get_by_role("link", name="异议处理决定书（PDF）").count() == 1
