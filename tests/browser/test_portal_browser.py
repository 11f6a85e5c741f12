"""End-to-end in a real browser: portal search → subject page (desktop and phone), credit report
PDF download, staff login → check page → result, office dashboard charts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.lists.models import EntryState, ListCategory, ListColor, ListEntry, ListType
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory, RelatedPersonFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def listed_company(lixia):
    from jointcredit.measures.services import measures_seed_defaults

    # Scenarios are data (ADR 0045): a live-server test starts from a flushed database.
    measures_seed_defaults()
    company = CompanyFactory(name="济南宏远餐饮管理有限公司", legal_representative="王建国")
    RelatedPersonFactory(subject=company, person=PersonFactory(name="王建国"))
    list_type = ListType.objects.create(
        code="b-food",
        name="食品安全严重失信主体名单",
        color=ListColor.BLACK,
        category=ListCategory.HEALTH_SAFETY,
        legal_basis="《食品安全法》",
    )
    today = clock.today()
    ListEntry.objects.create(
        list_type=list_type,
        subject=company,
        subject_name=company.name,
        department=lixia["scjgj"],
        state=EntryState.PUBLISHED,
        reason="生产经营超过保质期的食品",
        legal_basis="《食品安全法》第一百二十四条",
        document_no="历市监罚〔2026〕12号",
        decided_on=today - timedelta(days=10),
        valid_from=today - timedelta(days=10),
        valid_until=today + timedelta(days=355),
        published_at=clock.now(),
        under_objection=True,
    )
    return company


def test_portal_search_to_subject_page(web, listed_company):
    web.goto("/")
    assert "信用历下" in web.title()
    web.keyboard.press("Tab")  # keyboard users land on the skip link first
    assert web.evaluate("document.activeElement.textContent") == "跳到正文"
    web.get_by_label("名称、统一社会信用代码或文书号").fill("宏远餐饮")
    web.keyboard.press("Enter")
    web.wait_for_url("**/search/**")
    web.shot("portal-search")
    web.get_by_role("link", name="济南宏远餐饮管理有限公司").first.click()
    web.wait_for_url(f"**/subjects/{listed_company.identifier}/")
    assert web.get_by_role("heading", level=1).inner_text().startswith("济南宏远餐饮管理有限公司")
    body = web.locator("main").inner_text()
    assert "食品安全严重失信主体名单" in body and "异议中" in body and "王**" in body and "王建国" not in body
    web.shot("portal-subject")
    # phone width: no horizontal scrolling
    web.set_viewport_size({"width": 375, "height": 800})
    web.reload()
    assert web.evaluate("document.documentElement.scrollWidth") <= 376
    web.shot("portal-subject-phone")


def test_credit_report_pdf_download(web, listed_company):
    web.goto(f"/subjects/{listed_company.identifier}/")
    web.get_by_role("button", name="生成信用报告").click()
    web.wait_for_url("**/reports/XYLX*/")
    assert "核验通过" in web.locator("main").inner_text()
    assert web.locator("img[alt='报告核验二维码']").count() == 1
    web.shot("credit-report")
    with web.expect_download() as info:
        web.get_by_role("link", name="下载 PDF").click()
    download = info.value
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert download.suggested_filename.endswith(".pdf")


def test_staff_login_check_page_result(web, login, user_factory, lixia, listed_company):
    user_factory(lixia["scjgj"], roles=[Role.VIEWER], username="browser_viewer")
    login("browser_viewer")
    web.goto("/staff/measures/check/")
    if web.locator("#identifier").count() == 0:  # pragma: no cover - measures page not installed
        pytest.skip("核查页面 /staff/measures/check/ 尚未提供")
    web.get_by_label("统一社会信用代码 / 证件号码").fill(listed_company.identifier)
    web.locator("#scenario").select_option(index=1)
    web.get_by_role("button", name="核查").click()
    web.wait_for_selector("#subject-h")
    assert "核查结果" in web.locator("#subject-h").inner_text()
    assert listed_company.name in web.locator("main").inner_text()
    web.shot("staff-check-result")


def test_office_dashboard_renders_charts(web, login, office_admin, listed_company):
    login("office")
    web.get_by_role("link", name="统计分析").first.click()
    web.wait_for_selector("html[data-charts-ready]")
    panels = web.locator("[data-panel]").count()
    assert panels >= 3
    assert web.locator("[data-panel] svg").count() >= panels
    for key in (
        "records_timeliness",
        "objections_by_state",
        "objections_open_by_age",
        "repairs_by_state",
        "repairs_open_by_age",
    ):
        assert web.locator(f'[data-panel="{key}"] svg').count() >= 1, key
    web.shot("office-dashboard")
