"""Status history of 承诺书 (ADR 0036): written by the services (the overdue sweep included),
backfilled for old ones, shown to staff (page, GET /commitments/{id}/history), and the subject
section answered as of a date."""

from __future__ import annotations

import importlib
from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.test import Client

from jointcredit.calendar.selectors import add_working_days
from jointcredit.commitments import services, sweeps
from jointcredit.commitments.models import Commitment, CommitmentChange
from jointcredit.common import clock
from jointcredit.grading.tests.factories import CompanyFactory
from jointcredit.subjects.extensions import subject_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(user_factory, lixia):
    return user_factory(lixia["xzsp"], roles=["clerk"])


def _sign(clerk, company, signed_on: date, **kw) -> Commitment:
    return services.commitment_create(
        actor=clerk,
        identifier=company.identifier,
        matter=kw.pop("matter", "食品经营许可证核发"),
        missing_items=["健康证明"],
        working_days=kw.pop("working_days", 5),
        signatory_name="王建国",
        signed_on=signed_on,
        **kw,
    )


def _steps(c) -> list[tuple]:
    return [
        (s.event, s.state_before, s.state_after, s.effective_on, s.actor_name)
        for s in c.changes.order_by("recorded_at", "pk")
    ]


def _travel(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


def test_signed_fulfilled_broken_with_states_reason_and_valid_time(clerk):
    today = clock.today()
    c = _sign(clerk, CompanyFactory(), today - timedelta(days=3), application_no="XK-2026-0117")
    services.commitment_fulfil(actor=clerk, commitment=c, note="材料已补齐")
    services.commitment_break(actor=clerk, commitment=c, note="经核查，健康证明系伪造")
    name = str(clerk)
    assert _steps(c) == [
        ("signed", "", "active", today - timedelta(days=3), name),
        ("fulfilled", "active", "fulfilled", today, name),
        ("broken", "fulfilled", "broken", today, name),
    ]
    signed, fulfilled, broken = c.changes.order_by("recorded_at", "pk")
    assert signed.reason == "受理编号 XK-2026-0117" and fulfilled.reason == "材料已补齐"
    assert broken.reason == "承诺内容不实：经核查，健康证明系伪造" and broken.actor == clerk
    assert not any(s.backfilled for s in c.changes.all())


def test_overdue_sweep_records_the_breach_on_its_deadline_as_the_system(clerk):
    signed_on = clock.today() - timedelta(days=30)
    c = _sign(clerk, CompanyFactory(), signed_on, working_days=3)
    sweeps.run(now=clock.now(), stdout=None)
    deadline = add_working_days(signed_on, 3)
    assert _steps(c)[-1] == ("broken", "active", "broken", deadline, "系统")
    assert c.changes.get(event="broken").actor is None


def test_history_api_and_staff_page(clerk, api_client_for, lixia, user_factory):
    c = _sign(clerk, CompanyFactory(), clock.today())
    services.commitment_fulfil(actor=clerk, commitment=c, note="材料已补齐")
    api = api_client_for(clerk)
    body = api.get(f"/api/v1/commitments/{c.pk}/history").json()
    assert [(s["event"], s["state_after_label"]) for s in body] == [
        ("signed", "履约中"),
        ("fulfilled", "已履约"),
    ]
    assert body[1]["reason"] == "材料已补齐" and body[1]["effective_on"] == clock.today().isoformat()
    assert api.get("/api/v1/commitments/999999/history").status_code == 404
    assert Client().get(f"/api/v1/commitments/{c.pk}/history").status_code == 401
    page = Client()
    page.force_login(clerk)
    html = page.get(f"/staff/commitments/{c.pk}/").content.decode()
    assert "状态历史" in html and "履约中 → 已履约" in html


def test_subject_section_as_of_a_date(clerk, time_machine):
    today = clock.today()
    company = CompanyFactory()
    # Signed 20 days ago, found false 10 days ago; another signed 5 days ago.
    _travel(time_machine, today - timedelta(days=20))
    broken = _sign(clerk, company, today - timedelta(days=20), matter="建筑工程施工许可")
    _travel(time_machine, today - timedelta(days=10))
    services.commitment_break(actor=clerk, commitment=broken, note="承诺的资质证书不存在")
    _travel(time_machine, today - timedelta(days=5))
    _sign(clerk, company, today - timedelta(days=5), matter="户外广告设置许可")
    _travel(time_machine, today)

    def states(on):
        return {
            s["matter"]: (s["state"], s["breach"]) for s in subject_sections(company, on=on)["commitments"]
        }

    # Signed after D → absent; broken after D → in force (履约中) on D; broken before D → broken.
    assert states(today - timedelta(days=15)) == {"建筑工程施工许可": ("履约中", None)}
    on_7 = states(today - timedelta(days=7))
    assert on_7["建筑工程施工许可"][0] == "已违约" and "户外广告设置许可" not in on_7
    assert set(states(None)) == {"建筑工程施工许可", "户外广告设置许可"}
    assert states(today - timedelta(days=25)) == {}


def test_backfill_from_audit_rows_and_stored_dates(clerk):
    today = clock.today()
    company = CompanyFactory()
    c = _sign(clerk, company, today - timedelta(days=10))
    services.commitment_fulfil(actor=clerk, commitment=c, note="材料已补齐")
    services.commitment_break(actor=clerk, commitment=c, note="经核查，健康证明系伪造")
    written = _steps(c)
    # A commitment written by a loader that bypassed the services: dates only, no audit rows.
    bare = Commitment.objects.create(
        department=c.department,
        subject=company,
        subject_name=company.name,
        matter="户外广告设置许可",
        signatory_name="李强",
        signed_on=today - timedelta(days=4),
        working_days=3,
        deadline=today + timedelta(days=2),
        state="fulfilled",
        fulfilled_at=clock.now(),
    )
    CommitmentChange.objects.all().delete()
    migration = importlib.import_module("jointcredit.commitments.migrations.0003_backfill_status_history")
    migration.backfill(apps, None)
    assert _steps(c) == written
    assert all(s.backfilled for s in CommitmentChange.objects.all())
    assert [
        (s.event, s.state_before, s.state_after, s.effective_on) for s in bare.changes.order_by("pk")
    ] == [
        ("signed", "", "active", today - timedelta(days=4)),
        ("fulfilled", "active", "fulfilled", today),
    ]
    migration.backfill(apps, None)  # idempotent
    assert CommitmentChange.objects.count() == len(written) + 2
