"""Records on the office dashboard (timeliness per department) and the 异议中 mark on the public
双公示 pages and the portal subject page (mark registered by objections through
``records.extensions``)."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.common import workbench_registry as registry
from jointcredit.objections import services as objections
from jointcredit.records.models import Penalty
from jointcredit.records.samples import license_row, penalty_row
from jointcredit.records.services import record_save

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
CONTACT = {"contact_name": "李明", "contact_email": "liming@example.com", "contact_phone": "0531-88888888"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The dashboard caches some panels (subjects_by_kind, 10 minutes): keep other tests' counts clean."""
    cache.clear()
    yield
    cache.clear()


def _aware(d: date):
    return timezone.make_aware(datetime(d.year, d.month, d.day, 10, 0))


def _penalty(clerk, dept, n, decided, *, published_on=None, draft=False, **over):
    row = penalty_row(random.Random(n), dept, n=n, decided=decided, **over)
    record, _ = record_save(actor=clerk, record_type="penalty", data=row, hold_as_draft=draft)
    if published_on is not None:
        Penalty.objects.filter(pk=record.pk).update(published_at=_aware(published_on))
    return Penalty.objects.get(pk=record.pk)


def _panel(key):
    return {p.key: p for p in registry._panels.values()}[key]


def test_timeliness_panel_counts_per_department(lixia, scj_clerk, user_factory, office_admin):
    scj = lixia["scjgj"]
    _penalty(scj_clerk, scj, 1, date(2026, 11, 2), published_on=date(2026, 11, 4))  # on time
    _penalty(scj_clerk, scj, 2, date(2026, 11, 3), published_on=date(2026, 11, 5))  # on time
    _penalty(scj_clerk, scj, 3, date(2026, 9, 1), published_on=date(2026, 10, 20))  # late
    _penalty(scj_clerk, scj, 4, date(2026, 10, 9), draft=True)  # overdue, unpublished
    _penalty(scj_clerk, scj, 5, date(2026, 11, 25), draft=True)  # not yet due
    _penalty(scj_clerk, scj, 6, date(2025, 6, 2), published_on=date(2025, 6, 3))  # last year: not counted
    xzsp_clerk = user_factory(lixia["xzsp"], roles=[Role.CLERK])
    row = license_row(random.Random(7), lixia["xzsp"], n=7, decided=date(2026, 8, 3))
    lic, _ = record_save(actor=xzsp_clerk, record_type="license", data=row)
    type(lic).objects.filter(pk=lic.pk).update(published_at=_aware(date(2026, 8, 5)))

    chart = _panel("records_timeliness").provider(office_admin, today=TODAY)
    assert chart["type"] == "stacked_bar" and chart["categories"] == ["区市场监管局", "区行政审批服务局"]
    series = {s["name"]: s["data"] for s in chart["series"]}
    assert series == {"按时公示": [2, 1], "逾期公示": [1, 0], "逾期未公示": [1, 0]}
    assert "按时率 60.0%" in chart["note"] and "未到期未公示 1 条" in chart["note"]

    # a department's own staff see their department only; no department, no panel
    mine = _panel("records_timeliness").provider(xzsp_clerk, today=TODAY)
    assert mine["categories"] == ["区行政审批服务局"]


def _dashboard_data(body: str) -> dict:
    return {
        key: json.loads(html.unescape(raw))
        for key, raw in re.findall(r'data-panel="([^"]+)" data-chart="([^"]*)"', body)
    }


def test_dashboard_page_shows_timeliness_panel(client, lixia, scj_clerk, office_admin):
    today = clock.today()
    _penalty(scj_clerk, lixia["scjgj"], 1, today)
    client.force_login(office_admin)
    data = _dashboard_data(client.get("/staff/dashboard/").content.decode())
    chart = data["records_timeliness"]
    assert chart["categories"] == ["区市场监管局"]
    assert {s["name"]: s["data"] for s in chart["series"]}["按时公示"] == [1]


@pytest.fixture
def objected_penalty(lixia, scj_clerk):
    """Two published penalties of one company; the first has an accepted objection."""
    today = clock.today()
    first = _penalty(scj_clerk, lixia["scjgj"], 11, today, CF_XDR_MC="济南明湖商贸有限公司")
    second = _penalty(
        scj_clerk,
        lixia["scjgj"],
        12,
        today,
        CF_XDR_MC="济南明湖商贸有限公司",
        CF_XDR_SHXYM=first.uscc,
        CF_FRDB=first.legal_rep,
    )
    assert first.subject_id == second.subject_id
    o = objections.objection_file(
        actor=scj_clerk,
        target_type="penalty",
        target_id=first.pk,
        statement="该处罚决定已被行政复议撤销。",
        **CONTACT,
    )
    objections.objection_accept(actor=scj_clerk, objection=o)
    return first, second, o


def _row_of(body: str, doc_no: str) -> str:
    return next(row for row in body.split("<tr>") if doc_no in row)


def test_public_pages_show_objection_mark(client, objected_penalty):
    first, second, _ = objected_penalty
    body = client.get("/gs/?type=penalty&q=济南明湖商贸").content.decode()
    assert "异议中" in _row_of(body, first.doc_no) and "异议中" not in _row_of(body, second.doc_no)
    detail = client.get(f"/gs/penalty/{first.pk}/").content.decode()
    assert 'class="tag warn">异议中' in detail and "正在核查" in detail
    assert "异议中" not in client.get(f"/gs/penalty/{second.pk}/").content.decode()
    api = client.get("/api/public/v1/records/penalties", {"q": "济南明湖商贸"}).json()["items"]
    marks = {i["doc_no"]: [m["label"] for m in i["marks"]] for i in api}
    assert marks == {first.doc_no: ["异议中"], second.doc_no: []}


def test_portal_subject_page_and_search_show_objection_mark(
    client, objected_penalty, scj_clerk, scj_approver
):
    first, second, o = objected_penalty
    cache.clear()
    body = client.get(f"/subjects/{first.uscc}/").content.decode()
    items = [a for a in body.split('<article class="item">')[1:] if "/gs/penalty/" in a]
    marked = [a for a in items if 'class="tag warn">异议中' in a]
    assert len(items) == 2 and len(marked) == 1 and f"/gs/penalty/{first.pk}/" in marked[0]
    found = client.get(f"/search/?type=penalties&q={first.doc_no}").content.decode()
    assert "异议中" in found
    # review keeps the mark; a decision lifts it
    o = objections.objection_review(actor=scj_clerk, objection=o)
    assert "异议中" in client.get(f"/gs/penalty/{first.pk}/").content.decode()
    objections.objection_uphold(
        actor=scj_approver, objection=o, decision="经核查，处罚决定事实清楚、依据充分。"
    )
    assert "异议中" not in client.get(f"/gs/penalty/{first.pk}/").content.decode()


def test_submitted_objection_is_not_yet_marked(client, lixia, scj_clerk):
    p = _penalty(scj_clerk, lixia["scjgj"], 21, clock.today())
    objections.objection_file(
        actor=scj_clerk, target_type="penalty", target_id=p.pk, statement="处罚对象认定错误。", **CONTACT
    )
    assert "异议中" not in client.get(f"/gs/penalty/{p.pk}/").content.decode()
