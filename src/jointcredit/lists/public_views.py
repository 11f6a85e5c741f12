"""Public red and black lists on the portal (masked; only entries in force today)."""

from __future__ import annotations

from django.shortcuts import render

from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or as _int
from jointcredit.subjects.privacy import public_query

from . import selectors
from .models import ListColor


def public_list(request, color: str):
    q = request.GET.get("q", "").strip()
    query = public_query(q)  # a person's full ID or name is never echoed (subjects.privacy)
    list_type = request.GET.get("list_type", "").strip()
    error, page = None, None
    try:
        page = selectors.public_entry_list(
            color=color, q=q, list_type=list_type or None, page=_int(request.GET.get("page"), 1), page_size=20
        )
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "lists/public_list.html",
        {
            "color": color,
            "title": "红名单（诚信典型）" if color == ListColor.RED else "黑名单（严重失信主体）",
            "q": query.link,
            "q_display": query.echo,
            "sensitive": query.sensitive,
            "list_type": list_type,
            "error": error,
            "page": page,
            "items": [selectors.public_entry_out(e) for e in page.items] if page else [],
            "types": selectors.list_type_list(active_only=True, color=color),
        },
    )


def public_detail(request, pk: int):
    try:
        entry = selectors.public_entry_get(pk)
    except DomainError as exc:
        return render(request, "lists/public_gone.html", {"message": exc.message}, status=404)
    return render(
        request,
        "lists/public_detail.html",
        {"e": selectors.public_entry_out(entry), "timeline": selectors.list_entry_public_timeline(entry)},
    )
