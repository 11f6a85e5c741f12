"""Reads of 诚信宣传: the staff lists (rights-filtered) and what the portal shows.

Visibility on the portal is derived on every read (ADR 0039): 已发布, ``publish_at`` reached, and —
for stories and cases — the linked list entry still in force today. A story therefore leaves the
portal the day its red-list entry expires or is removed, without a sweep.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, QuerySet

from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.pagination import Page, paginate
from jointcredit.exchange.models import Feedback, FeedbackResult
from jointcredit.lists.selectors import effective_q
from jointcredit.subjects import privacy

from .html import plain_text
from .models import EDITABLE_STATES, Article, ArticleKind, ArticleState
from .rules import is_reviewer

MAX_QUERY = 100


def _articles() -> QuerySet[Article]:
    return Article.objects.select_related(
        "department", "list_entry", "list_entry__subject", "list_entry__list_type", "reviewed_by"
    )


# --- staff ------------------------------------------------------------------------------------------
def staff_visible_q(user) -> Q:
    """A department sees its own articles in every state; reviewers also see every other
    department's articles once submitted (others' drafts stay with their authors)."""
    own = Q(department_id=user.department_id) if user.department_id else Q(pk__in=[])
    if is_reviewer(user):
        return own | ~Q(state__in=EDITABLE_STATES)
    return own


def article_filter(
    *,
    user,
    kind: str | None = None,
    state: str | None = None,
    department: str | None = None,
    q: str | None = None,
) -> QuerySet[Article]:
    """The staff list (and the reviewers' to-do card, which counts this very queryset)."""
    qs = _articles().filter(staff_visible_q(user))
    if kind:
        if kind not in ArticleKind.values:
            raise ValidationFailed.single(
                "kind", "choice", "栏目（kind）必须是 " + "、".join(ArticleKind.values) + " 之一。"
            )
        qs = qs.filter(kind=kind)
    if state:
        if state not in ArticleState.values:
            raise ValidationFailed.single(
                "state", "choice", "状态（state）必须是 " + "、".join(ArticleState.values) + " 之一。"
            )
        qs = qs.filter(state=state)
    if department:
        qs = qs.filter(department__code=department)
    if q:
        qs = qs.filter(title__icontains=q.strip()[:MAX_QUERY])
    return qs.order_by("-updated_at", "-id")


def article_list(*, user, page: int = 1, page_size: int = 20, **filters) -> Page:
    return paginate(article_filter(user=user, **filters), page=page, page_size=page_size)


def article_get(*, user, pk: int) -> Article:
    article = _articles().filter(pk=pk).filter(staff_visible_q(user)).first()
    if article is None:
        raise NotFound(f"宣传稿件 {pk} 不存在或无权查看。")
    return article


def awaiting_review_filters(user) -> dict | None:
    """The reviewers' to-do: submitted articles (None for anyone who does not review)."""
    return {"state": ArticleState.SUBMITTED} if is_reviewer(user) else None


def display_status(article: Article, *, now: datetime | None = None, today: date | None = None) -> str:
    """The status a person reads: the stored state, and for published articles what the dates and
    the linked entry make of it."""
    if article.state != ArticleState.PUBLISHED:
        return article.get_state_display()
    now = now or clock.now()
    if article.publish_at and article.publish_at > now:
        return "定时发布（待发布）"
    if article.list_entry_id and not _entry_in_force(article, today or clock.today()):
        return "已下线（关联名单已移出）"
    return "已发布"


def _entry_in_force(article: Article, today: date) -> bool:
    return Article.objects.filter(pk=article.pk).filter(effective_q(today, "list_entry__")).exists()


# --- public -----------------------------------------------------------------------------------------
def public_q(*, now: datetime, today: date) -> Q:
    """On the portal now: published, publish time reached, linked entry (if any) in force today."""
    return Q(state=ArticleState.PUBLISHED, publish_at__lte=now) & (
        Q(list_entry__isnull=True) | effective_q(today, "list_entry__")
    )


def public_articles(kind: str | None = None) -> QuerySet[Article]:
    qs = _articles().filter(public_q(now=clock.now(), today=clock.today()))
    if kind:
        if kind not in ArticleKind.values:
            raise NotFound("没有这个宣传栏目。")
        qs = qs.filter(kind=kind)
    return qs.order_by("-publish_at", "-id")


def public_article_list(*, kind: str | None = None, page: int = 1, page_size: int = 20) -> Page:
    return paginate(public_articles(kind), page=page, page_size=page_size)


def public_article_get(pk: int) -> Article:
    article = public_articles().filter(pk=pk).first()
    if article is None:
        raise NotFound("该宣传信息不存在或已下线。")
    return article


def public_article_search(q: str) -> QuerySet[Article]:
    q = " ".join((q or "").split())
    if len(q) > MAX_QUERY:
        raise ValidationFailed.single("q", "max_length", f"查询内容不能超过 {MAX_QUERY} 个字符。")
    # The text of an article, or the name of the subject it is about: organisations by fragment,
    # natural persons only by their full name (subjects.privacy, as every public search).
    about = privacy.name_match(
        q, name_field="list_entry__subject_name", kind_field="list_entry__subject_kind"
    )
    return public_articles().filter(
        Q(title__icontains=q) | Q(summary__icontains=q) | Q(body_html__icontains=q) | about
    )


def case_measures(article: Article) -> list[dict]:
    """The measures the cooperating departments reported applying to the case's entry (执行反馈:
    惩戒 or 激励 actually applied), without the free-text reason, which may name persons."""
    if article.kind != ArticleKind.CASE or not article.list_entry_id:
        return []
    rows = (
        Feedback.objects.filter(
            entry_id=article.list_entry_id, result__in=[FeedbackResult.PUNISHED, FeedbackResult.REWARDED]
        )
        .select_related("measure", "department")
        .order_by("handled_on", "id")
    )
    return [
        {
            "measure": f.measure.name,
            "kind": f.get_result_display(),
            "department": f.department.name,
            "handled_on": f.handled_on,
        }
        for f in rows
    ]


def public_subject(article: Article) -> dict | None:
    """The linked subject as the portal may show it: natural persons masked (``subjects.privacy``)."""
    entry = article.list_entry
    if entry is None:
        return None
    return {
        "name": privacy.public_name_of(entry.subject_name, entry.subject.kind),
        "identifier": privacy.public_identifier(entry.subject),
        "kind": entry.subject.get_kind_display(),
        "list_type": entry.list_type.name,
        "color": entry.list_type.color,
        "valid_until": entry.valid_until,
    }


def public_article_out(article: Article, *, full: bool = True) -> dict:
    out = {
        "id": article.pk,
        "kind": article.kind,
        "kind_label": article.get_kind_display(),
        "title": article.title,
        "summary": article.summary or plain_text(article.body_html)[:120],
        "department": article.department.name,
        "published_at": article.publish_at,
        "subject": public_subject(article),
    }
    if article.kind == ArticleKind.ACTIVITY:
        out["activity"] = {
            "venue_kind": article.get_venue_kind_display(),
            "form": article.get_activity_form_display(),
            "date": article.activity_date,
            "organiser": article.organiser,
            "place": article.place,
        }
    if full:
        out["body_html"] = article.body_html
        out["report_html"] = article.report_html
        out["measures"] = case_measures(article)
    return out
