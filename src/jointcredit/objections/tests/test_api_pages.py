"""HTTP: the API contract (201/409 with the current state/pagination/PDF), the portal flow with
the one-time code, staff pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from jointcredit.casework.testing import pdf
from jointcredit.objections.models import Objection
from jointcredit.subjects.services import subject_contact_add

pytestmark = pytest.mark.django_db


def test_api_objection_walk(
    black_published, scjgj_clerk, scjgj_approver, swj_approver, api_client_for, contact
):
    entry = black_published()
    clerk, approver = api_client_for(scjgj_clerk), api_client_for(scjgj_approver)
    r = clerk.post(
        "/api/v1/objections",
        {"target_type": "list_entry", "target_id": entry.pk, "statement": "事实认定有误", **contact},
    )
    assert r.status_code == 201, r.content
    oid = r.json()["id"]
    up = clerk.upload(f"/api/v1/objections/{oid}/evidence", {"files": [pdf()]})
    assert up.status_code == 201 and up.json()["items"][0]["content_type"] == "application/pdf"
    bad = clerk.upload(f"/api/v1/objections/{oid}/evidence", {"files": [pdf("x.pdf", b"GIF89a....")]})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["rule"] == "file_type"
    r = approver.post(f"/api/v1/objections/{oid}/uphold", {"decision": "x"})
    assert r.status_code == 409 and r.json()["error"]["details"][0]["current_state"] == "submitted"
    assert clerk.post(f"/api/v1/objections/{oid}/accept").json()["state"] == "accepted"
    assert clerk.post(f"/api/v1/objections/{oid}/review").json()["state"] == "under_review"
    assert (
        api_client_for(swj_approver).post(f"/api/v1/objections/{oid}/correct", {"decision": "x"}).status_code
        == 403
    )
    r = approver.post(f"/api/v1/objections/{oid}/correct", {"decision": "撤销", "resolution": "revoke"})
    assert r.status_code == 200 and r.json()["state"] == "corrected" and "decision" in r.json()["letters"]
    page = clerk.get("/api/v1/objections", {"page": 1, "page_size": 1})
    assert page.json()["total"] == 1 and page.json()["page_size"] == 1
    assert clerk.get("/api/v1/objections", {"page_size": 500}).status_code == 422
    pdf_resp = clerk.get(f"/api/v1/objections/{oid}/letters/decision.pdf")
    assert pdf_resp.status_code == 200 and pdf_resp.content.startswith(b"%PDF")


def test_portal_code_flow_and_pages(
    black_published, scjgj_clerk, scjgj_approver, contact, django_capture_on_commit_callbacks
):
    entry = black_published()
    subject_contact_add(
        actor=scjgj_clerk, subject=entry.subject, email="a@example.com", source="企业登记信息"
    )
    c = Client()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/credit-service/", {"identifier": entry.subject.identifier})
    assert r.status_code == 302
    assert c.post("/credit-service/verify/", {"code": "000000"}).status_code == 200  # wrong code: stays
    code = re.search(r"验证码：(\d{6})", mail.outbox[-1].body).group(1)
    assert c.post("/credit-service/verify/", {"code": code}).status_code == 302
    mine = c.get("/credit-service/mine/")
    assert mine.status_code == 200 and "提出异议" in mine.content.decode()
    r = c.post(
        f"/credit-service/objections/new/list_entry/{entry.pk}/",
        {"statement": "有误", "contact_name": "李明", "contact_email": "a@example.com", "files": [pdf()]},
    )
    assert r.status_code == 302
    o = Objection.objects.get()
    assert c.get(f"/credit-service/objections/{o.pk}/").status_code == 200
    # another browser without the code sees nothing
    assert Client().get(f"/credit-service/objections/{o.pk}/").status_code == 302
    staff = Client()
    staff.force_login(scjgj_approver)
    assert staff.get("/staff/objections/").status_code == 200
    assert staff.get(f"/staff/objections/{o.pk}/").status_code == 200
    staff.post(f"/staff/objections/{o.pk}/accept/")
    o.refresh_from_db()
    assert o.state == "accepted"
    assert staff.get(f"/staff/objections/{o.pk}/letters/accept.html").status_code == 200
    assert staff.get("/staff/objections/receipts/").status_code == 200
    assert staff.get("/staff/repairs/").status_code == 200


def test_unknown_identifier_and_code_attempts(db):
    from jointcredit.casework import verification
    from jointcredit.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        verification.verification_start(identifier="91370102MA3C4XYZ0X")
