"""Pushes (信息推送) and feedback (执行反馈): who was told, what they must apply, by when,
and what they did."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.calendar.models import CalendarYear
from jointcredit.calendar.selectors import add_working_days
from jointcredit.calendar.signals import calendar_changed
from jointcredit.common import clock
from jointcredit.common.errors import PermissionDenied, ValidationFailed
from jointcredit.testing import next_unconfigured_year

from .. import selectors, services, sweeps
from ..models import Feedback, Push
from .factories import entry_publish, food_safety_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(lixia, user_factory):
    list_type = food_safety_setup(lixia)
    entry = entry_publish(list_type, lixia["scjgj"])
    return {
        "list_type": list_type,
        "entry": entry,
        "xzsp": user_factory(lixia["xzsp"], roles=[Role.CLERK]),
        "czj": user_factory(lixia["czj"], roles=[Role.CLERK]),
        "scjgj": user_factory(lixia["scjgj"], roles=[Role.CLERK]),
    }


def test_publish_pushes_to_implementing_and_cooperating_departments(setup, lixia):
    pushes = {p.department.code: p for p in Push.objects.filter(entry=setup["entry"])}
    # xzsp: its own measure + the unassigned one; czj & fgj: funding + unassigned; swj: unassigned only;
    # scjgj initiated the entry and is not pushed to; the incentive measure never rides a black list.
    assert set(pushes) == {"xzsp", "czj", "fgj", "swj"}
    codes = {k: sorted(m.code for m in p.measures.all()) for k, p in pushes.items()}
    assert codes["xzsp"] == ["key-supervision", "strict-licensing"]
    assert codes["czj"] == ["key-supervision", "limit-funding"]
    assert codes["swj"] == ["key-supervision"]
    push = pushes["xzsp"]
    assert push.feedback_working_days == 10
    assert push.pushed_on == clock.today()
    assert push.feedback_due == add_working_days(push.pushed_on, 10)


def test_feedback_api_rules_and_audit(setup, api_client_for, lixia):
    client = api_client_for(setup["xzsp"])
    entry = setup["entry"]
    today = clock.today().isoformat()
    ok = client.post(
        "/api/v1/feedback",
        {
            "entry_id": entry.pk,
            "measure": "strict-licensing",
            "result": "punished",
            "matter_name": "食品经营许可证新办申请",
            "matter_document_no": "历审批食〔2026〕118号",
            "handled_on": today,
        },
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["result_label"] == "已实施惩戒" and ok.json()["is_late"] is False
    again = client.post(
        "/api/v1/feedback",
        {
            "entry_id": entry.pk,
            "measure": "strict-licensing",
            "result": "punished",
            "matter_name": "食品经营许可证新办申请",
            "matter_document_no": "历审批食〔2026〕118号",
            "handled_on": today,
        },
    )
    assert again.status_code == 200 and again.json()["id"] == ok.json()["id"]  # retry: no duplicate
    assert Feedback.objects.count() == 1
    assert AuditEvent.objects.filter(action="feedback.create").count() == 1
    assert Push.objects.get(entry=entry, department=lixia["xzsp"]).first_feedback_at is not None

    cases = [
        ({"measure": "limit-funding", "result": "punished", "matter_name": "x"}, "measure", "pushed_measure"),
        ({"measure": "strict-licensing", "result": "rewarded", "matter_name": "x"}, "result", "kind"),
        ({"measure": "strict-licensing", "result": "不适用"}, "reason", "required"),
        ({"measure": "strict-licensing", "result": "punished"}, "matter_name", "required"),
        ({"measure": "strict-licensing", "result": "maybe"}, "result", "choice"),
        (
            {
                "measure": "key-supervision",
                "result": "not_involved",
                "handled_on": (clock.today() + timedelta(days=3)).isoformat(),
            },
            "handled_on",
            "not_future",
        ),
    ]
    for extra, field, rule in cases:
        body = {"entry_id": entry.pk, "handled_on": today, **extra}
        response = client.post("/api/v1/feedback", body)
        assert response.status_code == 422, (extra, response.content)
        details = response.json()["error"]["details"]
        assert any(d["field"] == field and d["rule"] == rule for d in details), details
    na = client.post(
        "/api/v1/feedback",
        {
            "entry_id": entry.pk,
            "measure": "key-supervision",
            "result": "不适用",
            "reason": "该主体本期无检查计划",
            "handled_on": today,
        },
    )
    assert na.status_code == 201 and na.json()["result"] == "not_applicable"

    # The initiating department was not pushed to; a viewer may not write.
    not_pushed = api_client_for(setup["scjgj"]).post(
        "/api/v1/feedback",
        {"entry_id": entry.pk, "measure": "strict-licensing", "result": "not_involved", "handled_on": today},
    )
    assert not_pushed.status_code == 403 and "未推送" in not_pushed.json()["error"]["message"]
    with pytest.raises(PermissionDenied):
        services.feedback_create(
            actor=setup["xzsp"],
            department=lixia["czj"],
            entry_id=entry.pk,
            measure="limit-funding",
            result="not_involved",
            handled_on=today,
        )
    listed = client.get("/api/v1/feedback", {"entry_id": entry.pk}).json()
    assert listed["meta"]["total"] == 2
    # The initiating department sees who responded on its entry.
    assert api_client_for(setup["scjgj"]).get("/api/v1/feedback").json()["meta"]["total"] == 2


def test_inbox_lists_pushed_entries_with_measures(setup, api_client_for):
    client = api_client_for(setup["xzsp"])
    body = client.get("/api/v1/pushes").json()
    assert body["meta"]["total"] == 1
    item = body["items"][0]
    assert item["entry_id"] == setup["entry"].pk and item["initiating_department"] == "scjgj"
    assert sorted(m["code"] for m in item["measures"]) == ["key-supervision", "strict-licensing"]
    assert client.get("/api/v1/pushes", {"state": "answered"}).json()["meta"]["total"] == 0
    assert client.get("/api/v1/pushes", {"state": "bogus"}).status_code == 422


def test_csv_import_all_or_nothing_then_idempotent(setup, api_client_for):
    entry = setup["entry"]
    today = clock.today().isoformat()
    header = "名单条目编号,措施代码,事项名称,文号,反馈结果,理由,实施日期\n"
    good = f"{entry.pk},strict-licensing,食品经营许可变更,历审批食〔2026〕201号,已实施惩戒,,{today}\n"
    bad = (
        f"{entry.pk},limit-funding,财政补助,,已实施惩戒,,{today}\n"
        f"{entry.pk},key-supervision,,,不适用,,2026-13-01\n"
    )
    client = api_client_for(setup["xzsp"])
    response = client.upload("/api/v1/feedback/imports", {"file": _file(header + good + bad)})
    assert response.status_code == 422
    rows = {(d["row"], d["field"]) for d in response.json()["error"]["details"]}
    assert {(3, "measure"), (4, "reason"), (4, "handled_on")} <= rows
    assert Feedback.objects.count() == 0  # nothing half-written
    first = client.upload("/api/v1/feedback/imports", {"file": _file(header + good)})
    assert first.status_code == 200 and first.json()["accepted"] == 1
    second = client.upload("/api/v1/feedback/imports", {"file": _file(header + good)})
    assert second.json() == {"accepted": 0, "duplicates": 1, "rejected": 0, "errors": []}
    missing = client.upload("/api/v1/feedback/imports", {"file": _file("措施代码,实施日期\nx,2026-01-01\n")})
    assert missing.status_code == 422 and "名单条目编号" in missing.json()["error"]["message"]


def _file(text: str, name: str = "反馈.csv"):
    f = io.BytesIO(text.encode("gbk"))
    f.name = name
    return f


def test_due_in_unconfigured_year_is_pending_then_recomputed(setup, lixia):
    push = Push.objects.get(entry=setup["entry"], department=lixia["xzsp"])
    # Pushed late in December (2026-12-28): ten working days reach into the next year, which is not
    # configured yet.
    year = next_unconfigured_year()
    pushed_on = date(year - 1, 12, 28)
    Push.objects.filter(pk=push.pk).update(pushed_on=pushed_on, feedback_due=None)
    assert services.push_deadlines_recompute() == 0
    assert Push.objects.get(pk=push.pk).feedback_due is None
    CalendarYear.objects.create(year=year, source=f"国办发明电〔{year - 1}〕测试号")
    calendar_changed.send(sender=CalendarYear, years={year})
    due = Push.objects.get(pk=push.pk).feedback_due
    assert due is not None and due.year == year and due == add_working_days(pushed_on, 10)


def test_overdue_dashboard_reminders_and_cases(setup, lixia, office_admin, api_client_for, mailoutbox):
    setup["xzsp"].email = "clerk@xzsp.example.cn"
    setup["xzsp"].save()
    entry = setup["entry"]
    yesterday = clock.today() - timedelta(days=1)
    Push.objects.filter(entry=entry).update(pushed_on=yesterday - timedelta(days=30), feedback_due=yesterday)
    services.feedback_create(
        actor=setup["czj"],
        entry_id=entry.pk,
        measure="limit-funding",
        result="punished",
        matter_name="2026年度中小企业发展专项资金",
        matter_document_no="历财企〔2026〕9号",
        handled_on=yesterday,
    )
    rates = {r["department__code"]: r for r in selectors.response_rates(actor=office_admin)}
    assert rates["czj"]["answered"] == 1 and rates["czj"]["rate"] == 100.0 and rates["czj"]["on_time"] == 0
    assert rates["xzsp"]["overdue"] == 1 and rates["xzsp"]["answered"] == 0
    assert Feedback.objects.get().is_late  # fed back after the deadline
    overdue = selectors.overdue_pushes(actor=office_admin)
    assert {p.department.code for p in overdue.items} == {"xzsp", "fgj", "swj"}
    with pytest.raises(PermissionDenied):
        selectors.response_rates(actor=setup["xzsp"])
    counts = sweeps.run(now=clock.now())
    assert counts["逾期反馈提醒"] == 3 and len(mailoutbox) == 1 and "逾期" in mailoutbox[0].subject
    assert sweeps.run(now=clock.now())["逾期反馈提醒"] == 0  # idempotent
    series = selectors.measures_applied_by_month(actor=office_admin)
    assert series[-1]["punished"] == 1
    cases = list(selectors.cases(actor=office_admin))
    assert len(cases) == 1 and cases[0].matter_document_no == "历财企〔2026〕9号"
    with pytest.raises(ValidationFailed):
        selectors.cases(actor=office_admin, kind="bogus")


def test_feedback_import_template_names_a_pending_push_and_imports_as_it_is(setup, api_client_for):
    from django.test import Client
    from openpyxl import load_workbook

    browser = Client()
    browser.force_login(setup["xzsp"])
    assert "feedback/import/template.xlsx" in browser.get("/staff/exchange/feedback/import/").content.decode()
    body = browser.get("/staff/exchange/feedback/import/template.xlsx").content
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[0][:7] == ("名单条目编号", "措施代码", "事项名称", "文号", "反馈结果", "理由", "实施日期")
    assert rows[1][0] == str(setup["entry"].pk) and rows[1][4] == "已实施惩戒"
    f = io.BytesIO(body)
    f.name = "反馈模板.xlsx"
    response = api_client_for(setup["xzsp"]).upload("/api/v1/feedback/imports", {"file": f})
    assert response.status_code == 200 and response.json()["accepted"] == 1
    csv_body = browser.get("/staff/exchange/feedback/import/template.csv").content.decode("utf-8-sig")
    assert csv_body.startswith("名单条目编号,措施代码")


def test_feedback_cites_a_recorded_check_of_its_own_department(setup, api_client_for, lixia):
    from jointcredit.measures.services import recorded_check_create
    from jointcredit.subjects.tests.factories import CompanyFactory

    entry = setup["entry"]

    def recorded(user, identifier):
        return recorded_check_create(
            actor=user,
            identifier=identifier,
            scenario="licensing",
            case_no="历审批食〔2026〕118号",
            matter_name="食品经营许可",
        )

    own = recorded(setup["xzsp"], entry.subject.identifier)
    foreign = recorded(setup["czj"], entry.subject.identifier)
    elsewhere = recorded(setup["xzsp"], CompanyFactory().identifier)
    client = api_client_for(setup["xzsp"])
    body = {
        "entry_id": entry.pk,
        "measure": "strict-licensing",
        "result": "punished",
        "matter_name": "食品经营许可证新办申请",
        "handled_on": clock.today().isoformat(),
    }
    for refused in (foreign, elsewhere):
        answer = client.post("/api/v1/feedback", {**body, "recorded_check": refused.pk})
        assert answer.status_code == 422
        assert answer.json()["error"]["details"][0]["field"] == "recorded_check"
    ok = client.post("/api/v1/feedback", {**body, "recorded_check": own.pk})
    assert ok.status_code == 201 and ok.json()["recorded_check"] == own.pk
    assert Feedback.objects.get(pk=ok.json()["id"]).recorded_check_id == own.pk
    assert AuditEvent.objects.filter(action="feedback.create").last().after["recorded_check"] == own.pk
