"""Any screen width (issue #19 §4): the portal at phone width (390 px) and desktop (1366 px), the
workbench at 1366 px — no page scrolls sideways; a screenshot of each goes to artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from jointcredit.accounts.models import Role

from .test_portal_browser import listed_company  # noqa: F401 — the fixture: a black-listed company

pytestmark = pytest.mark.browser

PORTAL_PAGES = {
    "home": "/",
    "search": "/search/?q=济南宏远餐饮管理有限公司",
    "black_list": "/lists/black/",
    "red_list": "/lists/red/",
    "publicity": "/publicity/",
}
STAFF_PAGES = {
    "workbench": "/staff/",
    "records_import": "/staff/records/penalty/import/",
    "list_entries": "/staff/lists/",
    "check": "/staff/measures/check/?identifier={identifier}&scenario=public_resource_trading",
}


def _no_sideways_scroll(web, width: int) -> None:
    overflow = web.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width + 1, f"{web.url}: content {overflow}px wide in a {width}px window"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.mark.parametrize("width", [390, 1366])
def test_portal_pages_fit_the_window(web, listed_company, width):  # noqa: F811
    web.set_viewport_size({"width": width, "height": 900})
    for name, url in PORTAL_PAGES.items():
        web.goto(url)
        _no_sideways_scroll(web, width)
        web.shot(f"layout-portal-{name}-{width}")
    web.goto(f"/subjects/{listed_company.identifier}/")
    _no_sideways_scroll(web, width)
    web.shot(f"layout-portal-subject-{width}")


def test_workbench_pages_fit_a_desktop(web, login, user_factory, lixia, listed_company):  # noqa: F811
    user_factory(lixia["scjgj"], roles=[Role.CLERK, Role.APPROVER], username="layout_clerk")
    login("layout_clerk")
    web.set_viewport_size({"width": 1366, "height": 900})
    for name, url in STAFF_PAGES.items():
        web.goto(url.format(identifier=listed_company.identifier))
        _no_sideways_scroll(web, 1366)
        web.shot(f"layout-staff-{name}-1366")
