"""Staff pages, printable notices and public list pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from jointcredit.lists import services
from jointcredit.lists.models import ListEntry

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_staff_create_and_walk_the_lifecycle_through_pages(
    types, scjgj_clerk, scjgj_approver, company, today
):
    clerk = _client(scjgj_clerk)
    assert "拟列入" in clerk.get("/staff/lists/").content.decode()
    form = clerk.get("/staff/lists/new/").content.decode()
    assert (
        "black_health_safety" in form and "red_moral_model" not in form
    )  # 区委宣传部 type not offered to scjgj
    response = clerk.post(
        "/staff/lists/new/",
        {
            "list_type": "black_health_safety",
            "identifier": company.identifier,
            "name": company.name,
            "reason": "使用过期食品原料",
            "legal_basis": "",
            "document_no": "",
            "decided_on": "",
            "valid_until": "",
        },
    )
    entry = ListEntry.objects.get()
    assert response.status_code == 302 and response.url == f"/staff/lists/{entry.pk}/"
    detail = clerk.get(response.url).content.decode()
    assert "送达告知书" in detail and "发布并推送" not in detail
    clerk.post(
        f"/staff/lists/{entry.pk}/notify/",
        {"notified_on": (today - timedelta(days=30)).isoformat(), "statement_working_days": "5"},
    )
    entry.refresh_from_db()
    assert entry.state == "notified"

    approver = _client(scjgj_approver)
    approver.post(f"/staff/lists/{entry.pk}/decide/", {})
    approver.post(f"/staff/lists/{entry.pk}/publish/")
    entry.refresh_from_db()
    assert entry.state == "published"
    page = approver.get(f"/staff/lists/{entry.pk}/").content.decode()
    assert "名单条目 · 发布 → 已发布" in page and "决定书" in page
    # A refused step shows the service's message instead of failing.
    resp = approver.post(f"/staff/lists/{entry.pk}/publish/", follow=True)
    assert "不能发布" in resp.content.decode()


def test_clerk_form_errors_are_shown(types, scjgj_clerk, company):
    page = _client(scjgj_clerk).post(
        "/staff/lists/new/",
        {"list_type": "black_health_safety", "identifier": "9137", "name": company.name, "reason": "x"},
    )
    assert page.status_code == 200 and "18 位" in page.content.decode()


def test_notice_and_decision_documents(black_published, scjgj_clerk):
    entry = black_published()
    c = _client(scjgj_clerk)
    notice = c.get(f"/staff/lists/{entry.pk}/documents/notice.html").content.decode()
    assert "列入告知书" in notice and entry.notice_no in notice and "陈述、申辩" in notice
    decision = c.get(f"/staff/lists/{entry.pk}/documents/decision.html").content.decode()
    assert "列入决定书" in decision and entry.document_no in decision
    pdf = c.get(f"/staff/lists/{entry.pk}/documents/decision.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"


def test_decision_document_absent_before_decision(black_draft, scjgj_clerk):
    entry = black_draft()
    assert _client(scjgj_clerk).get(f"/staff/lists/{entry.pk}/documents/decision.html").status_code == 404


def test_workbench_todo_counts_drafts_for_clerk_and_decisions_for_approver(
    black_draft, scjgj_clerk, scjgj_approver, today
):
    from jointcredit.lists.todos import entries_awaiting_todo

    entry = black_draft()
    assert entries_awaiting_todo(scjgj_clerk)["count"] == 1
    assert entries_awaiting_todo(scjgj_approver) is None
    services.list_entry_notify(entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=30))
    assert entries_awaiting_todo(scjgj_approver)["count"] == 1


def test_public_pages_mask_and_hide_removed(red_published, black_published, person, company, swj_approver):
    from jointcredit.subjects.tests.factories import CompanyFactory

    red = red_published(person, reason="全市诚信道德模范")
    black = black_published(CompanyFactory(name="济南恒通建筑工程有限公司"))
    anon = Client()
    red_page = anon.get("/lists/red/").content.decode()
    assert "王**" in red_page and "王建国" not in red_page and person.identifier not in red_page
    black_page = anon.get("/lists/black/").content.decode()
    assert "济南恒通建筑工程有限公司" in black_page
    detail = anon.get(f"/lists/entries/{black.pk}/").content.decode()
    assert "认定依据" in detail and str(black.valid_until) in detail
    services.list_entry_remove(entry=red, actor=swj_approver, reason="revoked")
    assert "王**" not in anon.get("/lists/red/").content.decode()
    assert anon.get(f"/lists/entries/{red.pk}/").status_code == 404
