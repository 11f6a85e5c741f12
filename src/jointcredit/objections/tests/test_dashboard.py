"""Objection panels on the office dashboard: cases by state, open cases by age in working days."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest

from jointcredit.casework.testing import filed_on
from jointcredit.common import workbench_registry as registry
from jointcredit.objections import services
from jointcredit.subjects.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)  # Thursday


def _file(entry, contact, clerk):
    return services.objection_file(
        actor=clerk,
        target_type="list_entry",
        target_id=entry.pk,
        statement="该处罚已被复议撤销，列入依据不存在。",
        **contact,
    )


@pytest.fixture
def cases(black_published, scjgj_clerk, scjgj_approver, contact):
    """Four objections: submitted today, accepted 5 working days ago, under review since 1 Oct
    (> 10 working days), one rejected (closed)."""
    a, b, c, d = (_file(black_published(CompanyFactory()), contact, scjgj_clerk) for _ in range(4))
    filed_on(a, TODAY)
    b = services.objection_accept(actor=scjgj_clerk, objection=b)
    filed_on(b, date(2026, 11, 19))
    c = services.objection_review(
        actor=scjgj_clerk, objection=services.objection_accept(actor=scjgj_clerk, objection=c)
    )
    filed_on(c, date(2026, 10, 1))
    services.objection_reject(actor=scjgj_clerk, objection=d, reason="异议对象不属于本部门公示的信息。")
    return a, b, c, d


def _panel(key):
    return registry._panels[key]


def test_by_state_and_age(cases, office_admin, user_factory, lixia):
    by_state = _panel("objections_by_state").provider(office_admin)
    counts = dict(zip(by_state["categories"], by_state["series"][0]["data"], strict=True))
    assert counts == {
        "已提交（待受理）": 1,
        "已受理": 1,
        "不予受理": 1,
        "核查中": 1,
        "异议不成立（驳回）": 0,
        "异议成立（已更正/撤销）": 0,
    }

    age = _panel("objections_open_by_age").provider(office_admin, today=TODAY)
    assert age["type"] == "stacked_bar" and age["categories"] == [
        "0–2 个工作日",
        "3–10 个工作日",
        "超过 10 个工作日",
    ]
    assert {s["name"]: s["data"] for s in age["series"]} == {
        "已提交（待受理）": [1, 0, 0],
        "已受理": [0, 1, 0],
        "核查中": [0, 0, 1],
    }
    assert "在办异议申请共 3 件" in age["note"] and "2 个工作日内受理" in age["note"]

    # another department's staff see only their own department's cases
    other = _panel("objections_by_state").provider(user_factory(lixia["swj"]))
    assert sum(other["series"][0]["data"]) == 0


def test_dashboard_page(client, cases, office_admin):
    client.force_login(office_admin)
    body = client.get("/staff/dashboard/").content.decode()
    data = {
        k: json.loads(html.unescape(v))
        for k, v in re.findall(r'data-panel="([^"]+)" data-chart="([^"]*)"', body)
    }
    assert sum(data["objections_by_state"]["series"][0]["data"]) == 4
    assert sum(sum(s["data"]) for s in data["objections_open_by_age"]["series"]) == 3
    assert "在办异议申请时长（工作日）" in body
