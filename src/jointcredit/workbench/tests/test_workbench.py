"""Workbench: home to-dos, subject page with internal sections, office dashboard panels."""

from __future__ import annotations

import html
import json
import re

import pytest

from jointcredit.accounts.models import Role
from jointcredit.common import workbench_registry as registry
from jointcredit.subjects.tests.factories import CompanyFactory, RelatedPersonFactory

pytestmark = pytest.mark.django_db


def test_home_lists_todos(client, user_factory, lixia):
    registry.register_todo(
        key="test_todo", provider=lambda user: {"label": "待反馈推送", "count": 7, "url": "/staff/"}
    )
    try:
        client.force_login(user_factory(lixia["scjgj"]))
        body = client.get("/staff/").content.decode()
        assert "待反馈推送" in body and ">7<" in body
    finally:
        registry._todos.pop("test_todo")


def test_subject_page_shows_internal_sections(client, user_factory, lixia):
    link = RelatedPersonFactory(subject=CompanyFactory(), person__name="孙丽")
    client.force_login(user_factory(lixia["scjgj"], roles=[Role.VIEWER]))
    body = client.get(f"/staff/subjects/{link.subject.identifier}/").content.decode()
    assert "孙丽" in body and link.person.identifier in body and "生成内部版信用报告" in body


def _dashboard_data(body: str) -> dict:
    """Chart specs travel in data-chart attributes (no inline <script> of any kind)."""
    return {
        key: json.loads(html.unescape(raw))
        for key, raw in re.findall(r'data-panel="([^"]+)" data-chart="([^"]*)"', body)
    }


def test_office_dashboard_renders_registered_panels(client, office_admin):
    CompanyFactory.create_batch(3)
    client.force_login(office_admin)
    response = client.get("/staff/dashboard/")
    body = response.content.decode()
    assert response.status_code == 200
    data = _dashboard_data(body)
    assert {"subjects_by_kind", "audit_by_department", "list_entries_by_state"} <= set(data)
    assert (
        data["subjects_by_kind"]["type"] == "pie" and sum(data["subjects_by_kind"]["series"][0]["data"]) == 3
    )
    assert "echarts.min.js" in body and "dashboard.js" in body and "<script>" not in body
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_dashboard_hides_office_panels_and_survives_broken_panel(client, user_factory, lixia):
    def broken(user):
        raise RuntimeError("boom")

    registry.register_dashboard_panel(key="broken", title="坏图表", provider=broken)
    try:
        client.force_login(user_factory(lixia["scjgj"], roles=[Role.VIEWER]))
        body = client.get("/staff/dashboard/").content.decode()
        assert "audit_by_department" not in _dashboard_data(body)
        assert "坏图表" in body and "暂不可用" in body
    finally:
        registry._panels.pop("broken")
