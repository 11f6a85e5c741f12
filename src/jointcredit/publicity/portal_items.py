"""诚信宣传 on the portal 信用历下: its navigation link, the latest items on the home page and the
search provider, registered with the portal's plug-in points (the portal knows no domain app)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jointcredit.common.portal_registry import (
    SEARCH_COUNT_CAP,
    HomeBlock,
    SearchResults,
    register_home_block,
    register_portal_nav,
    register_search_provider,
)

from . import selectors
from .models import Article

HOME_ITEMS = 6


def article_url(article: Article) -> str:
    return reverse("publicity_public:detail", args=[article.pk])


def _item(article: Article) -> dict:
    subject = selectors.public_subject(article)
    fields = [("栏目", article.get_kind_display()), ("发布单位", article.department.name)]
    if subject:
        fields.append(("相关主体", subject["name"]))
    return {
        "title": article.title,
        "url": article_url(article),
        "subtitle": f"{article.get_kind_display()} · {timezone.localtime(article.publish_at):%Y-%m-%d}",
        "fields": fields,
        "tags": [],
    }


def search_articles(q: str, page: int, page_size: int) -> SearchResults:
    qs = selectors.public_article_search(q)
    total = qs[: SEARCH_COUNT_CAP + 1].count()
    start = (page - 1) * page_size
    items = [_item(a) for a in qs[start : start + page_size]] if start < SEARCH_COUNT_CAP else []
    return SearchResults(items=items, total=min(total, SEARCH_COUNT_CAP), capped=total > SEARCH_COUNT_CAP)


def latest_block() -> HomeBlock | None:
    articles = list(selectors.public_articles()[:HOME_ITEMS])
    if not articles:
        return None
    return HomeBlock(items=[_item(a) for a in articles], more_url=reverse("publicity_public:index"))


def register() -> None:
    register_portal_nav("publicity", "诚信宣传", "publicity_public:index", order=60)
    register_home_block("publicity", "诚信宣传", latest_block, order=60)
    register_search_provider("publicity", "诚信宣传", search_articles, order=60)
