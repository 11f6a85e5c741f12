"""Staff pages of 诚信宣传: list, draft, edit, the review steps and image uploads (thin: every write
goes through ``services``, every read through ``selectors``)."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from jointcredit.accounts.permissions import can_write_for
from jointcredit.common.errors import DomainError, ValidationFailed
from jointcredit.common.params import int_or as _int

from . import selectors, services
from .models import EDITABLE_STATES, ActivityForm, ArticleKind, ArticleState, VenueKind
from .rules import is_reviewer


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single(field, "date", f"{field} 必须是 YYYY-MM-DD 格式的日期。") from None


def _datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single(
            "publish_at", "datetime", "发布时间（publish_at）格式应为 YYYY-MM-DDTHH:MM。"
        ) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _fields(post) -> dict:
    return {
        "title": post.get("title", ""),
        "summary": post.get("summary", ""),
        "body_html": post.get("body_html", ""),
        "list_entry_id": _int(post.get("list_entry_id"), 0) or None,
        "venue_kind": post.get("venue_kind", ""),
        "activity_form": post.get("activity_form", ""),
        "activity_date": _date(post.get("activity_date"), "activity_date"),
        "organiser": post.get("organiser", ""),
        "place": post.get("place", ""),
        "report_html": post.get("report_html", ""),
    }


def _form_context(kind: str, form, error) -> dict:
    return {
        "kind": kind,
        "kinds": ArticleKind.choices,
        "venue_kinds": VenueKind.choices,
        "activity_forms": ActivityForm.choices,
        "form": form,
        "error": error,
    }


@login_required
def article_list(request):
    filters = {
        "kind": request.GET.get("kind") or None,
        "state": request.GET.get("state") or None,
        "department": request.GET.get("department") or None,
        "q": request.GET.get("q", "").strip() or None,
    }
    error, page = None, None
    try:
        page = selectors.article_list(user=request.user, page=_int(request.GET.get("page"), 1), **filters)
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "publicity/staff_list.html",
        {
            "page": page,
            "items": [{"a": a, "status": selectors.display_status(a)} for a in page.items] if page else [],
            "error": error,
            "f": {k: v or "" for k, v in filters.items()},
            "kinds": ArticleKind.choices,
            "states": ArticleState.choices,
            "reviewer": is_reviewer(request.user),
        },
    )


@login_required
def article_new(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or ArticleKind.STORY
    error = None
    if request.method == "POST":
        try:
            article = services.article_create(actor=request.user, kind=kind, **_fields(request.POST))
            messages.success(request, "已保存草稿。")
            return redirect("publicity:detail", pk=article.pk)
        except DomainError as exc:
            error = exc.message
    return render(request, "publicity/staff_form.html", _form_context(kind, request.POST or {}, error))


@login_required
def article_edit(request, pk: int):
    article = selectors.article_get(user=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.article_update(actor=request.user, article=article, **_fields(request.POST))
            messages.success(request, "已保存修改。")
            return redirect("publicity:detail", pk=pk)
        except DomainError as exc:
            error = exc.message
    form = request.POST or {
        "title": article.title,
        "summary": article.summary,
        "body_html": article.body_html,
        "list_entry_id": article.list_entry_id or "",
        "venue_kind": article.venue_kind,
        "activity_form": article.activity_form,
        "activity_date": article.activity_date.isoformat() if article.activity_date else "",
        "organiser": article.organiser,
        "place": article.place,
        "report_html": article.report_html,
    }
    return render(
        request, "publicity/staff_form.html", _form_context(article.kind, form, error) | {"article": article}
    )


@login_required
def article_detail(request, pk: int):
    article = selectors.article_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "submit":
                services.article_submit(actor=request.user, article=article)
                messages.success(request, "已提交审核。")
            elif action == "return":
                services.article_return(
                    actor=request.user, article=article, note=request.POST.get("note", "")
                )
                messages.success(request, "已退回修改。")
            elif action == "publish":
                services.article_publish(
                    actor=request.user,
                    article=article,
                    publish_at=_datetime(request.POST.get("publish_at")),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, "已审核通过并发布。")
            elif action == "withdraw":
                services.article_withdraw(
                    actor=request.user, article=article, reason=request.POST.get("reason", "")
                )
                messages.success(request, "已撤回，门户不再显示该稿件。")
            elif action == "reopen":
                services.article_reopen(actor=request.user, article=article)
                messages.success(request, "已转为草稿，可修改后重新提交。")
            elif action == "report":
                services.article_report_add(
                    actor=request.user, article=article, report_html=request.POST.get("report_html", "")
                )
                messages.success(request, "已保存活动报道。")
            else:
                messages.error(request, "未知操作。")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("publicity:detail", pk=pk)
    writer = can_write_for(request.user, article.department)
    return render(
        request,
        "publicity/staff_detail.html",
        {
            "a": article,
            "status": selectors.display_status(article),
            "subject": selectors.public_subject(article),
            "measures": selectors.case_measures(article),
            "can_edit": writer and article.state in EDITABLE_STATES,
            "writer": writer,
            "reviewer": is_reviewer(request.user),
        },
    )


@login_required
def image_upload(request):
    image, error = None, None
    if request.method == "POST":
        try:
            image = services.article_image_upload(actor=request.user, upload=request.FILES.get("file"))
        except DomainError as exc:
            error = exc.message
    return render(request, "publicity/staff_image.html", {"image": image, "error": error})
