from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jointcredit.audit.models import AuditEvent
from jointcredit.calendar.selectors import add_working_days
from jointcredit.commitments import services
from jointcredit.commitments.models import BrokenCommitment, Commitment
from jointcredit.commitments.selectors import broken_commitments_for_subjects
from jointcredit.common import clock
from jointcredit.exchange.models import OutboxEvent
from jointcredit.grading.models import SubjectGrade
from jointcredit.grading.services import grade_recompute_for
from jointcredit.grading.tests.factories import CompanyFactory, company_with_people, entry
from jointcredit.subjects.extensions import subject_sections
from jointcredit.testing import last_passed, next_unconfigured_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(user_factory, lixia):
    return user_factory(lixia["xzsp"], roles=["clerk"])


@pytest.fixture
def api(api_client_for, clerk):
    return api_client_for(clerk)


def _payload(subject, **kw):
    body = {
        "identifier": subject.identifier,
        "matter": "食品经营许可证核发",
        "signatory_name": "王建国",
        "missing_items": ["场所产权证明复印件", "健康证明"],
        "working_days": 5,
        "signed_on": "2026-11-02",
    }
    body.update(kw)
    return body


def test_red_listed_company_commits_and_gets_pdf(api, lixia):
    company = CompanyFactory()
    entry(company, code="red_moral_model", department=lixia["fgj"], on=clock.today())
    r = api.post("/api/v1/commitments", _payload(company))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["deadline"] == "2026-11-09" and body["state"] == "active"
    assert any("诚信道德模范" in b for b in body["eligibility"]["basis"])
    assert OutboxEvent.objects.filter(kind="commitment.created", aggregate_id=str(body["id"])).exists()
    assert AuditEvent.objects.filter(action="commitment.create").count() == 1
    pdf = api.get(f"/api/v1/commitments/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_grade_b_is_eligible_grade_c_is_not(api, lixia):
    clean, fined = CompanyFactory(), CompanyFactory()
    assert api.post("/api/v1/commitments", _payload(clean)).status_code == 201
    SubjectGrade.objects.create(
        subject=fined,
        grade="C",
        score=65,
        ruleset_version=1,
        computed_on=date(2026, 11, 1),
        computed_at=clock.now(),
    )
    r = api.post("/api/v1/commitments", _payload(fined))
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["rule"] == "eligible"
    assert Commitment.objects.filter(subject=fined).count() == 0


def test_black_listed_is_refused_and_nothing_written(api, lixia):
    company = CompanyFactory()
    entry(company, department=lixia["scjgj"], on=clock.today())
    before = AuditEvent.objects.count()
    r = api.post("/api/v1/commitments", _payload(company))
    assert r.status_code == 422
    assert "黑名单" in r.json()["error"]["message"] or "严重失信" in r.json()["error"]["message"]
    assert Commitment.objects.count() == 0 and AuditEvent.objects.count() == before
    assert (
        api.get("/api/v1/commitments/eligibility", {"identifier": company.identifier}).json()["eligible"]
        is False
    )


def test_unknown_and_malformed_identifiers(api):
    r = api.post(
        "/api/v1/commitments", {**_payload(CompanyFactory.build()), "identifier": "91370102MA3C0000X0"}
    )
    assert r.status_code == 422
    assert api.get("/api/v1/commitments/eligibility", {"identifier": "123"}).status_code == 422


def test_deadline_on_non_working_day_and_unconfigured_year(api):
    company = CompanyFactory()
    signed = last_passed(11, 2)  # 2026: Mon 2 Nov; a Saturday that week, then the next working day
    saturday = signed + timedelta(days=(5 - signed.weekday()) % 7 or 7)
    signing = {"working_days": None, "signed_on": signed.isoformat()}
    r = api.post("/api/v1/commitments", _payload(company, **signing, deadline=saturday.isoformat()))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "working_day"
    assert add_working_days(saturday, 0).isoformat() in r.json()["error"]["message"]
    unconfigured = date(next_unconfigured_year(), 2, 1).isoformat()
    r = api.post("/api/v1/commitments", _payload(company, **signing, deadline=unconfigured))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "calendar_configured"
    r = api.post("/api/v1/commitments", _payload(company, working_days=0))
    assert r.status_code == 422
    assert Commitment.objects.count() == 0
    sixth = add_working_days(signed, 6).isoformat()
    ok = api.post("/api/v1/commitments", _payload(company, **signing, deadline=sixth))
    assert ok.status_code == 201 and ok.json()["working_days"] == 6


def test_deadline_in_unconfigured_year_is_pending_then_recomputed(
    api, office_admin, django_capture_on_commit_callbacks, time_machine
):
    from jointcredit.calendar.services import calendar_year_configure

    company = CompanyFactory()
    year = next_unconfigured_year()
    # Signed late in the last configured year (the normal case in December): 40 working days reach
    # into the year the office has not entered yet.
    time_machine.move_to(datetime(year - 1, 12, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    signed = clock.today()
    r = api.post("/api/v1/commitments", _payload(company, working_days=40, signed_on=signed.isoformat()))
    assert r.status_code == 201
    assert r.json()["deadline"] is None and r.json()["deadline_pending"] is True
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_configure(
            actor=office_admin, year=year, overrides=[(date(year, 1, 1), "holiday", "元旦")]
        )
    c = Commitment.objects.get(pk=r.json()["id"])
    assert c.deadline is not None and c.deadline.year == year


def test_fulfil_then_false_promise_creates_dishonesty_record(
    api, lixia, user_factory, api_client_for, django_capture_on_commit_callbacks
):
    company, rep, _ = company_with_people(1)
    grade_recompute_for([company.pk])
    cid = api.post("/api/v1/commitments", _payload(company)).json()["id"]
    other = api_client_for(user_factory(lixia["swj"]))
    assert other.post(f"/api/v1/commitments/{cid}/fulfil", {}).status_code == 403
    assert api.post(f"/api/v1/commitments/{cid}/fulfil", {"note": "已补齐"}).json()["state"] == "fulfilled"
    assert api.post(f"/api/v1/commitments/{cid}/fulfil", {}).status_code == 409
    assert api.post(f"/api/v1/commitments/{cid}/break", {"note": ""}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/v1/commitments/{cid}/break", {"note": "经核查，健康证明系伪造"})
    assert r.status_code == 201 and r.json()["breach"]["reason"] == "false_promise"
    assert OutboxEvent.objects.filter(kind="commitment.broken", aggregate_id=str(cid)).exists()
    assert [b.commitment_id for b in broken_commitments_for_subjects([company.pk])] == [cid]
    g = SubjectGrade.objects.get(subject=company)
    assert g.score == 70 and g.grade == "C" and g.explanation[0]["source"] == "broken_commitment"
    # the subject cannot use 容缺受理 again
    assert api.post("/api/v1/commitments", _payload(company)).status_code == 422
    section = subject_sections(company)["commitments"]
    assert section[0]["breach"]["reason"] == "承诺内容不实"
    assert subject_sections(company, public=True)["commitments"] == []
    # … and it is visible on the staff check page, whatever the scenario
    from django.test import Client

    page = Client()
    page.force_login(user_factory(lixia["czj"], username="czj_checker"))
    for scenario in ("funding", "licensing"):
        body = page.get(
            "/staff/measures/check/", {"identifier": company.identifier, "scenario": scenario}
        ).content.decode()
        assert "违背信用承诺记录" in body and "经核查，健康证明系伪造" in body and "承诺内容不实" in body


def test_sweep_reminds_then_breaks_overdue(lixia, clerk):
    company = CompanyFactory()
    today = clock.today()
    overdue = services.commitment_create(
        actor=clerk,
        identifier=company.identifier,
        matter="建筑工程施工许可",
        missing_items="消防设计审查意见",
        working_days=3,
        signatory_name="李强",
        signed_on=date(2026, 10, 12),
    )
    soon = services.commitment_create(
        actor=clerk,
        identifier=company.identifier,
        matter="户外广告设置许可",
        missing_items=["设计图"],
        working_days=1,
        signatory_name="李强",
        signed_on=today,
    )
    from jointcredit.commitments import sweeps

    counts = sweeps.run(now=clock.now(), stdout=None)
    assert counts["逾期认定失信"] == 1 and counts["到期提醒"] == 1
    overdue.refresh_from_db()
    soon.refresh_from_db()
    assert overdue.state == "broken" and soon.reminded_at is not None
    breach = BrokenCommitment.objects.get(commitment=overdue)
    assert breach.reason == "overdue" and breach.occurred_on == add_working_days(date(2026, 10, 12), 3)
    assert sweeps.run(now=clock.now(), stdout=None)["逾期认定失信"] == 0
    assert OutboxEvent.objects.filter(kind="commitment.reminder_due").count() == 1


def test_list_and_detail(api, lixia):
    company = CompanyFactory()
    cid = api.post("/api/v1/commitments", _payload(company)).json()["id"]
    page = api.get("/api/v1/commitments", {"identifier": company.identifier}).json()
    assert page["total"] == 1 and page["items"][0]["id"] == cid
    assert api.get("/api/v1/commitments", {"state": "bogus"}).status_code == 422
    assert api.get("/api/v1/commitments/999999").status_code == 404
    assert (clock.today() - timedelta(days=1)) < clock.today()


def test_staff_pages(lixia, clerk):
    from django.test import Client

    company = CompanyFactory()
    client = Client()
    client.force_login(clerk)
    assert client.get("/staff/commitments/").status_code == 200
    page = client.get("/staff/commitments/new/", {"identifier": company.identifier})
    assert page.status_code == 200 and "符合容缺受理条件" in page.content.decode()
    r = client.post(
        "/staff/commitments/new/",
        {
            "action": "create",
            "identifier": company.identifier,
            "matter": "卫生许可",
            "missing_items": "材料一\n材料二",
            "working_days": "5",
            "signatory_name": "赵六",
            "kind": "tolerance",
        },
    )
    assert r.status_code == 302
    c = Commitment.objects.get()
    assert c.missing_items == ["材料一", "材料二"]
    assert client.get(f"/staff/commitments/{c.pk}/").status_code == 200
    assert client.post(f"/staff/commitments/{c.pk}/", {"action": "fulfil", "note": "ok"}).status_code == 302
    c.refresh_from_db()
    assert c.state == "fulfilled"
    assert client.get(f"/staff/commitments/{c.pk}/pdf/").content.startswith(b"%PDF")
