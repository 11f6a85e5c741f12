"""Repair panels on the office dashboard: applications by state, open ones by age (working days)."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest

from jointcredit.casework.testing import filed_on, pdf
from jointcredit.common import workbench_registry as registry
from jointcredit.repairs import services
from jointcredit.subjects.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)  # Thursday


def _apply(entry, contact):
    return services.repair_file(
        verified_identifier=entry.subject.identifier,
        target_type="list_entry",
        target_id=entry.pk,
        correction="已缴清罚款并完成整改，经复查合格。",
        commitment_signatory="张伟",
        commitment_accepted=True,
        proofs=[pdf()],
        **contact,
    )


def test_repair_panels(client, old_black, contact, scjgj_clerk, scjgj_approver, office_admin):
    a, b, c = (_apply(old_black(CompanyFactory()), contact) for _ in range(3))
    filed_on(a, date(2026, 11, 25))  # 1 working day
    b = services.repair_accept(actor=scjgj_clerk, repair=b)
    filed_on(b, date(2026, 11, 6))  # 14 working days
    services.repair_reject(actor=scjgj_approver, repair=c, reason="提交的证明材料不能证明已履行处罚决定。")

    by_state = registry._panels["repairs_by_state"].provider(office_admin)
    assert dict(zip(by_state["categories"], by_state["series"][0]["data"], strict=True)) == {
        "已提交（待受理）": 1,
        "已受理（审核中）": 1,
        "准予修复": 0,
        "不予修复": 1,
    }
    age = registry._panels["repairs_open_by_age"].provider(office_admin, today=TODAY)
    assert {s["name"]: s["data"] for s in age["series"]} == {
        "已提交（待受理）": [1, 0, 0],
        "已受理（审核中）": [0, 0, 1],
    }
    assert "3 个工作日内作出决定" in age["note"]

    client.force_login(office_admin)
    body = client.get("/staff/dashboard/").content.decode()
    data = {
        k: json.loads(html.unescape(v))
        for k, v in re.findall(r'data-panel="([^"]+)" data-chart="([^"]*)"', body)
    }
    assert sum(data["repairs_by_state"]["series"][0]["data"]) == 3 and "repairs_open_by_age" in data
