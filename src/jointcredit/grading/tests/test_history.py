"""Status history of honours and grades (ADR 0036): honours' awarded/revoked steps written with the
audit row, backfilled, on the staff page, in the API and — honours are public — on the portal;
grades read from GradeHistory in the same timeline shape, staff only; both as of a date."""

from __future__ import annotations

import importlib
from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.test import Client

from jointcredit.common import clock
from jointcredit.grading import honours, services
from jointcredit.grading.models import Honour, HonourChange
from jointcredit.grading.selectors import grade_timeline
from jointcredit.subjects.extensions import subject_sections
from jointcredit.subjects.public import subject_public_url

from .factories import CompanyFactory, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(user_factory, lixia):
    return user_factory(lixia["fgj"], roles=["clerk"])


def _travel(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


def _steps(h) -> list[tuple]:
    return [(c.event, c.state_before, c.state_after, c.effective_on, c.actor_name) for c in h.changes.all()]


def test_honour_awarded_and_revoked_with_states_reason_and_valid_time(clerk, api_client_for):
    today = clock.today()
    company = CompanyFactory()
    h = honours.honour_create(
        actor=clerk,
        identifier=company.identifier,
        title="历下区诚信示范企业",
        awarded_on=today - timedelta(days=90),
    )
    honours.honour_revoke(actor=clerk, honour=h, reason="获得者被列入严重失信主体名单")
    assert _steps(h) == [
        ("awarded", "", "held", today - timedelta(days=90), str(clerk)),
        ("revoked", "held", "revoked", today, str(clerk)),
    ]
    assert h.changes.get(event="revoked").reason == "获得者被列入严重失信主体名单"
    api = api_client_for(clerk)
    body = api.get(f"/api/v1/grading/honours/{h.pk}/history").json()
    assert [(s["event"], s["state_after_label"]) for s in body] == [
        ("awarded", "有效"),
        ("revoked", "已撤销"),
    ]
    assert api.get("/api/v1/grading/honours/999999/history").status_code == 404
    assert Client().get(f"/api/v1/grading/honours/{h.pk}/history").status_code == 401
    public = honours.honour_public_timeline(h)
    assert public == [
        {"event": "awarded", "label": "授予", "effective_on": today - timedelta(days=90)},
        {"event": "revoked", "label": "撤销", "effective_on": today},
    ]


def test_grade_timeline_in_the_shared_shape_staff_only(lixia, office_admin, api_client_for):
    today = clock.today()
    company = CompanyFactory()
    services.grade_recompute_for([company.pk])
    entry(company, code="red_moral_model", department=lixia["fgj"], on=today)
    services.grade_recompute_for([company.pk])
    steps = grade_timeline(company)
    assert [(s["event"], s["state_before"], s["state_after"], s["effective_on"]) for s in steps] == [
        ("graded", "", "B", today),
        ("regraded", "B", "A", today),
    ]
    assert steps[1]["reason"].startswith("得分 85 → 95，评分规则 v1") and steps[1]["actor"] == "系统"
    body = api_client_for(office_admin).get(f"/api/v1/grading/subjects/{company.identifier}/history").json()
    assert [s["state_after"] for s in body] == ["B", "A"]
    assert Client().get(f"/api/v1/grading/subjects/{company.identifier}/history").status_code == 401
    assert subject_sections(company, public=True, on=today)["grade"] is None
    page = Client()
    page.force_login(office_admin)
    html = page.get(f"/staff/grading/subjects/{company.identifier}/").content.decode()
    assert "状态历史" in html and "B 级（良好） → A 级（诚信）" in html


def test_as_of_grade_and_honours_on_the_api_and_the_public_page(
    lixia, clerk, office_admin, api_client_for, time_machine
):
    today = clock.today()
    company = CompanyFactory()
    _travel(time_machine, today - timedelta(days=30))
    services.grade_recompute_for([company.pk])  # B from 30 days ago
    kept = honours.honour_create(
        actor=clerk,
        identifier=company.identifier,
        title="济南市守合同重信用企业",
        awarded_on=today - timedelta(days=30),
    )
    revoked_later = honours.honour_create(
        actor=clerk,
        identifier=company.identifier,
        title="历下区诚信示范企业",
        awarded_on=today - timedelta(days=30),
    )
    _travel(time_machine, today - timedelta(days=10))
    entry(company, code="red_moral_model", department=lixia["fgj"], on=today - timedelta(days=10))
    services.grade_recompute_for([company.pk])  # A from 10 days ago
    honours.honour_create(
        actor=clerk,
        identifier=company.identifier,
        title="历下区文明诚信商户",
        awarded_on=today - timedelta(days=10),
    )
    _travel(time_machine, today - timedelta(days=5))
    honours.honour_revoke(actor=clerk, honour=revoked_later, reason="获得者被列入严重失信主体名单")
    _travel(time_machine, today)

    api = api_client_for(office_admin)
    url = f"/api/v1/subjects/{company.identifier}"
    d = (today - timedelta(days=20)).isoformat()
    body = api.get(url, {"include": "grade,honours,records", "date": d}).json()
    assert body["as_of"] == d and body["not_as_of"] == []
    # Written around the services (no published_at): in force from its validity start, 20 days ago.
    assert [e["list_type"] for e in body["entries"]] == ["red_moral_model"]
    assert body["sections"]["grade"]["grade"] == "B"
    held = {h["title"]: h["revoked_later"] for h in body["sections"]["honours"]}
    assert held == {kept.title: False, revoked_later.title: True}
    now = api.get(url, {"include": "grade,honours"}).json()
    assert now["sections"]["grade"]["grade"] == "A" and now["as_of"] is None
    assert (
        api.get(url, {"include": "grade", "date": (today - timedelta(days=40)).isoformat()}).json()[
            "sections"
        ]["grade"]
        is None
    )
    future = api.get(url, {"date": (today + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and future.json()["error"]["details"][0]["field"] == "date"

    page = Client().get(subject_public_url(company), {"date": d}).content.decode()
    assert "荣誉称号" in page and kept.title in page and revoked_later.title in page and "此后已撤销" in page
    assert "历下区文明诚信商户" not in page and "信用等级" not in page
    assert f"{today - timedelta(days=5):%Y-%m-%d} 撤销" in page  # the public part of its history
    current = Client().get(subject_public_url(company)).content.decode()
    assert revoked_later.title not in current and "历下区文明诚信商户" in current


def test_backfill_from_audit_rows_and_stored_dates(clerk):
    today = clock.today()
    company = CompanyFactory()
    h = honours.honour_create(
        actor=clerk,
        identifier=company.identifier,
        title="历下区诚信示范企业",
        awarded_on=today - timedelta(days=60),
    )
    honours.honour_revoke(actor=clerk, honour=h, reason="获得者被列入严重失信主体名单")
    bare = Honour.objects.create(
        subject=company,
        title="历下区优秀民营企业",
        department=h.department,
        awarded_on=today - timedelta(days=7),
    )
    written = _steps(h)
    HonourChange.objects.all().delete()
    migration = importlib.import_module("jointcredit.grading.migrations.0005_backfill_honour_status_history")
    migration.backfill(apps, None)
    assert _steps(h) == written
    assert [(c.event, c.effective_on, c.backfilled) for c in bare.changes.all()] == [
        ("awarded", today - timedelta(days=7), True)
    ]
    migration.backfill(apps, None)
    assert HonourChange.objects.count() == 3
