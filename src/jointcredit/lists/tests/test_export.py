"""Staff export of list entries: GET /api/v1/list-entries/export and the list page's button."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.fixture
def entries(black_published, red_published, black_draft, person):
    from jointcredit.subjects.tests.factories import CompanyFactory

    return {
        "black": black_published(),
        "black_person": black_published(person),
        "red": red_published(CompanyFactory(name="济南诚信纳税示范有限公司")),
        "draft": black_draft(CompanyFactory(name="济南草稿商贸有限公司"), reason="=cmd|' /C calc'!A0"),
    }


def test_export_has_the_same_filters_as_the_list(api_client_for, scjgj_clerk, entries):
    api = api_client_for(scjgj_clerk)
    for params in (
        {},
        {"color": "black"},
        {"color": "red"},
        {"state": "draft"},
        {"status": "effective", "color": "black"},
        {"q": "王建国"},
        {"department": "swj"},
    ):
        listed = api.get("/api/v1/list-entries", params | {"page_size": 100})
        assert listed.status_code == 200
        exported = api.get("/api/v1/list-entries/export", params)
        assert exported.status_code == 200, params
        assert exported["Content-Type"].startswith("text/csv")
        assert [int(r["编号"]) for r in _csv(exported)] == [e["id"] for e in listed.json()["items"]], params
    only_red = _csv(api.get("/api/v1/list-entries/export", {"color": "red"}))
    assert len(only_red) == 1 and only_red[0]["主体名称"] == "济南诚信纳税示范有限公司"


def test_export_cells_are_guarded_and_xlsx_works(api_client_for, scjgj_clerk, entries):
    api = api_client_for(scjgj_clerk)
    rows = _csv(api.get("/api/v1/list-entries/export", {"state": "draft"}))
    assert rows[0]["列入事由"] == "'=cmd|' /C calc'!A0"
    x = api.get("/api/v1/list-entries/export", {"format": "xlsx", "state": "draft"})
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.content)).active
    header = [c.value for c in ws[1]]
    assert ws.max_row == 2 and ws[2][header.index("列入事由")].value == "'=cmd|' /C calc'!A0"


def test_export_permissions_and_validation(api_client_for, scjgj_clerk, entries):
    assert api_client_for(None).get("/api/v1/list-entries/export").status_code == 401
    api = api_client_for(scjgj_clerk)
    bad = api.get("/api/v1/list-entries/export", {"state": "nonsense"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "state"
    assert api.get("/api/v1/list-entries/export", {"format": "pdf"}).status_code == 422


def test_list_page_button_keeps_filters(client, scjgj_clerk, entries):
    assert client.get("/staff/lists/export/").status_code == 302  # login required
    client.force_login(scjgj_clerk)
    page = client.get("/staff/lists/", {"color": "black", "q": "王建国"}).content.decode()
    assert "/staff/lists/export/?color=black&amp;q=%E7%8E%8B%E5%BB%BA%E5%9B%BD&amp;format=csv" in page
    r = client.get("/staff/lists/export/", {"color": "black", "q": "王建国", "format": "csv"})
    rows = _csv(r)
    assert [int(x["编号"]) for x in rows] == [entries["black_person"].pk]
    assert rows[0]["主体名称"] == "王建国"  # staff see full data, as on the list page
