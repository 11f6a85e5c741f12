"""Staff pages: inbox, feedback form, import, subscriptions with redelivery, dashboard and cases export."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from jointcredit.accounts.models import Role
from jointcredit.common import clock

from ..models import Delivery, DeliveryStatus, Feedback, Subscription
from .factories import entry_publish, food_safety_setup

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_inbox_form_and_import_pages(lixia, user_factory, department_factory):
    list_type = food_safety_setup(lixia)
    entry = entry_publish(list_type, lixia["scjgj"])
    clerk = user_factory(lixia["xzsp"], roles=[Role.CLERK])
    client = login(clerk)
    home = client.get("/staff/")
    assert "待执行反馈" in home.content.decode()
    page = client.get("/staff/exchange/inbox/").content.decode()
    assert entry.subject_name in page and "从严审核行政许可" in page
    push_id = entry.pushes.get(department=lixia["xzsp"]).pk
    bad = client.post(
        f"/staff/exchange/inbox/{push_id}/",
        {
            "measure": "strict-licensing",
            "result": "not_applicable",
            "handled_on": clock.today().isoformat(),
        },
    )
    assert "必须填写理由" in bad.content.decode() and Feedback.objects.count() == 0
    ok = client.post(
        f"/staff/exchange/inbox/{push_id}/",
        {
            "measure": "strict-licensing",
            "result": "punished",
            "matter_name": "食品经营许可证新办",
            "matter_document_no": '=HYPERLINK("x")',
            "handled_on": clock.today().isoformat(),
        },
    )
    assert ok.status_code == 302 and Feedback.objects.count() == 1
    csv_text = (
        "名单条目编号,措施代码,事项名称,文号,反馈结果,理由,实施日期\n"
        f"{entry.pk},key-supervision,,,未涉及,,{clock.today().isoformat()}\n"
    )
    f = io.BytesIO(csv_text.encode("utf-8-sig"))
    f.name = "feedback.csv"
    imported = client.post("/staff/exchange/feedback/import/", {"file": f})
    assert "已导入 1 条" in imported.content.decode()
    # The initiating department sees who responded but cannot answer for the receiver.
    initiator = login(user_factory(lixia["scjgj"], roles=[Role.CLERK])).get(
        f"/staff/exchange/inbox/{push_id}/"
    )
    assert initiator.status_code == 200 and "提交反馈" not in initiator.content.decode()
    # A department that was neither told nor initiated it does not even learn that it exists.
    outsider = user_factory(department_factory("wlj", "区文旅局", is_cooperating=False), roles=[Role.CLERK])
    assert login(outsider).get(f"/staff/exchange/inbox/{push_id}/").status_code == 404


def test_subscriptions_pages_and_office_dashboard(lixia, user_factory, office_admin):
    list_type = food_safety_setup(lixia)
    admin = user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN, Role.CLERK])
    client = login(admin)
    created = client.post(
        "/staff/exchange/subscriptions/",
        {"name": "审批系统", "url": "https://hooks.example.cn/jc", "event_kinds": ["list_entry.published"]},
    )
    sub = Subscription.objects.get()
    assert sub.secret in created.content.decode()  # shown once
    assert sub.secret not in client.get("/staff/exchange/subscriptions/").content.decode()
    entry = entry_publish(list_type, lixia["scjgj"])
    Delivery.objects.update(status=DeliveryStatus.DEAD, last_status_code=500)
    delivery = Delivery.objects.get()
    detail = client.get(f"/staff/exchange/subscriptions/{sub.pk}/?status=dead").content.decode()
    assert str(delivery.event_id) in detail
    assert client.post(f"/staff/exchange/deliveries/{delivery.pk}/redeliver/").status_code == 302
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    from ..services import feedback_create

    feedback_create(
        actor=user_factory(lixia["czj"], roles=[Role.CLERK]),
        entry_id=entry.pk,
        measure="limit-funding",
        result="punished",
        matter_name="专项资金申报",
        matter_document_no="=cmd|' /C calc'!A0",
        handled_on=clock.today(),
    )
    office = login(office_admin)
    dash = office.get("/staff/exchange/dashboard/").content.decode()
    assert "区财政局" in dash and "<svg" in dash and "100.0%" in dash
    assert "仅信用办管理员" in client.get("/staff/exchange/dashboard/").content.decode()
    export = office.get("/staff/exchange/cases/?format=csv")
    text = b"".join(export.streaming_content if export.streaming else [export.content]).decode("utf-8-sig")
    assert "专项资金申报" in text and "'=cmd" in text  # formula injection neutralised
