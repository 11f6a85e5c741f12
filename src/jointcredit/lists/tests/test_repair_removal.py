"""An entry that is only 已告知 (notified, never listed or published) cannot be removed for 信用修复
(issue #19 §5): the service refuses naming the rule, the API answers 422 with it, and the entry page
does not offer the option (it says why) — a published entry past its minimum period does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from jointcredit.common.errors import ValidationFailed
from jointcredit.lists import services
from jointcredit.lists.models import EntryState, ListType

pytestmark = pytest.mark.django_db

RULE_TEXT = "信用修复只适用于已发布的黑名单条目"


@pytest.fixture
def notified(black_draft, scjgj_clerk, today):
    def make():
        entry = black_draft()
        return services.list_entry_notify(
            entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=2)
        )

    return make


def _remove_form(page: str) -> str:
    start = page.index("<h2>移出</h2>")
    return page[start : page.index("</section>", start)]


def test_the_service_refuses_repair_of_a_notified_entry(notified, scjgj_approver):
    entry = notified()
    with pytest.raises(ValidationFailed) as exc:
        services.list_entry_remove(entry=entry, actor=scjgj_approver, reason="repaired")
    detail = exc.value.details[0]
    assert (detail["field"], detail["rule"]) == ("reason", "published_only")
    assert "条目当前状态为“已告知”" in exc.value.message and RULE_TEXT in exc.value.message
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED
    # The ways out that fit an entry never listed stay open.
    entry = services.list_entry_remove(
        entry=entry, actor=scjgj_approver, reason="revoked", note="陈述申辩成立"
    )
    assert entry.state == EntryState.REMOVED and entry.removal_reason == "revoked"


def test_the_api_answers_422_naming_the_rule(notified, scjgj_approver, api_client_for):
    entry = notified()
    r = api_client_for(scjgj_approver).post(f"/api/v1/list-entries/{entry.pk}/remove", {"reason": "repaired"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["details"][0]["rule"] == "published_only" and RULE_TEXT in error["message"]
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED


def test_the_page_hides_repair_for_a_notified_entry_and_refuses_a_forged_post(notified, scjgj_approver):
    entry = notified()
    client = Client()
    client.force_login(scjgj_approver)
    form = _remove_form(client.get(f"/staff/lists/{entry.pk}/").content.decode())
    assert 'value="revoked"' in form and 'value="repaired"' not in form
    assert "不可选“信用修复”" in form and RULE_TEXT in form

    page = client.post(
        f"/staff/lists/{entry.pk}/remove/", {"reason": "repaired"}, follow=True
    ).content.decode()
    assert RULE_TEXT in page
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED


def test_a_published_entry_past_its_minimum_period_offers_repair(black_published, scjgj_approver):
    entry = black_published()
    ListType.objects.filter(pk=entry.list_type_id).update(min_repair_days=0)
    client = Client()
    client.force_login(scjgj_approver)
    form = _remove_form(client.get(f"/staff/lists/{entry.pk}/").content.decode())
    assert 'value="repaired"' in form and "不可选" not in form
    client.post(f"/staff/lists/{entry.pk}/remove/", {"reason": "repaired", "note": "已履行并整改"})
    entry.refresh_from_db()
    assert entry.state == EntryState.REMOVED and entry.removal_reason == "repaired"
