"""The HTTP contract of DESIGN.md §4 for list types and entries."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from jointcredit.subjects import generators as gen

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_api(api_client_for, scjgj_clerk, types):
    return api_client_for(scjgj_clerk)


@pytest.fixture
def approver_api(api_client_for, scjgj_approver, types):
    return api_client_for(scjgj_approver)


def _draft_body(company, **kw):
    return {
        "list_type": "black_health_safety",
        "identifier": company.identifier,
        "name": company.name,
        "reason": "生产销售不符合食品安全标准的食品，情节严重",
        "legal_basis": "《食品安全法》第一百二十三条",
        "decided_on": None,
        "valid_until": None,
    } | kw


def test_list_types(clerk_api):
    body = clerk_api.get("/api/v1/list-types").json()
    codes = {t["code"]: t for t in body}
    assert codes["black_health_safety"]["color"] == "black" and codes["red_moral_model"]["color"] == "red"
    assert codes["black_health_safety"]["validity_days"] == 1095
    assert codes["black_health_safety"]["initiating_departments"] == [
        {"code": "scjgj", "name": "区市场监管局"}
    ]
    assert all(t["color"] == "red" for t in clerk_api.get("/api/v1/list-types", {"color": "red"}).json())


def test_black_lifecycle_over_http(clerk_api, approver_api, company, today):
    created = clerk_api.post("/api/v1/list-entries", _draft_body(company))
    assert created.status_code == 201, created.content
    entry = created.json()
    assert entry["state"] == "draft" and entry["identifier"] == company.identifier
    eid = entry["id"]
    notified = clerk_api.post(
        f"/api/v1/list-entries/{eid}/notify", {"notified_on": (today - timedelta(days=30)).isoformat()}
    )
    assert notified.status_code == 200 and notified.json()["statement_deadline"]
    too_early = approver_api.post(f"/api/v1/list-entries/{eid}/publish")
    assert too_early.status_code == 409
    assert too_early.json()["error"]["details"][0]["current_state"] == "notified"
    assert clerk_api.post(f"/api/v1/list-entries/{eid}/decide").status_code == 403
    decided = approver_api.post(
        f"/api/v1/list-entries/{eid}/decide", {"document_no": "历市监失信认〔2026〕8号"}
    )
    assert decided.status_code == 200 and decided.json()["document_no"] == "历市监失信认〔2026〕8号"
    published = approver_api.post(f"/api/v1/list-entries/{eid}/publish")
    assert published.json()["state"] == "published" and published.json()["effective"] is True
    again = approver_api.post(f"/api/v1/list-entries/{eid}/publish")
    assert again.status_code == 409 and again.json()["error"]["details"][0]["current_state"] == "published"
    removed = approver_api.post(
        f"/api/v1/list-entries/{eid}/remove", {"reason": "revoked", "note": "复议撤销"}
    )
    assert removed.status_code == 200 and removed.json()["removal_reason"] == "revoked"
    bad_reason = approver_api.post(f"/api/v1/list-entries/{eid}/remove", {"reason": "superseded"})
    assert bad_reason.status_code == 422


def test_list_filters_and_pagination(clerk_api, company, today):
    from jointcredit.subjects.tests.factories import CompanyFactory

    for _ in range(3):
        other = CompanyFactory()
        assert clerk_api.post("/api/v1/list-entries", _draft_body(other)).status_code == 201
    clerk_api.post("/api/v1/list-entries", _draft_body(company))
    page = clerk_api.get("/api/v1/list-entries", {"page": 2, "page_size": 3}).json()
    assert page["total"] == 4 and page["pages"] == 2 and len(page["items"]) == 1
    mine = clerk_api.get("/api/v1/list-entries", {"identifier": company.identifier, "state": "draft"}).json()
    assert mine["total"] == 1 and mine["items"][0]["identifier"] == company.identifier
    assert clerk_api.get("/api/v1/list-entries", {"state": "published"}).json()["total"] == 0
    assert clerk_api.get("/api/v1/list-entries", {"state": "bogus"}).status_code == 422
    assert clerk_api.get("/api/v1/list-entries", {"identifier": "123"}).status_code == 422
    unknown = gen.uscc(random.Random(999))
    assert clerk_api.get("/api/v1/list-entries", {"identifier": unknown}).json()["total"] == 0


def test_create_errors_name_field_and_rule(clerk_api, company, today):
    missing = clerk_api.post("/api/v1/list-entries", {"list_type": "black_health_safety"})
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["rule"] == "missing"
    bad_date = clerk_api.post("/api/v1/list-entries", _draft_body(company, decided_on="2026-13-01"))
    assert bad_date.status_code == 422
    order = clerk_api.post(
        "/api/v1/list-entries",
        _draft_body(
            company, decided_on=today.isoformat(), valid_until=(today - timedelta(days=1)).isoformat()
        ),
    )
    assert order.status_code == 422 and order.json()["error"]["details"][0]["rule"] == "after_decided_on"
    assert clerk_api.post("/api/v1/list-entries", _draft_body(company)).status_code == 201
    dup = clerk_api.post("/api/v1/list-entries", _draft_body(company))
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "overlapping_entry"


def test_subject_detail_shows_current_entries(black_published, api_client_for, scjgj_clerk, company):
    entry = black_published()
    body = api_client_for(scjgj_clerk).get(f"/api/v1/subjects/{company.identifier}").json()
    assert body["entries"] == [
        {
            "id": entry.pk,
            "list_type": "black_health_safety",
            "list_type_name": entry.list_type.name,
            "color": "black",
            "state": "published",
            "state_label": "已发布",
            "department": "区市场监管局",
            "department_code": "scjgj",
            "decided_on": entry.decided_on.isoformat(),
            "valid_until": entry.valid_until.isoformat(),
            "under_objection": False,
            "effective": True,
        }
    ]


def test_public_api_masks_natural_persons_and_hides_removed(
    red_published, api_client_for, person, swj_approver
):
    entry = red_published(person, reason="全市诚信道德模范")
    anon = api_client_for(None)
    body = anon.get("/api/public/v1/lists/red").json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["subject_name"] == "王**" and item["identifier"] != person.identifier
    assert item["identifier"].startswith(person.identifier[:6]) and "*" in item["identifier"]
    assert anon.get("/api/public/v1/lists/red", {"q": "王建"}).json()["total"] == 0  # no probing by name
    assert anon.get("/api/public/v1/lists/red", {"q": person.identifier}).json()["total"] == 1
    assert anon.get(f"/api/public/v1/lists/entries/{entry.pk}").status_code == 200
    from jointcredit.lists import services

    services.list_entry_remove(entry=entry, actor=swj_approver, reason="revoked")
    assert anon.get("/api/public/v1/lists/red").json()["total"] == 0
    assert anon.get(f"/api/public/v1/lists/entries/{entry.pk}").status_code == 404
