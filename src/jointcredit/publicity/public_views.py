"""诚信宣传 on the portal: the section's index, a list per kind, article pages and the Atom feed.
Only what ``selectors.public_articles`` lets through today; natural persons masked."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET

from jointcredit.common.errors import DomainError, NotFound
from jointcredit.common.params import int_or as _int

from . import selectors
from .models import ArticleKind

PAGE_SIZE = 20
INDEX_ITEMS = 5
FEED_ITEMS = 30


@require_GET
def index(request):
    sections = []
    for kind, label in ArticleKind.choices:
        articles = list(selectors.public_articles(kind)[:INDEX_ITEMS])
        sections.append(
            {
                "kind": kind,
                "label": label,
                "items": [selectors.public_article_out(a, full=False) for a in articles],
            }
        )
    return render(
        request, "publicity/public_index.html", {"sections": sections, "kinds": ArticleKind.choices}
    )


@require_GET
def article_list(request, kind: str):
    if kind not in ArticleKind.values:
        return render(request, "publicity/public_gone.html", {"message": "没有这个宣传栏目。"}, status=404)
    error, page = None, None
    try:
        page = selectors.public_article_list(
            kind=kind, page=_int(request.GET.get("page"), 1), page_size=PAGE_SIZE
        )
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "publicity/public_list.html",
        {
            "kind": kind,
            "title": ArticleKind(kind).label,
            "kinds": ArticleKind.choices,
            "page": page,
            "error": error,
            "items": [selectors.public_article_out(a, full=False) for a in page.items] if page else [],
        },
    )


@require_GET
def article_detail(request, pk: int):
    try:
        article = selectors.public_article_get(pk)
    except NotFound as exc:
        return render(request, "publicity/public_gone.html", {"message": exc.message}, status=404)
    return render(
        request,
        "publicity/public_detail.html",
        {"a": selectors.public_article_out(article), "kinds": ArticleKind.choices},
    )


class ArticleFeed(Feed):
    """Atom feed of the latest public articles (optionally of one kind: ``?kind=story``)."""

    feed_type = Atom1Feed
    title = "诚信宣传"
    subtitle = "诚信典型、奖惩案例、诚信教育活动、政策文件与通知公告"

    def get_object(self, request, *args, **kwargs):
        kind = request.GET.get("kind") or None
        if kind and kind not in ArticleKind.values:
            from django.http import Http404

            raise Http404("没有这个宣传栏目。")
        return kind

    def link(self, obj):
        return reverse("publicity_public:list", args=[obj]) if obj else reverse("publicity_public:index")

    def items(self, obj):
        return selectors.public_articles(obj)[:FEED_ITEMS]

    def item_title(self, item):
        return f"【{item.get_kind_display()}】{item.title}"

    def item_description(self, item):
        return selectors.public_article_out(item, full=False)["summary"]

    def item_link(self, item):
        return reverse("publicity_public:detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.publish_at

    def item_author_name(self, item):
        return item.department.name
