"""The editorial workflow: a department drafts and submits, 区委宣传部 or the credit office reviews,
publishes and withdraws; every step audited; others' drafts stay invisible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jointcredit.common.workbench_registry import todo_for
from jointcredit.publicity import selectors, services
from jointcredit.publicity.models import ArticleState

pytestmark = pytest.mark.django_db


def _draft(actor, **data):
    data = {"title": "纳税信用 A 级纳税人名单公告", "body_html": "<p>现将名单公告如下。</p>"} | data
    return services.article_create(actor=actor, kind="notice", **data)


def test_full_workflow_is_audited(author, reviewer):
    article = _draft(author)
    assert article.state == ArticleState.DRAFT and article.department == author.department
    services.article_submit(actor=author, article=article)
    services.article_return(actor=reviewer, article=article, note="请补充名单附件的说明。")
    article.refresh_from_db()
    assert article.state == ArticleState.RETURNED and article.review_note == "请补充名单附件的说明。"
    services.article_update(actor=author, article=article, summary="附名单及评价依据。")
    services.article_submit(actor=author, article=article)
    services.article_publish(actor=reviewer, article=article)
    services.article_withdraw(actor=reviewer, article=article, reason="名单有更正，撤回待更新。")
    services.article_reopen(actor=author, article=article)
    article.refresh_from_db()
    assert article.state == ArticleState.DRAFT
    actions = list(
        AuditEvent.objects.filter(object_type="publicity.article", object_id=str(article.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "publicity_article.create",
        "publicity_article.submit",
        "publicity_article.return",
        "publicity_article.update",
        "publicity_article.submit",
        "publicity_article.publish",
        "publicity_article.withdraw",
        "publicity_article.reopen",
    ]
    publish = AuditEvent.objects.get(object_id=str(article.pk), action="publicity_article.publish")
    assert publish.before["state"] == "submitted" and publish.after["state"] == "published"
    assert publish.actor == reviewer


def test_a_department_cannot_publish_its_own_article(author, swj_approver, xcb_clerk):
    article = _draft(author)
    services.article_submit(actor=author, article=article)
    for actor in (author, swj_approver, xcb_clerk):  # its own approver; a 宣传部 clerk is no reviewer
        with pytest.raises(PermissionDenied, match="区委宣传部的审批人或信用办管理员"):
            services.article_publish(actor=actor, article=article)
    with pytest.raises(PermissionDenied):
        services.article_withdraw(actor=swj_approver, article=article, reason="x")
    article.refresh_from_db()
    assert article.state == ArticleState.SUBMITTED


def test_reviewers_are_the_office_and_the_configured_departments(
    author, office_admin, user_factory, settings, lixia
):
    article = _draft(author)
    services.article_submit(actor=author, article=article)
    article = services.article_publish(actor=office_admin, article=article)
    assert article.state == ArticleState.PUBLISHED
    # the reviewing departments are a setting: 区文明办 instead of 区委宣传部
    settings.JOINTCREDIT_PUBLICITY_REVIEWERS = ("czj",)
    czj_approver = user_factory(lixia["czj"], roles=[Role.APPROVER])
    other = _draft(author)
    services.article_submit(actor=author, article=other)
    other = services.article_publish(actor=czj_approver, article=other)
    assert other.state == ArticleState.PUBLISHED


def test_only_the_own_department_writes(author, other_clerk):
    article = _draft(author)
    with pytest.raises(PermissionDenied, match="只能操作本部门"):
        services.article_update(actor=other_clerk, article=article, title="改标题")
    with pytest.raises(PermissionDenied):
        services.article_submit(actor=other_clerk, article=article)


def test_others_drafts_are_invisible(author, other_clerk, reviewer, xcb_clerk):
    draft = _draft(author)
    submitted = _draft(author, title="诚信宣传月活动安排")
    services.article_submit(actor=author, article=submitted)
    own_of_reviewer = _draft(xcb_clerk, title="宣传部自己的草稿")
    with pytest.raises(NotFound):
        selectors.article_get(user=other_clerk, pk=draft.pk)
    assert not selectors.article_filter(user=other_clerk).exists()
    # reviewers see what was submitted to them and their own department's drafts, never others' drafts
    seen = set(selectors.article_filter(user=reviewer).values_list("pk", flat=True))
    assert seen == {submitted.pk, own_of_reviewer.pk}
    with pytest.raises(NotFound):
        selectors.article_get(user=reviewer, pk=draft.pk)
    assert set(selectors.article_filter(user=author).values_list("pk", flat=True)) == {draft.pk, submitted.pk}


def test_illegal_steps_conflict_with_the_current_state(author, reviewer):
    article = _draft(author)
    with pytest.raises(Conflict) as exc:
        services.article_publish(actor=reviewer, article=article)
    assert exc.value.details[0]["current_state"] == "draft"
    services.article_submit(actor=author, article=article)
    with pytest.raises(Conflict, match="只有草稿或退回修改的稿件可以修改"):
        services.article_update(actor=author, article=article, title="新标题")
    with pytest.raises(ValidationFailed, match="退回意见"):
        services.article_return(actor=reviewer, article=article, note="  ")


def test_publish_at_in_the_past_is_refused(author, reviewer):
    article = _draft(author)
    services.article_submit(actor=author, article=article)
    with pytest.raises(ValidationFailed, match="不能早于当前时间"):
        services.article_publish(actor=reviewer, article=article, publish_at=clock.now() - timedelta(hours=2))


def test_reviewer_todo_counts_submitted_articles(author, reviewer, other_clerk, client):
    for n in range(3):
        article = _draft(author, title=f"通知 {n}")
        if n < 2:
            services.article_submit(actor=author, article=article)
    card = todo_for("publicity_awaiting_review", reviewer)
    assert card["count"] == 2 and "state=submitted" in card["url"]
    assert todo_for("publicity_awaiting_review", other_clerk) is None
    client.force_login(reviewer)
    page = client.get(card["url"]).content.decode()
    assert (
        page.count('href="/staff/publicity/')
        - page.count('href="/staff/publicity/new')
        - page.count('href="/staff/publicity/images')
        >= 2
    )
    assert "通知 0" in page and "通知 1" in page and "通知 2" not in page


def test_activity_fields_and_report_afterwards(xcb_clerk, reviewer):
    today = clock.today()
    data = {
        "title": "社区道德讲堂",
        "body_html": "<p>欢迎居民参加。</p>",
        "venue_kind": "community",
        "activity_form": "moral_lecture",
        "activity_date": today + timedelta(days=7),
        "organiser": "区委宣传部",
        "place": "某街道新时代文明实践站",
    }
    with pytest.raises(ValidationFailed, match="活动形式"):
        services.article_create(actor=xcb_clerk, kind="activity", **(data | {"activity_form": "concert"}))
    with pytest.raises(ValidationFailed, match="只能在活动日期之后"):
        services.article_create(actor=xcb_clerk, kind="activity", **(data | {"report_html": "<p>已举办</p>"}))
    with pytest.raises(ValidationFailed, match="只有诚信教育活动"):
        services.article_create(actor=xcb_clerk, kind="notice", title="通知", place="某地")
    article = services.article_create(actor=xcb_clerk, kind="activity", **data)
    services.article_submit(actor=xcb_clerk, article=article)
    services.article_publish(actor=reviewer, article=article)
    with pytest.raises(ValidationFailed, match="只能在活动日期之后"):
        services.article_report_add(actor=xcb_clerk, article=article, report_html="<p>x</p>")
    article.refresh_from_db()
    article.activity_date = today - timedelta(days=1)
    article.save()
    services.article_report_add(
        actor=xcb_clerk, article=article, report_html="<p onclick='x()'>120 人参加。</p>"
    )
    article.refresh_from_db()
    assert article.report_html == "<p>120 人参加。</p>"
    assert AuditEvent.objects.filter(
        object_id=str(article.pk), action="publicity_article.report_add"
    ).exists()
