"""信用报告: stored snapshot, verification page, PDF with QR code, internal version."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.portal.models import CreditReport, ReportAudience
from jointcredit.portal.reports import content_hash, credit_report_create
from jointcredit.subjects.public import subject_public_url
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_public_report_flow_pdf_and_verification(client):
    company = CompanyFactory(name="济南瑞丰商贸有限公司")
    response = client.post(subject_public_url(company) + "report/")
    assert response.status_code == 302
    report = CreditReport.objects.get()
    assert response["Location"] == f"/reports/{report.number}/"
    assert report.audience == ReportAudience.PUBLIC and report.content_hash == content_hash(report.snapshot)
    page = client.get(response["Location"]).content.decode()
    assert "核验通过" in page and report.number in page and "data:image/svg+xml" in page
    assert company.name in page
    pdf = client.get(f"/reports/{report.number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 5000
    # lookup by number
    assert client.get("/reports/verify/", {"number": report.number.lower()}).status_code == 302
    assert client.get("/reports/verify/", {"number": "XYLX0000"}).status_code == 404


def test_tampered_snapshot_fails_verification(client):
    report = credit_report_create(subject=CompanyFactory())
    CreditReport.objects.filter(pk=report.pk).update(snapshot={**report.snapshot, "sections": []})
    assert "核验失败" in client.get(f"/reports/{report.number}/").content.decode()


def test_person_report_is_masked(client):
    person = PersonFactory(name="李秀英")
    client.post(subject_public_url(person) + "report/")
    report = CreditReport.objects.get()
    text = str(report.snapshot)
    assert "李秀英" not in text and person.identifier not in text and "李**" in text


def test_staff_report_needs_login_to_read_and_is_audited(client, user_factory, lixia):
    company = CompanyFactory(name="济南金泰建筑工程有限公司", legal_representative="赵强")
    user = user_factory(lixia["scjgj"], roles=[Role.VIEWER])
    client.force_login(user)
    response = client.post(f"/staff/subjects/{company.identifier}/report/")
    report = CreditReport.objects.get()
    assert response.status_code == 302 and report.audience == ReportAudience.STAFF
    assert AuditEvent.objects.filter(action="credit_report.create", object_id=str(report.pk)).exists()
    assert "赵强" in client.get(f"/reports/{report.number}/").content.decode()
    client.logout()
    anonymous = client.get(f"/reports/{report.number}/").content.decode()
    assert "内部版" in anonymous and "赵强" not in anonymous
    assert client.get(f"/reports/{report.number}/pdf/").status_code == 302


def test_report_generation_is_rate_limited(client, settings):
    settings.PORTAL_REPORT_RATE = "1/m"
    company = CompanyFactory()
    assert client.post(subject_public_url(company) + "report/").status_code == 302
    assert client.post(subject_public_url(company) + "report/").status_code == 429
