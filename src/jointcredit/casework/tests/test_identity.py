"""Who acts for a subject online (docs/identity.md): a visitor who types someone else's identifier
never sees that subject's full name or ID and cannot file in its name; codes go only to contacts on
file; the clerk's check of uploaded documents ends in a filed case; SSO claims map to subjects."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from jointcredit.audit.models import AuditEvent
from jointcredit.casework import sso, verification
from jointcredit.casework.models import IdentityApplication, IdentityState
from jointcredit.casework.testing import PDF, pdf
from jointcredit.common.errors import DomainError, PermissionDenied, ValidationFailed
from jointcredit.objections.models import Objection
from jointcredit.subjects.services import subject_contact_add, subject_contact_deactivate
from jointcredit.subjects.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _send_code(client, identifier, capture):
    with capture(execute=True):
        return client.post("/credit-service/", {"identifier": identifier})


def test_typed_identifier_of_someone_else_reveals_nothing_and_files_nothing(
    black_published, scjgj_clerk, django_capture_on_commit_callbacks
):
    victim = PersonFactory(name="王建国")
    entry = black_published(victim)
    subject_contact_add(actor=scjgj_clerk, subject=victim, email="wangjg@example.com", source="许可申请材料")
    c = Client()
    mail.outbox.clear()
    r = _send_code(c, victim.identifier, django_capture_on_commit_callbacks)
    assert r.status_code == 302
    # The code went to the address on file only; the page shows it masked, never the subject.
    assert [m.to for m in mail.outbox] == [["wangjg@example.com"]]
    page = c.get("/credit-service/verify/").content.decode()
    assert "w***@example.com" in page and "wangjg@" not in page
    # An attacker's own address in the POST is ignored (the form has no such field).
    _send_code(c, victim.identifier, django_capture_on_commit_callbacks)
    assert all(m.to == ["wangjg@example.com"] for m in mail.outbox)
    for url in (
        "/credit-service/verify/",
        "/credit-service/mine/",
        f"/credit-service/objections/new/list_entry/{entry.pk}/",
        f"/credit-service/repairs/new/list_entry/{entry.pk}/",
    ):
        body = c.get(url).content.decode()
        assert victim.name not in body and victim.identifier not in body, url
    r = c.post(
        f"/credit-service/objections/new/list_entry/{entry.pk}/",
        {"statement": "冒名", "contact_name": "张三", "contact_email": "x@evil.example", "files": [pdf()]},
    )
    assert r.status_code == 302 and r["Location"].endswith("/credit-service/")
    assert not Objection.objects.exists()
    # The clerk path, before a clerk has verified: the public view (masked), nothing to file.
    r = c.post(
        "/credit-service/identity/new/",
        {
            "identifier": victim.identifier,
            "applicant_name": "张三",
            "contact_email": "x@evil.example",
            "licence_files": [pdf("身份证.pdf")],
        },
    )
    app = IdentityApplication.objects.get()
    assert r.status_code == 302 and app.state == IdentityState.PENDING
    status = c.get(f"/credit-service/identity/{app.pk}/").content.decode()
    assert "王**" in status and victim.identifier[:6] + "********" in status
    assert victim.name not in status and victim.identifier not in status
    c.post(f"/credit-service/identity/{app.pk}/")  # "进入我的申请" before verification
    assert c.get("/credit-service/mine/").status_code == 302
    # Another browser cannot open the application (its secret is in the applicant's session).
    assert Client().get(f"/credit-service/identity/{app.pk}/").status_code == 404


def test_code_only_to_contact_on_file(
    company, scjgj_clerk, black_published, django_capture_on_commit_callbacks
):
    black_published()
    with pytest.raises(ValidationFailed) as exc:
        verification.verification_start(identifier=company.identifier)
    assert exc.value.details[0]["rule"] == "no_contact"
    contact = subject_contact_add(
        actor=scjgj_clerk, subject=company, email="Reg@XinYuan.example.com", source="企业登记信息"
    )
    assert AuditEvent.objects.filter(action="subject.contact_add", object_id=str(contact.pk)).exists()
    mail.outbox.clear()
    c = Client()
    _send_code(c, company.identifier, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["reg@xinyuan.example.com"]
    code = re.search(r"验证码：(\d{6})", mail.outbox[-1].body).group(1)
    assert c.post("/credit-service/verify/", {"code": code}).status_code == 302
    mine = c.get("/credit-service/mine/").content.decode()
    assert company.name in mine and "提出异议" in mine
    assert AuditEvent.objects.filter(action="identity.verified", object_id=str(company.pk)).exists()
    subject_contact_deactivate(actor=scjgj_clerk, contact=contact, reason="企业变更联系方式")
    with pytest.raises(ValidationFailed):
        verification.verification_start(identifier=company.identifier)


def test_contact_on_file_needs_a_clerk(company, user_factory, lixia):
    from jointcredit.accounts.models import Role

    viewer = user_factory(lixia["scjgj"], roles=[Role.VIEWER], username="scjgj_viewer")
    with pytest.raises(PermissionDenied):
        subject_contact_add(actor=viewer, subject=company, email="a@example.com", source="登记")


def test_clerk_verification_ends_in_a_filed_case(
    black_published, scjgj_clerk, swj_clerk, company, django_capture_on_commit_callbacks
):
    entry = black_published()
    c = Client()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            "/credit-service/identity/new/",
            {
                "identifier": company.identifier,
                "applicant_name": "李明",
                "contact_email": "liming@example.com",
                "licence_files": [pdf("营业执照.pdf")],
            },
        )
    assert r.status_code == 200 and "授权委托书" in r.content.decode()  # a legal person needs one
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            "/credit-service/identity/new/",
            {
                "identifier": company.identifier,
                "applicant_name": "李明",
                "contact_email": "liming@example.com",
                "licence_files": [pdf("营业执照.pdf")],
                "authorisation_files": [pdf("授权委托书.pdf")],
            },
        )
    app = IdentityApplication.objects.get()
    assert r.status_code == 302 and app.department == entry.department
    # The clerk of the deciding department sees it; another department's clerk does not.
    staff = Client()
    staff.force_login(swj_clerk)
    assert (
        f"/staff/objections/identity/{app.pk}/"
        not in staff.get("/staff/objections/identity/").content.decode()
    )
    assert staff.get(f"/staff/objections/identity/{app.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        verification.identity_application_verify(actor=swj_clerk, application=app)
    staff.force_login(scjgj_clerk)
    queue = staff.get("/staff/objections/identity/").content.decode()
    assert f"/staff/objections/identity/{app.pk}/" in queue
    detail = staff.get(f"/staff/objections/identity/{app.pk}/").content.decode()
    assert "营业执照.pdf" in detail and "授权委托书.pdf" in detail
    assert (
        staff.post(f"/staff/objections/identity/{app.pk}/", {"decision": "reject", "reason": ""}).status_code
        == 200
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = staff.post(
            f"/staff/objections/identity/{app.pk}/", {"decision": "verify", "reason": "证照与主体一致"}
        )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == IdentityState.VERIFIED and app.decided_by == scjgj_clerk
    assert mail.outbox[-1].to == ["liming@example.com"]
    assert AuditEvent.objects.filter(action="identity_application.verify", object_id=str(app.pk)).exists()
    with pytest.raises(DomainError):  # decided once
        verification.identity_application_reject(actor=scjgj_clerk, application=app, reason="x")
    # The applicant continues in its own browser, for this subject only.
    assert c.post(f"/credit-service/identity/{app.pk}/").status_code == 302
    assert company.name in c.get("/credit-service/mine/").content.decode()
    r = c.post(
        f"/credit-service/objections/new/list_entry/{entry.pk}/",
        {
            "statement": "原处罚已撤销",
            "contact_name": "李明",
            "contact_email": "liming@example.com",
            "files": [pdf()],
        },
    )
    assert r.status_code == 302
    objection = Objection.objects.get()
    assert objection.subject == company and objection.channel == "portal"
    other = black_published(PersonFactory())
    assert c.get(f"/credit-service/objections/new/list_entry/{other.pk}/").status_code == 404


def test_rejected_application_gives_no_access(black_published, scjgj_clerk, company):
    black_published()
    app, token = verification.identity_application_file(
        identifier=company.identifier,
        applicant_name="李明",
        contact_email="liming@example.com",
        licence_files=[pdf("营业执照.pdf")],
        authorisation_files=[pdf("委托书.pdf", PDF)],
    )
    verification.identity_application_reject(actor=scjgj_clerk, application=app, reason="委托书未加盖公章")
    c = Client()
    session = c.session
    session["jc_identity_applications"] = [{"id": app.pk, "token": token}]
    session.save()
    page = c.get(f"/credit-service/identity/{app.pk}/").content.decode()
    assert "核验未通过" in page and "委托书未加盖公章" in page
    c.post(f"/credit-service/identity/{app.pk}/")
    assert c.get("/credit-service/mine/").status_code == 302
    assert verification.identity_application_for_token(app.pk, "wrong") is None


def test_sso_claims_map_to_subjects(company, settings):
    person = PersonFactory()
    assert sso.sso_subject({"id_number": person.identifier}) == (person, "natural")
    # The enterprise's credential wins: the agent acts for the company, not for itself.
    assert sso.sso_subject({"id_number": person.identifier, "uscc": company.identifier}) == (
        company,
        "legal_agent",
    )
    with pytest.raises(DomainError):  # a natural person's ID is not an enterprise credential
        sso.sso_subject({"uscc": person.identifier})
    with pytest.raises(DomainError):
        sso.sso_subject({"name": "王建国"})
    settings.JOINTCREDIT_OIDC = {**settings.JOINTCREDIT_OIDC, "CLAIM_ID_NUMBER": "sfzh"}
    assert sso.sso_subject({"sfzh": person.identifier}) == (person, "natural")
