"""诚信宣传 in a real browser: home page block → section → list by kind → article, under the site's
strict CSP (no violation in the console: the sanitised article HTML carries no inline script/style)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from jointcredit.accounts.models import Role
from jointcredit.publicity import services

pytestmark = pytest.mark.browser


@pytest.fixture
def articles(lixia, user_factory, department_factory):
    cache.clear()
    author = user_factory(lixia["swj"], roles=[Role.CLERK])
    reviewer = user_factory(department_factory("xcb", "区委宣传部"), roles=[Role.APPROVER])
    made = []
    for kind, title, body in (
        ("notice", "关于开展诚信宣传月活动的通知", "<p>请各单位组织经典诵读、道德讲堂等活动。</p>"),
        (
            "policy",
            "关于进一步完善失信约束制度的实施意见",
            '<h2 style="color:red">总体要求</h2><p onclick="alert(1)">依法依规认定失信行为。</p>'
            "<script>document.title='hacked'</script>",
        ),
    ):
        article = services.article_create(actor=author, kind=kind, title=title, body_html=body)
        services.article_submit(actor=author, article=article)
        made.append(services.article_publish(actor=reviewer, article=article))
    return made


def test_publicity_section_in_the_browser(web, articles):
    problems: list[str] = []
    web.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    web.goto("/")
    block = web.locator("section", has=web.get_by_role("heading", name="诚信宣传"))
    assert block.get_by_role("link", name="关于开展诚信宣传月活动的通知").is_visible()
    web.get_by_role("navigation", name="门户导航").get_by_role("link", name="诚信宣传").click()
    web.wait_for_url("**/publicity/")
    web.get_by_role("link", name="政策文件").first.click()
    web.wait_for_url("**/publicity/policy/")
    assert "共 1 条" in web.content()
    web.get_by_role("link", name="关于进一步完善失信约束制度的实施意见").click()
    web.get_by_role("heading", name="总体要求").wait_for()
    assert web.title().startswith("关于进一步完善失信约束制度的实施意见")  # the stripped script never ran
    colour = web.get_by_role("heading", name="总体要求").evaluate("e => getComputedStyle(e).color")
    assert colour != "rgb(255, 0, 0)"
    web.shot("publicity-article")
    assert not [p for p in problems if "Content Security Policy" in p], problems
