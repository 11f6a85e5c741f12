"""Any screen width (issue #19 §4): the portal at phone width (390 px) and desktop (1366 px), the
workbench at 1366 px — no page scrolls sideways; a screenshot of each goes to artifacts/screenshots/.

The known layout faults are asserted on element geometry (bounding boxes), never on pixels: the
credit code clear of the next label, check boxes at the start of their row, badges on one line,
chart axis labels apart, a flash message shown once, phone-width forms full width and tables as
stacked cards."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.exchange.tests.factories import entry_publish, food_safety_setup
from jointcredit.lists.models import ListType
from jointcredit.subjects.services import subject_contact_add
from jointcredit.subjects.tests.factories import CompanyFactory

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
    "list_entry": "/staff/lists/{entry}/",
    "repair_form": "/staff/repairs/new/",
    "check": "/staff/measures/check/?identifier={identifier}&scenario=licensing",
}
BOXES = """els => els.filter(e => e.getClientRects().length).map(e => {
  const r = e.getBoundingClientRect();
  return {x: r.left, y: r.top, w: r.width, h: r.height, text: e.textContent.trim()};
})"""

# The text of each cell's label and value, as laid out (a Range measures inline text, which may
# run beyond the box of its element), compared with the cell's own box.
SPILL = """cells => cells.flatMap(cell => {
  const edge = cell.getBoundingClientRect().right + 0.5;
  return [...cell.children].filter(part => {
    const range = document.createRange();
    range.selectNodeContents(part);
    return range.getBoundingClientRect().right > edge;
  }).map(part => part.textContent.trim());
})"""


def _no_sideways_scroll(web, width: int) -> None:
    overflow = web.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width + 1, f"{web.url}: content {overflow}px wide in a {width}px window"


def _boxes(web, selector: str) -> list[dict]:
    return web.eval_on_selector_all(selector, BOXES)


def _overlap(a: dict, b: dict, tol: float = 0.5) -> bool:
    return (
        a["x"] + a["w"] - tol > b["x"]
        and b["x"] + b["w"] - tol > a["x"]
        and a["y"] + a["h"] - tol > b["y"]
        and b["y"] + b["h"] - tol > a["y"]
    )


def _apart(boxes: list[dict]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), f"“{a['text']}” {a} overlaps “{b['text']}” {b}"


def _checkbox_at_row_start(web, selector: str) -> None:
    """The check box keeps its own size and starts its row (before its text), not mid-row."""
    box = _boxes(web, selector)[0]
    row = web.eval_on_selector(
        selector,
        "e => (e.closest('label') || document.querySelector(`label[for='${e.id}']`))"
        ".getBoundingClientRect().left",
    )
    assert box["w"] <= 30, f"{selector}: a check box {box['w']:.0f}px wide"
    assert box["x"] - row <= 2, f"{selector}: starts {box['x'] - row:.0f}px into its row"


def _full_width_inputs(web, form: str) -> None:
    """At phone width every text input of the form spans (nearly) the form's content width."""
    width = web.eval_on_selector(
        form,
        "e => e.clientWidth - parseFloat(getComputedStyle(e).paddingLeft)"
        " - parseFloat(getComputedStyle(e).paddingRight)",
    )
    fields = _boxes(
        web,
        f"{form} input:not([type=checkbox]):not([type=radio]):not([type=hidden]), "
        f"{form} textarea, {form} select",
    )
    assert fields
    for f in fields:
        assert f["w"] >= width - 2, f"an input {f['w']:.0f}px wide in a {width:.0f}px form"


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
    # The credit code stays inside its own cell: no label or value runs into another.
    spill = web.eval_on_selector_all(".fields > div", SPILL)
    assert not spill, f"runs out of its cell: {spill}"
    _apart(_boxes(web, ".fields dt, .fields dd"))
    web.shot(f"layout-portal-subject-{width}")


def test_portal_lists_are_stacked_cards_at_phone_width(web, listed_company):  # noqa: F811
    web.set_viewport_size({"width": 390, "height": 900})
    web.goto("/lists/black/")
    cells = _boxes(web, "table.stack tbody tr:first-child td")
    row = _boxes(web, "table.stack tbody tr:first-child")[0]
    assert len(cells) == 5
    for cell in cells:  # each cell a full line of its card, led by its column's name
        assert cell["w"] >= row["w"] - 24, cell
    assert (
        web.eval_on_selector("table.stack tbody td", "e => getComputedStyle(e, '::before').content")
        == '"主体名称："'
    )
    _apart(cells)


def test_workbench_pages_fit_a_desktop(web, login, user_factory, lixia):
    list_type = food_safety_setup(lixia)
    entry = entry_publish(list_type, lixia["scjgj"], subject=CompanyFactory(name="济南宏远餐饮管理有限公司"))
    user_factory(lixia["scjgj"], roles=[Role.CLERK, Role.APPROVER], username="layout_clerk")
    login("layout_clerk")
    web.set_viewport_size({"width": 1366, "height": 900})
    for name, url in STAFF_PAGES.items():
        web.goto(url.format(identifier=entry.subject.identifier, entry=entry.pk))
        _no_sideways_scroll(web, 1366)
        web.shot(f"layout-staff-{name}-1366")
        if name == "records_import":
            _checkbox_at_row_start(web, "input[name=draft]")
        if name == "repair_form":
            _checkbox_at_row_start(web, "input[name=commitment_accepted]")
        if name == "check":
            badges = _boxes(web, "table .tag")
            assert any(b["text"] == "惩戒" for b in badges)
            for badge in badges:  # on one line: wider than tall, one line high
                assert badge["w"] > badge["h"] and badge["h"] < 30, badge


def test_dashboard_axis_labels_never_overlap(web, login, office_admin):
    login("office")
    for width in (1366, 1280):
        web.set_viewport_size({"width": width, "height": 900})
        web.goto("/staff/dashboard/")
        web.wait_for_selector("html[data-charts-ready]")
        labels = [
            b for b in _boxes(web, '[data-panel="objections_by_state"] svg text') if not b["text"].isdigit()
        ]
        assert any("受理" in b["text"] for b in labels), labels
        _apart(labels)
        web.shot(f"layout-staff-dashboard-{width}")


def test_feedback_saved_is_said_once(web, login, user_factory, lixia):
    list_type = food_safety_setup(lixia)
    entry = entry_publish(list_type, lixia["scjgj"])
    user_factory(lixia["xzsp"], roles=[Role.CLERK], username="xzsp_clerk")
    login("xzsp_clerk")
    web.goto(f"/staff/exchange/inbox/{entry.pushes.get(department=lixia['xzsp']).pk}/")
    web.get_by_label("反馈结果").select_option(label="已实施惩戒")
    web.get_by_label("事项名称（已实施惩戒/激励时必填）").fill("食品经营许可证新办")
    web.get_by_label("实施日期").fill(clock.today().isoformat())
    with web.expect_navigation():
        web.get_by_role("button", name="提交反馈").click()
    web.shot("layout-staff-feedback-saved-1366")
    assert web.locator("main").inner_text().count("反馈已保存。") == 1


def test_credit_service_forms_at_phone_width(web, lixia, user_factory):
    """The subject's own pages on a phone: its list, the objection form and the repair form."""
    list_type = food_safety_setup(lixia)
    ListType.objects.filter(pk=list_type.pk).update(min_repair_days=0)
    company = CompanyFactory(name="济南泉城鑫源餐饮管理有限公司")
    entry_publish(list_type, lixia["scjgj"], subject=company)
    clerk = user_factory(lixia["scjgj"], roles=[Role.CLERK])
    subject_contact_add(
        actor=clerk, subject=company, email="legal@xinyuan.example.com", source="企业登记信息"
    )
    web.set_viewport_size({"width": 390, "height": 900})
    mail.outbox.clear()
    web.goto("/credit-service/")
    _no_sideways_scroll(web, 390)
    web.get_by_label("统一社会信用代码/身份证号码").fill(company.identifier)
    web.get_by_role("button", name="发送验证码").click()
    web.wait_for_url("**/credit-service/verify/")
    web.get_by_label("验证码").fill(re.search(r"验证码：(\d{6})", mail.outbox[-1].body).group(1))
    web.get_by_role("button", name="验证").click()
    web.wait_for_url("**/credit-service/mine/")
    _no_sideways_scroll(web, 390)
    row = _boxes(web, "table.stack tbody tr")[0]
    for cell in _boxes(web, "table.stack tbody tr:first-child td"):
        assert cell["w"] >= row["w"] - 24, cell
    web.shot("layout-portal-credit-service-mine-390")
    mine = web.url

    web.get_by_role("link", name="提出异议").first.click()
    web.wait_for_url("**/credit-service/objections/new/**")
    _no_sideways_scroll(web, 390)
    _full_width_inputs(web, "main form[enctype]")
    web.shot("layout-portal-objection-form-390")

    web.goto(mine)
    web.get_by_role("link", name="申请信用修复").first.click()
    web.wait_for_url("**/credit-service/repairs/new/**")
    _no_sideways_scroll(web, 390)
    _full_width_inputs(web, "main form[enctype]")
    _checkbox_at_row_start(web, "main form[enctype] input[type=checkbox]")
    web.shot("layout-portal-repair-form-390")
    web.set_viewport_size({"width": 1366, "height": 900})
    _checkbox_at_row_start(web, "main form[enctype] input[type=checkbox]")
