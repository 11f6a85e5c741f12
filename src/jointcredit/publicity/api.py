"""/api/v1/publicity (staff: drafting and the editorial workflow) and /api/public/v1/publicity (the
published articles, as the portal shows them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common.schemas import PageNumber, PageSize, one_of

from . import selectors, services
from .models import Article, ArticleImage, ArticleKind, ArticleState

PREFIX = "/publicity"
PUBLIC_PREFIX = "/publicity"
router = Router(tags=["诚信宣传"])
public_router = Router(tags=["诚信宣传公示"])

if TYPE_CHECKING:  # Literals built at run time from the model choices (the OpenAPI enums)
    KindFilter = str
    StateFilter = str
    KindCode = str
else:
    KindFilter = one_of(ArticleKind.values, blank=True)
    StateFilter = one_of(ArticleState.values, blank=True)
    KindCode = one_of(ArticleKind.values)


class ArticleIn(Schema):
    kind: KindCode
    title: str
    summary: str = ""
    body_html: str = ""
    list_entry_id: int | None = None
    venue_kind: str = ""
    activity_form: str = ""
    activity_date: date | None = None
    organiser: str = ""
    place: str = ""
    report_html: str = ""


class ArticlePatch(Schema):
    title: str | None = None
    summary: str | None = None
    body_html: str | None = None
    list_entry_id: int | None = None
    venue_kind: str | None = None
    activity_form: str | None = None
    activity_date: date | None = None
    organiser: str | None = None
    place: str | None = None
    report_html: str | None = None


class ArticlePublishIn(Schema):
    publish_at: datetime | None = None
    note: str = ""


class ArticleReturnIn(Schema):
    note: str


class ArticleWithdrawIn(Schema):
    reason: str


class ActivityReportIn(Schema):
    report_html: str


class ArticleOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    summary: str
    body_html: str
    department: str
    state: str
    state_label: str
    status_label: str
    list_entry_id: int | None
    venue_kind: str
    activity_form: str
    activity_date: date | None
    organiser: str
    place: str
    report_html: str
    publish_at: datetime | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    review_note: str
    withdrawn_at: datetime | None
    withdrawal_reason: str
    created_at: datetime
    updated_at: datetime


class ArticlePage(Schema):
    items: list[ArticleOut]
    page: int
    page_size: int
    total: int
    pages: int


class ArticleImageOut(Schema):
    id: int
    url: str
    content_type: str
    width: int
    height: int
    size: int


class PublicSubjectOut(Schema):
    name: str
    identifier: str
    kind: str
    list_type: str
    color: str
    valid_until: date | None


class PublicActivityOut(Schema):
    venue_kind: str
    form: str
    date: date | None
    organiser: str
    place: str


class PublicMeasureOut(Schema):
    measure: str
    kind: str
    department: str
    handled_on: date


class PublicArticleOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    summary: str
    department: str
    published_at: datetime | None
    subject: PublicSubjectOut | None
    activity: PublicActivityOut | None = None
    body_html: str | None = None
    report_html: str | None = None
    measures: list[PublicMeasureOut] | None = None


class PublicArticlePage(Schema):
    items: list[PublicArticleOut]
    page: int
    page_size: int
    total: int
    pages: int


def article_out(a: Article) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "title": a.title,
        "summary": a.summary,
        "body_html": a.body_html,
        "department": a.department.code,
        "state": a.state,
        "state_label": a.get_state_display(),
        "status_label": selectors.display_status(a),
        "list_entry_id": a.list_entry_id,
        "venue_kind": a.venue_kind,
        "activity_form": a.activity_form,
        "activity_date": a.activity_date,
        "organiser": a.organiser,
        "place": a.place,
        "report_html": a.report_html,
        "publish_at": a.publish_at,
        "submitted_at": a.submitted_at,
        "reviewed_at": a.reviewed_at,
        "review_note": a.review_note,
        "withdrawn_at": a.withdrawn_at,
        "withdrawal_reason": a.withdrawal_reason,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def image_out(image: ArticleImage) -> dict:
    return {
        "id": image.pk,
        "url": image.file.url,
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
        "size": image.size,
    }


def _get(request, article_id: int) -> Article:
    return selectors.article_get(user=request.auth, pk=article_id)


@router.get(
    "/articles",
    response=ArticlePage,
    summary="宣传稿件列表（本部门的稿件；审核部门另见各部门已提交的稿件）",
)
def article_list(
    request,
    kind: KindFilter = "",
    state: StateFilter = "",
    department: str = "",
    q: str = "",
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    ensure_can_view(request.auth)
    result = selectors.article_list(
        user=request.auth,
        kind=kind or None,
        state=state or None,
        department=department or None,
        q=q or None,
        page=page,
        page_size=page_size,
    )
    return {"items": [article_out(a) for a in result.items], **result.as_meta()}


@router.post("/articles", response={201: ArticleOut}, summary="起草宣传稿件（草稿）")
def article_create(request, payload: ArticleIn):
    data = payload.dict()
    article = services.article_create(actor=request.auth, kind=data.pop("kind"), **data)
    return Status(201, article_out(article))


@router.get("/articles/{article_id}", response=ArticleOut, summary="宣传稿件详情")
def article_detail(request, article_id: int):
    ensure_can_view(request.auth)
    return article_out(_get(request, article_id))


@router.patch("/articles/{article_id}", response=ArticleOut, summary="修改草稿或退回修改的稿件")
def article_update(request, article_id: int, payload: ArticlePatch):
    data = payload.dict(exclude_unset=True)
    return article_out(services.article_update(actor=request.auth, article=_get(request, article_id), **data))


@router.post("/articles/{article_id}/submit", response=ArticleOut, summary="提交审核")
def article_submit(request, article_id: int):
    return article_out(services.article_submit(actor=request.auth, article=_get(request, article_id)))


@router.post(
    "/articles/{article_id}/publish",
    response=ArticleOut,
    summary="审核通过并发布（区委宣传部或信用办；publish_at 在将来为定时发布）",
)
def article_publish(request, article_id: int, payload: ArticlePublishIn):
    return article_out(
        services.article_publish(
            actor=request.auth,
            article=_get(request, article_id),
            publish_at=payload.publish_at,
            note=payload.note,
        )
    )


@router.post("/articles/{article_id}/return", response=ArticleOut, summary="退回修改（须写明意见）")
def article_return(request, article_id: int, payload: ArticleReturnIn):
    return article_out(
        services.article_return(actor=request.auth, article=_get(request, article_id), note=payload.note)
    )


@router.post("/articles/{article_id}/withdraw", response=ArticleOut, summary="撤回（从门户下线，须写明原因）")
def article_withdraw(request, article_id: int, payload: ArticleWithdrawIn):
    return article_out(
        services.article_withdraw(
            actor=request.auth, article=_get(request, article_id), reason=payload.reason
        )
    )


@router.post("/articles/{article_id}/reopen", response=ArticleOut, summary="撤回的稿件转为草稿")
def article_reopen(request, article_id: int):
    return article_out(services.article_reopen(actor=request.auth, article=_get(request, article_id)))


@router.post("/articles/{article_id}/report", response=ArticleOut, summary="填写诚信教育活动的活动报道")
def article_report(request, article_id: int, payload: ActivityReportIn):
    return article_out(
        services.article_report_add(
            actor=request.auth, article=_get(request, article_id), report_html=payload.report_html
        )
    )


@router.post("/images", response={201: ArticleImageOut}, summary="上传宣传图片（PNG/JPEG/GIF，按内容识别）")
def image_upload(request, file: UploadedFile = File(...)):
    return Status(201, image_out(services.article_image_upload(actor=request.auth, upload=file)))


@public_router.get(
    "/articles",
    response=PublicArticlePage,
    summary="诚信宣传（已发布的稿件）",
    description="只返回当前在门户公开的稿件；关联名单条目移出或到期的稿件不再返回；自然人脱敏。",
)
def public_list(request, kind: KindFilter = "", page: PageNumber = 1, page_size: PageSize = 20):
    result = selectors.public_article_list(kind=kind or None, page=page, page_size=page_size)
    return {"items": [selectors.public_article_out(a, full=False) for a in result.items], **result.as_meta()}


@public_router.get("/articles/{article_id}", response=PublicArticleOut, summary="诚信宣传稿件详情")
def public_detail(request, article_id: int):
    return selectors.public_article_out(selectors.public_article_get(article_id))
