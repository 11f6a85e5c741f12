"""Entries made by the lists services are what the check engine (measures app) sees."""

from __future__ import annotations

import pytest

from jointcredit.lists import services

pytestmark = pytest.mark.django_db


def test_published_black_entry_drives_the_check_and_removal_clears_it(
    black_published, api_client_for, scjgj_approver, company
):
    entry = black_published()
    api = api_client_for(scjgj_approver)
    hits = api.get("/api/v1/check", {"identifier": company.identifier, "scenario": "funding"}).json()["hits"]
    assert hits and all(h["entry_id"] == entry.pk and h["via"] == "self" for h in hits)
    services.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    hits = api.get("/api/v1/check", {"identifier": company.identifier, "scenario": "funding"}).json()["hits"]
    assert all(h["under_objection"] for h in hits)
    services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked")
    assert (
        api.get("/api/v1/check", {"identifier": company.identifier, "scenario": "funding"}).json()["hits"]
        == []
    )
