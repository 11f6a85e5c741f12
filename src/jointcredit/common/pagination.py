"""One pagination mechanism for every list endpoint and page: ?page=&page_size= (max 200)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import EmptyPage, Paginator

from .errors import ValidationFailed

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list[Any]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def as_meta(self) -> dict[str, int]:
        return {"page": self.page, "page_size": self.page_size, "total": self.total, "pages": self.pages}


def paginate(queryset, *, page: int = 1, page_size: int = 20) -> Page:
    if page < 1:
        raise ValidationFailed.single("page", "min", "页码 page 必须是大于等于 1 的整数。")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed.single(
            "page_size", "range", f"每页条数 page_size 必须在 1 到 {MAX_PAGE_SIZE} 之间。"
        )
    paginator = Paginator(queryset, page_size)
    try:
        items = list(paginator.page(page).object_list)
    except EmptyPage:
        items = []
    return Page(items=items, page=page, page_size=page_size, total=paginator.count)
