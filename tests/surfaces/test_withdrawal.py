"""A removed or expired entry withdraws the pushes it created, at once and on every surface:
inbox (page and API), push page, overdue list, the office dashboard's figures, reminders, feed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from jointcredit.accounts.models import Role
from jointcredit.casework.testing import pdf
from jointcredit.common import clock
from jointcredit.exchange import selectors as exchange
from jointcredit.exchange.models import Push
from jointcredit.exchange.panels import feedback_response_rate
from jointcredit.exchange.sweeps import feedback_reminders
from jointcredit.lists import sweeps as list_sweeps
from jointcredit.objections import services as objections
from jointcredit.repairs import services as repairs

from .conftest import pump

pytestmark = pytest.mark.django_db


@pytest.fixture
def xzsp_clerk(user_factory, lixia):
    user = user_factory(lixia["xzsp"], roles=[Role.CLERK], username="xzsp_clerk")
    user.email = "xzsp@example.com"
    user.save()
    return user


def travel(time_machine, day):
    time_machine.move_to(timezone.make_aware(datetime.combine(day, time(10, 0))), tick=False)


def overdue_for(office_admin, department) -> int:
    return next(
        r["overdue"]
        for r in exchange.response_rates(actor=office_admin)
        if r["department_id"] == department.pk
    )


def assert_overdue(push, *, office_admin, client):
    """The push counts as 逾期未反馈 everywhere before the removal (the state the bug report shows)."""
    today = clock.today()
    assert exchange.push_status(push, today=today) == "已逾期"
    assert overdue_for(office_admin, push.department) == 1
    overdue = exchange.overdue_pushes(actor=office_admin).items
    assert push.pk in [p.pk for p in overdue] and {p.entry_id for p in overdue} == {push.entry_id}
    assert [p["id"] for p in client.get("/api/v1/pushes", {"state": "overdue"}).json()["items"]] == [push.pk]


def assert_withdrawn(push, *, office_admin, client, reason: str, label: str, staff_client, user):
    push = Push.objects.select_related("entry").get(pk=push.pk)
    today = clock.today()
    assert exchange.push_status(push, today=today) == "已撤销"
    assert exchange.push_withdrawal(push, today=today)["reason"] == reason
    # Out of every overdue figure: the office dashboard table, the chart's note, the overdue list.
    assert overdue_for(office_admin, push.department) == 0
    assert exchange.overdue_pushes(actor=office_admin).total == 0
    assert "逾期未反馈 0 条" in feedback_response_rate(office_admin)["note"]
    # The receiving department's inbox (API): not awaiting, not overdue, listed as withdrawn with the reason.
    assert client.get("/api/v1/pushes", {"state": "awaiting"}).json()["meta"]["total"] == 0
    assert client.get("/api/v1/pushes", {"state": "overdue"}).json()["meta"]["total"] == 0
    [item] = client.get("/api/v1/pushes", {"state": "withdrawn"}).json()["items"]
    assert item["id"] == push.pk and item["status"] == "已撤销" and item["withdrawn"] is True
    assert item["withdrawal_reason"] == reason and item["withdrawal_reason_label"] == label
    # The page that stayed 待反馈 in the report (a fresh login: the session does not outlive travel).
    staff_client.force_login(user)
    page = staff_client.get(f"/staff/exchange/inbox/{push.pk}/").content.decode()
    assert "已撤销" in page and f"原因：{label}" in page and "已逾期" not in page
    inbox = staff_client.get("/staff/exchange/inbox/", {"state": "withdrawn"}).content.decode()
    assert f"原因：{label}" in inbox
    # No reminder goes out for it.
    mail.outbox.clear()
    assert feedback_reminders(now=clock.now()) == 0 and not mail.outbox


@pytest.fixture
def surfaces(office_admin, xzsp_clerk, api_client_for, client):
    return {
        "office_admin": office_admin,
        "client": api_client_for(xzsp_clerk),
        "staff_client": client,
        "user": xzsp_clerk,
    }


def _push(entry, lixia):
    return Push.objects.select_related("entry").get(entry=entry, department=lixia["xzsp"])


def test_revoke_on_objection_withdraws_the_push(
    pushed_entry, lixia, scjgj_clerk, scjgj_approver, contact, surfaces, time_machine, api_client_for
):
    entry = pushed_entry()
    push = _push(entry, lixia)
    travel(time_machine, push.feedback_due + timedelta(days=1))
    assert_overdue(push, office_admin=surfaces["office_admin"], client=surfaces["client"])

    o = objections.objection_file(
        actor=scjgj_clerk,
        target_type="list_entry",
        target_id=entry.pk,
        statement="该处罚已被复议撤销，列入依据不存在。",
        **contact,
    )
    objections.objection_accept(actor=scjgj_clerk, objection=o)
    objections.objection_review(actor=scjgj_clerk, objection=o)
    objections.objection_correct(actor=scjgj_approver, objection=o, decision="异议成立，撤销列入。")

    # No worker has run since: the withdrawal does not wait for the dispatcher.
    assert Push.objects.get(pk=push.pk).entry_removed_at is None
    assert_withdrawn(push, reason="revoked", label="撤销", **surfaces)
    # The feed carries the removal, with its reason, as it carried the publication.
    pump()
    feed = api_client_for(surfaces["office_admin"]).get("/api/v1/feed", {"after": 0, "limit": 1000}).json()
    kinds = [
        (e["type"], e["data"].get("removal_reason"))
        for e in feed["events"]
        if e["data"].get("entry_id") == entry.pk
    ]
    assert kinds[0] == ("list_entry.published", None) and ("list_entry.removed", "revoked") in kinds


def test_repair_withdraws_the_push(
    pushed_entry, lixia, scjgj_clerk, scjgj_approver, contact, surfaces, time_machine, api_client_for
):
    entry = pushed_entry(decided_days_ago=400)
    push = _push(entry, lixia)
    travel(time_machine, push.feedback_due + timedelta(days=1))
    assert_overdue(push, office_admin=surfaces["office_admin"], client=surfaces["client"])

    r = repairs.repair_file(
        verified_identifier=entry.subject.identifier,
        target_type="list_entry",
        target_id=entry.pk,
        correction="已完成整改，经复查合格。",
        commitment_signatory="张伟",
        commitment_accepted=True,
        proofs=[pdf()],
        **contact,
    )
    repairs.repair_accept(actor=scjgj_clerk, repair=r)
    repairs.repair_approve(actor=scjgj_approver, repair=r, decision="准予修复")

    assert_withdrawn(push, reason="repaired", label="信用修复", **surfaces)
    pump()
    feed = api_client_for(surfaces["office_admin"]).get("/api/v1/feed", {"after": 0, "limit": 1000}).json()
    removed = [
        e for e in feed["events"] if e["type"] == "list_entry.removed" and e["data"]["entry_id"] == entry.pk
    ]
    assert [e["data"]["removal_reason"] for e in removed] == ["repaired"]


def test_expiry_by_date_withdraws_the_push_without_a_sweep(
    pushed_entry, lixia, today, surfaces, time_machine, api_client_for
):
    entry = pushed_entry(decided_days_ago=10, valid_until=today + timedelta(days=30))
    push = _push(entry, lixia)
    travel(time_machine, push.feedback_due + timedelta(days=1))
    assert_overdue(push, office_admin=surfaces["office_admin"], client=surfaces["client"])

    travel(time_machine, entry.valid_until + timedelta(days=1))
    # Nothing ran: no sweep, no event, the stored state is still published — the dates decide.
    entry.refresh_from_db()
    assert entry.state == "published" and entry.expiry_emitted_at is None
    assert_withdrawn(push, reason="expired", label="有效期届满", **surfaces)
    item = surfaces["client"].get("/api/v1/pushes", {"state": "withdrawn"}).json()["items"][0]
    assert item["withdrawn_on"] == (entry.valid_until + timedelta(days=1)).isoformat()

    # The existing expiry sweep announces the removal; the feed carries it once.
    assert list_sweeps.run(now=clock.now()) == {"到期移出事件": 1}
    assert list_sweeps.run(now=clock.now()) == {"到期移出事件": 0}
    pump()
    feed = api_client_for(surfaces["office_admin"]).get("/api/v1/feed", {"after": 0, "limit": 1000}).json()
    removed = [
        e for e in feed["events"] if e["type"] == "list_entry.removed" and e["data"]["entry_id"] == entry.pk
    ]
    assert [e["data"]["removal_reason"] for e in removed] == ["expired"]
    assert_withdrawn(push, reason="expired", label="有效期届满", **surfaces)


def test_in_force_push_stays_awaiting(pushed_entry, lixia, surfaces):
    """The control: nothing happened to the entry, so the push still owes feedback."""
    push = _push(pushed_entry(), lixia)
    assert exchange.push_status(push, today=clock.today()) == "待反馈"
    assert surfaces["client"].get("/api/v1/pushes").json()["items"][0]["withdrawn"] is False
    assert surfaces["client"].get("/api/v1/pushes", {"state": "withdrawn"}).json()["meta"]["total"] == 0
