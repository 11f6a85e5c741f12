"""Government single sign-on for real: the portal (Authlib relying party) and the local OpenID
provider (jointcredit.devidp) talk over HTTP on the live server's loopback address. A company's
agent logs in with the enterprise credential, lands on 我的申请 for that company only, and files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.devidp.services import demo_identity_create, devidp_setup
from jointcredit.lists import services as lists
from jointcredit.objections.models import Objection
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Sso-Demo-Passw0rd"  # noqa: S105 - test credential


def _published(clerk, approver, subject):
    entry = lists.list_entry_create(
        actor=clerk,
        list_type="black_health_safety",
        identifier=subject.identifier,
        name=subject.name,
        reason="使用超过保质期的食品原料。",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
    )
    entry = lists.list_entry_notify(entry=entry, actor=clerk, notified_on=clock.today() - timedelta(days=30))
    entry = lists.list_entry_decide(entry=entry, actor=approver)
    return lists.list_entry_publish(entry=entry, actor=approver)


@pytest.mark.browser
def test_sso_agent_files_objection(web, live_server, settings, lixia, user_factory, tmp_path):
    settings.SITE_URL = live_server.url
    settings.JOINTCREDIT_OIDC = {**settings.JOINTCREDIT_OIDC, "ISSUER": f"{live_server.url}/devidp"}
    lists.list_types_seed()
    clerk = user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scjgj_clerk")
    approver = user_factory(lixia["scjgj"], roles=[Role.APPROVER, Role.CLERK], username="scjgj_approver")
    company = CompanyFactory(name="济南泉城鑫源餐饮管理有限公司")
    stranger = PersonFactory(name="赵有才")
    entry = _published(clerk, approver, company)
    other = _published(clerk, approver, stranger)
    devidp_setup(base_urls=[live_server.url])
    demo_identity_create(
        username="sso_agent",
        password=PASSWORD,
        name="王经办",
        id_number="370102198507150014",
        uscc=company.identifier,
    )
    evidence = tmp_path / "复议决定书.pdf"
    evidence.write_bytes(PDF)

    web.goto("/credit-service/")
    web.get_by_role("link", name="统一身份认证登录").click()
    web.wait_for_url("**/devidp/login/**")
    web.get_by_label("账号").fill("sso_agent")
    web.get_by_label("密码").fill(PASSWORD)
    web.get_by_role("button", name="登录并授权").click()
    web.wait_for_url("**/credit-service/mine/")
    web.shot("identity-sso-mine")
    page = web.content()
    assert company.name in page and stranger.name not in page
    # Verified for the company only: the stranger's entry is not this visitor's to contest.
    assert web.goto(f"/credit-service/objections/new/list_entry/{other.pk}/").status == 404
    web.goto("/credit-service/mine/")
    web.get_by_role("link", name="提出异议").first.click()
    web.get_by_label("异议内容及理由").fill("原处罚决定已被行政复议撤销，列入依据不存在，请求撤销列入。")
    web.get_by_label("证明材料（PDF/JPG/PNG，可多选）").set_input_files(str(evidence))
    web.get_by_label("联系人").fill("王经办")
    web.get_by_label("联系邮箱").fill("wang@xinyuan.example.com")
    web.get_by_role("button", name="提交异议").click()
    web.wait_for_url("**/credit-service/objections/*/")
    assert "已提交（待受理）" in web.locator("#objection-state").inner_text()
    objection = Objection.objects.get()
    assert objection.subject == company and objection.target_id == entry.pk and objection.channel == "portal"
