"""Demo 诚信宣传: a few stories about red-list entries, cases about entries whose measures were fed
back, education activities (one past, with its report; one coming), a policy document and a notice —
drafted by departments and reviewed by 区委宣传部, through the services (validation, audit)."""

from __future__ import annotations

from datetime import timedelta

from jointcredit.accounts.models import User
from jointcredit.common import clock
from jointcredit.common.errors import DomainError
from jointcredit.exchange.models import Feedback, FeedbackResult
from jointcredit.lists.models import ListColor, ListEntry
from jointcredit.lists.selectors import effective_q

from . import services
from .models import ActivityForm, ArticleKind, VenueKind

AFTER = ("lists", "exchange")

STORY_BODY = (
    "<p>该单位多年来坚持诚信经营，依法纳税，按时足额支付员工工资和供应商货款，未发生失信行为。</p>"
    "<h3>主要事迹</h3><ul><li>连续三年纳税信用评价为 A 级；</li><li>主动公开服务承诺，接受社会监督；</li>"
    "<li>积极参与社区志愿服务。</li></ul><p>经认定列入红名单，依法享受联合激励措施。</p>"
)
CASE_BODY = (
    "<p>当事人因严重失信行为被依法列入名单。名单发布后，相关部门依据联合奖惩备忘录在日常监管、"
    "行政审批和公共资源交易等环节实施了联合惩戒。</p><p>本案例表明，失信一处、处处受限。</p>"
)


def build(ctx) -> None:
    author = User.objects.filter(username="swj_clerk").first()
    reviewer = User.objects.filter(username="xcb_approver").first()
    xcb_clerk = User.objects.filter(username="xcb_clerk").first()
    if author is None or reviewer is None or xcb_clerk is None:
        return
    today = clock.today()
    made = 0

    def publish(article, *, days_ahead: int = 0):
        services.article_submit(actor=article.created_by, article=article)
        at = clock.now() + timedelta(days=days_ahead) if days_ahead else None
        services.article_publish(actor=reviewer, article=article, publish_at=at)

    red = list(
        ListEntry.objects.filter(effective_q(today), list_type__color=ListColor.RED)
        .select_related("subject")
        .order_by("pk")[:3]
    )
    for entry in red:
        try:
            story = services.article_create(
                actor=author,
                kind=ArticleKind.STORY,
                title=f"诚信典型：{entry.list_type.name}"
                if entry.subject.is_natural_person
                else f"诚信典型：{entry.subject_name}",
                summary="守信践诺、诚信经营的先进典型。",
                body_html=STORY_BODY,
                list_entry_id=entry.pk,
            )
            publish(story)
            made += 1
        except DomainError as exc:
            ctx.log(f"  诚信典型未生成：{exc.message}")
    punished = (
        Feedback.objects.filter(
            result=FeedbackResult.PUNISHED, entry__in=ListEntry.objects.filter(effective_q(today))
        )
        .values_list("entry_id", flat=True)
        .distinct()[:2]
    )
    for entry_id in punished:
        try:
            case = services.article_create(
                actor=xcb_clerk,
                kind=ArticleKind.CASE,
                title="联合惩戒案例：失信主体在多个领域受限",
                summary="名单发布后各部门依据备忘录实施联合惩戒的情况。",
                body_html=CASE_BODY,
                list_entry_id=entry_id,
            )
            publish(case)
            made += 1
        except DomainError as exc:
            ctx.log(f"  奖惩案例未生成：{exc.message}")
    past = services.article_create(
        actor=xcb_clerk,
        kind=ArticleKind.ACTIVITY,
        title="“诚信伴我成长”经典诵读进校园",
        summary="在历下区一所小学开展诚信主题经典诵读活动。",
        body_html="<p>活动以《论语》《弟子规》中关于诚信的篇章为主，组织学生诵读并讲述诚信故事。</p>",
        venue_kind=VenueKind.SCHOOL,
        activity_form=ActivityForm.CLASSICS_READING,
        activity_date=today - timedelta(days=10),
        organiser="区委宣传部、区教育和体育局",
        place="历下区某小学报告厅",
        report_html="<p>共有 320 名师生参加，12 个班级进行了诵读展示，评选出“诚信小标兵”20 名。</p>",
    )
    publish(past)
    coming = services.article_create(
        actor=xcb_clerk,
        kind=ArticleKind.ACTIVITY,
        title="社区道德讲堂：讲好身边的诚信故事",
        summary="邀请道德模范走进社区，分享诚信经营和守信践诺的经历。",
        body_html="<p>欢迎辖区居民和商户参加。</p>",
        venue_kind=VenueKind.COMMUNITY,
        activity_form=ActivityForm.MORAL_LECTURE,
        activity_date=today + timedelta(days=14),
        organiser="区委宣传部、区文明办",
        place="历下区某街道新时代文明实践站",
    )
    publish(coming)
    policy = services.article_create(
        actor=author,
        kind=ArticleKind.POLICY,
        title="关于进一步完善失信约束制度构建诚信建设长效机制的实施意见",
        summary="转发上级文件，明确失信行为认定、名单管理、惩戒措施和信用修复的规则。",
        body_html="<p>各部门要严格依法依规认定失信行为，规范严重失信主体名单管理，依法依规开展失信惩戒。</p>",
    )
    publish(policy)
    notice = services.article_create(
        actor=xcb_clerk,
        kind=ArticleKind.NOTICE,
        title="关于开展诚信宣传月活动的通知",
        summary="下月起在全区社区、学校、公益性文化单位开展诚信宣传月活动。",
        body_html="<p>请各单位结合实际，组织经典诵读、道德讲堂、论坛讲座、展览展示等活动。</p>",
    )
    publish(notice, days_ahead=3)  # 定时发布
    draft = services.article_create(
        actor=author,
        kind=ArticleKind.NOTICE,
        title="纳税信用 A 级纳税人名单公告（草稿）",
        body_html="<p>待审核。</p>",
    )
    services.article_submit(actor=author, article=draft)
    ctx.log(f"  诚信宣传稿件 {made + 5} 篇（另 1 篇待审核）")
