"""Writes of 诚信宣传: drafting, the editorial workflow (草稿 → 待审核 → 已发布 / 退回修改 → 已撤回) and
image uploads. Every step checks the actor's rights first and is audited in the same transaction.

No outbox event: articles are the portal's own content, not data the exchange feeds to other
systems (ADR 0039).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django_fsm import TransitionNotAllowed

from jointcredit.accounts.permissions import ensure_can_write
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jointcredit.lists.models import ListColor, ListEntry
from jointcredit.lists.selectors import effective_q

from . import images
from .html import plain_text, sanitize_html
from .models import (
    EDITABLE_STATES,
    ActivityForm,
    Article,
    ArticleImage,
    ArticleKind,
    ArticleState,
    VenueKind,
)
from .rules import ensure_no_person_named, ensure_reviewer

FIELD_LABELS = {
    "title": "标题（title）",
    "summary": "摘要（summary）",
    "body_html": "正文（body_html）",
    "report_html": "活动报道（report_html）",
}
EDITABLE_FIELDS = (
    "title",
    "summary",
    "body_html",
    "list_entry_id",
    "venue_kind",
    "activity_form",
    "activity_date",
    "organiser",
    "place",
    "report_html",
)


def article_snapshot(article: Article) -> dict[str, Any]:
    return {
        "kind": article.kind,
        "state": article.state,
        "title": article.title,
        "list_entry_id": article.list_entry_id,
        "publish_at": article.publish_at,
        "activity_date": article.activity_date,
        "review_note": article.review_note,
        "withdrawal_reason": article.withdrawal_reason,
    }


def _state_label(state: str) -> str:
    return dict(ArticleState.choices).get(state, state)


def _conflict(article: Article, message: str) -> Conflict:
    return Conflict(
        message,
        details=[
            {
                "field": "state",
                "rule": "transition",
                "current_state": article.state,
                "current_state_label": _state_label(article.state),
                "message": message,
            }
        ],
    )


def _lock(article: Article) -> Article:
    locked = (
        Article.objects.select_for_update(of=("self",))
        .select_related("department", "list_entry", "list_entry__subject", "list_entry__list_type")
        .filter(pk=article.pk)
        .first()
    )
    if locked is None:
        raise NotFound(f"宣传稿件 {article.pk} 不存在。")
    return locked


def _run(article: Article, transition: str) -> None:
    try:
        getattr(article, transition)()
    except TransitionNotAllowed:
        raise _conflict(article, f"稿件当前状态为“{_state_label(article.state)}”，不能执行该操作。") from None


def _required(value: str, field: str, label: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed.single(field, "required", f"{label}不能为空。")
    if max_length and len(value) > max_length:
        raise ValidationFailed.single(field, "max_length", f"{label}不能超过 {max_length} 个字符。")
    return value


def _choice(value: str, choices, field: str, label: str) -> str:
    if value not in choices.values:
        allowed = "、".join(f"{v}（{lbl}）" for v, lbl in choices.choices)
        raise ValidationFailed.single(field, "choice", f"{label}必须是 {allowed} 之一。")
    return value


def _entry_for(kind: str, list_entry_id: int | None) -> ListEntry | None:
    """Stories need a red-list entry in force; cases a published red or black entry (the measures
    applied to it come from the cooperating departments' feedback)."""
    if kind not in (ArticleKind.STORY, ArticleKind.CASE):
        if list_entry_id:
            raise ValidationFailed.single(
                "list_entry_id", "not_allowed", "只有诚信典型和奖惩案例可以关联名单条目（list_entry_id）。"
            )
        return None
    if not list_entry_id:
        raise ValidationFailed.single(
            "list_entry_id", "required", "诚信典型和奖惩案例必须关联一个名单条目（list_entry_id）。"
        )
    entry = (
        ListEntry.objects.select_related("subject", "list_type")
        .filter(pk=list_entry_id)
        .filter(effective_q(clock.today()))
        .first()
    )
    if entry is None:
        raise ValidationFailed.single(
            "list_entry_id", "in_force", f"名单条目 {list_entry_id} 不存在或当前不在公示期内。"
        )
    if kind == ArticleKind.STORY and entry.list_type.color != ListColor.RED:
        raise ValidationFailed.single(
            "list_entry_id", "red_list", "诚信典型只能关联红名单条目（list_entry_id）。"
        )
    return entry


def _clean(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise the editable fields of an article of ``kind``."""
    out: dict[str, Any] = {
        "title": _required(data.get("title", ""), "title", "标题（title）", 200),
        "summary": (data.get("summary") or "").strip(),
    }
    if len(out["summary"]) > 500:
        raise ValidationFailed.single("summary", "max_length", "摘要（summary）不能超过 500 个字符。")
    body = data.get("body_html") or ""
    if len(body) > 200_000:
        raise ValidationFailed.single("body_html", "max_length", "正文（body_html）不能超过 200000 个字符。")
    out["body_html"] = sanitize_html(body)
    entry = _entry_for(kind, data.get("list_entry_id"))
    out["list_entry"] = entry
    activity = kind == ArticleKind.ACTIVITY
    for field in ("venue_kind", "activity_form", "organiser", "place", "report_html"):
        if not activity and data.get(field):
            raise ValidationFailed.single(field, "not_allowed", f"只有诚信教育活动可以填写 {field}。")
    if not activity and data.get("activity_date"):
        raise ValidationFailed.single(
            "activity_date", "not_allowed", "只有诚信教育活动可以填写活动日期（activity_date）。"
        )
    if activity:
        out["venue_kind"] = _choice(
            data.get("venue_kind") or "", VenueKind, "venue_kind", "活动场所类型（venue_kind）"
        )
        out["activity_form"] = _choice(
            data.get("activity_form") or "", ActivityForm, "activity_form", "活动形式（activity_form）"
        )
        activity_date = data.get("activity_date")
        if not isinstance(activity_date, date):
            raise ValidationFailed.single("activity_date", "required", "活动日期（activity_date）不能为空。")
        out["activity_date"] = activity_date
        out["organiser"] = _required(data.get("organiser", ""), "organiser", "主办单位（organiser）", 200)
        out["place"] = _required(data.get("place", ""), "place", "活动地点（place）", 200)
        report = sanitize_html(data.get("report_html") or "")
        if report and activity_date > clock.today():
            raise ValidationFailed.single(
                "report_html", "after_activity", "活动报道（report_html）只能在活动日期之后填写。"
            )
        out["report_html"] = report
    ensure_no_person_named(
        {
            FIELD_LABELS[f]: plain_text(out[f]) if f.endswith("_html") else out[f]
            for f in FIELD_LABELS
            if f in out
        },
        entry.subject if entry else None,
    )
    return out


@transaction.atomic
def article_create(*, actor, kind: str, department=None, **data) -> Article:
    """起草 a draft for the actor's department (or a department it may write for)."""
    department = department or getattr(actor, "department", None)
    if department is None:
        raise PermissionDenied("当前账号未归属任何部门，不能起草宣传稿件。")
    ensure_can_write(actor, department)
    kind = _choice(kind, ArticleKind, "kind", "栏目（kind）")
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed.single(
            sorted(unknown)[0], "unknown", f"未知字段：{'、'.join(sorted(unknown))}。"
        )
    fields = _clean(kind, data)
    article = Article.objects.create(kind=kind, department=department, created_by=actor, **fields)
    audit_record(actor=actor, action="publicity_article.create", obj=article, after=article_snapshot(article))
    return article


@transaction.atomic
def article_update(*, actor, article: Article, **data) -> Article:
    """修改 a draft or a returned article (fields not given keep their value)."""
    article = _lock(article)
    ensure_can_write(actor, article.department)
    if article.state not in EDITABLE_STATES:
        raise _conflict(
            article, f"稿件当前状态为“{_state_label(article.state)}”，只有草稿或退回修改的稿件可以修改。"
        )
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed.single(
            sorted(unknown)[0], "unknown", f"未知字段：{'、'.join(sorted(unknown))}。"
        )
    current = {f: getattr(article, f) for f in EDITABLE_FIELDS}
    before = article_snapshot(article)
    fields = _clean(article.kind, current | {k: v for k, v in data.items() if v is not None})
    for name, value in fields.items():
        setattr(article, name, value)
    article.save()
    audit_record(
        actor=actor,
        action="publicity_article.update",
        obj=article,
        before=before,
        after=article_snapshot(article),
    )
    return article


def _step(actor, article: Article, transition: str, action: str, **changes) -> Article:
    before = article_snapshot(article)
    _run(article, transition)
    for name, value in changes.items():
        setattr(article, name, value)
    article.save()
    audit_record(actor=actor, action=action, obj=article, before=before, after=article_snapshot(article))
    return article


@transaction.atomic
def article_submit(*, actor, article: Article) -> Article:
    """提交审核 (the drafting department)."""
    article = _lock(article)
    ensure_can_write(actor, article.department)
    if not plain_text(article.body_html) and not article.summary:
        raise ValidationFailed.single(
            "body_html", "required", "提交审核前请填写正文（body_html）或摘要（summary）。"
        )
    if article.kind in (ArticleKind.STORY, ArticleKind.CASE):
        _entry_for(article.kind, article.list_entry_id)  # still in force
    return _step(actor, article, "submit", "publicity_article.submit", submitted_at=clock.now())


@transaction.atomic
def article_return(*, actor, article: Article, note: str) -> Article:
    """退回修改 with the reviewer's note."""
    ensure_reviewer(actor)
    article = _lock(article)
    note = _required(note, "note", "退回意见（note）", 2000)
    return _step(
        actor,
        article,
        "return_for_changes",
        "publicity_article.return",
        review_note=note,
        reviewed_at=clock.now(),
        reviewed_by=actor,
    )


@transaction.atomic
def article_publish(
    *, actor, article: Article, publish_at: datetime | None = None, note: str = ""
) -> Article:
    """审核通过并发布: visible from ``publish_at`` (now when not given; a later time = 定时发布)."""
    ensure_reviewer(actor)
    article = _lock(article)
    now = clock.now()
    if publish_at is None:
        publish_at = now
    elif publish_at.tzinfo is None:
        raise ValidationFailed.single("publish_at", "timezone", "发布时间（publish_at）必须带时区。")
    elif publish_at < now.replace(second=0, microsecond=0):
        raise ValidationFailed.single("publish_at", "future", "发布时间（publish_at）不能早于当前时间。")
    if article.kind in (ArticleKind.STORY, ArticleKind.CASE) and article.state == ArticleState.SUBMITTED:
        _entry_for(article.kind, article.list_entry_id)
    return _step(
        actor,
        article,
        "publish",
        "publicity_article.publish",
        publish_at=publish_at,
        reviewed_at=now,
        reviewed_by=actor,
        review_note=(note or "").strip()[:2000],
    )


@transaction.atomic
def article_withdraw(*, actor, article: Article, reason: str) -> Article:
    """撤回: the article leaves the portal at once."""
    ensure_reviewer(actor)
    article = _lock(article)
    reason = _required(reason, "reason", "撤回原因（reason）", 2000)
    return _step(
        actor,
        article,
        "withdraw",
        "publicity_article.withdraw",
        withdrawn_at=clock.now(),
        withdrawal_reason=reason,
    )


@transaction.atomic
def article_reopen(*, actor, article: Article) -> Article:
    """A withdrawn article back to 草稿 for its department to revise and submit again."""
    article = _lock(article)
    ensure_can_write(actor, article.department)
    return _step(actor, article, "reopen", "publicity_article.reopen")


@transaction.atomic
def article_report_add(*, actor, article: Article, report_html: str) -> Article:
    """活动报道: the department adds the report of a published activity once it has taken place
    (a factual follow-up; the reviewers can still withdraw the article)."""
    article = _lock(article)
    ensure_can_write(actor, article.department)
    if article.kind != ArticleKind.ACTIVITY:
        raise ValidationFailed.single(
            "report_html", "activity_only", "只有诚信教育活动可以填写活动报道（report_html）。"
        )
    if article.state not in (*EDITABLE_STATES, ArticleState.PUBLISHED):
        raise _conflict(article, f"稿件当前状态为“{_state_label(article.state)}”，不能填写活动报道。")
    if article.activity_date and article.activity_date > clock.today():
        raise ValidationFailed.single(
            "report_html", "after_activity", "活动报道（report_html）只能在活动日期之后填写。"
        )
    report = sanitize_html(_required(report_html, "report_html", "活动报道（report_html）", 200_000))
    ensure_no_person_named({FIELD_LABELS["report_html"]: plain_text(report)}, None)
    before = article_snapshot(article)
    article.report_html = report
    article.save(update_fields=["report_html", "updated_at"])
    audit_record(
        actor=actor,
        action="publicity_article.report_add",
        obj=article,
        before=before | {"report_chars": 0},
        after=article_snapshot(article) | {"report_chars": len(report)},
    )
    return article


@transaction.atomic
def article_image_upload(*, actor, upload) -> ArticleImage:
    """Store one checked image of the actor's department under a generated name."""
    ensure_can_write(actor, actor.department)
    checked = images.image_check(upload)
    image = ArticleImage(
        department=actor.department,
        original_name=checked.original_name,
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        size=len(checked.data),
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    image.file.save(checked.stored_name, ContentFile(checked.data), save=False)
    image.save()
    audit_record(
        actor=actor,
        action="publicity_image.upload",
        obj=image,
        after={"name": image.file.name, "size": image.size, "content_type": image.content_type},
    )
    return image
