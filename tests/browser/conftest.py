"""Browser tests: Debian chromium driven by Playwright against pytest-django's live server.

No browser download: chromium comes from the system (scripts/system-deps.sh). Tests marked
``browser`` are skipped when /usr/bin/chromium is missing. Screenshots go to artifacts/screenshots/
(git-ignored, uploaded by CI for review).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("JOINTCREDIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (fixtures,
# assertions) are still synchronous, so Django's async-safety guard must be relaxed here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"需要 Debian chromium（{CHROMIUM}）")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def web(chromium, live_server, transactional_db, settings):
    """A fresh browser context (own cookies) on the live server; ``web.shot(name)`` saves a screenshot."""
    settings.AXES_ENABLED = False  # the live server thread must not lock out the test user
    # A live-server test starts from a flushed database: the rows data migrations seed are gone.
    # Business scenarios are data (ADR 0045) every check page needs.
    from jointcredit.measures import seed
    from jointcredit.measures.models import Scenario

    seed.seed_scenarios(Scenario)
    context = chromium.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    page.shot = shot
    yield page
    context.close()


@pytest.fixture
def login(web):
    def do(username: str, password: str = "x-Secure-Passw0rd") -> None:
        web.goto("/accounts/login/")
        web.get_by_label("用户名").fill(username)
        web.get_by_label("密码").fill(password)
        web.get_by_role("button", name="登录").click()
        web.wait_for_url("**/staff/**")

    return do
