"""Public API of 信用历下: ``GET /api/public/v1/search?q=`` — masked, rate-limited, no auth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from ninja import Router, Schema
from pydantic import Field

from jointcredit.common.errors import DomainError
from jointcredit.common.portal_registry import search_providers
from jointcredit.common.schemas import PageNumber, one_of
from jointcredit.subjects.privacy import public_query

from . import selectors
from .selectors import MAX_PAGE_SIZE
from .views import RATE_LIMIT_MESSAGE, rate_limited, search_rate

PUBLIC_PREFIX = ""
public_router = Router(tags=["公共查询"])

if TYPE_CHECKING:  # a Literal built at run time from the registered providers (the OpenAPI enum)
    SearchType = str
else:
    # Providers register in the apps' AppConfig.ready, before any api.py is imported.
    SearchType = one_of([p.key for p in search_providers()])
SearchPageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class PortalItemOut(Schema):
    title: str
    url: str = ""
    subtitle: str = ""
    fields: list[list[str]] = []
    tags: list[dict[str, str]] = []


class GroupOut(Schema):
    type: str
    label: str
    total: int
    capped: bool
    note: str = ""
    page: int
    pages: int
    items: list[PortalItemOut]


class SearchOut(Schema):
    q: str
    groups: list[GroupOut]


@public_router.get(
    "/search",
    response=SearchOut,
    summary="信用信息公共查询",
    description=(
        "按名称、统一社会信用代码或文书号查询信用主体、双公示与红黑名单。自然人（及其双公示、名单信息）"
        "只能按完整姓名或完整证件号码查到，不能按姓名片段查到；结果中的姓名和证件号码已脱敏（张*、"
        "370102********1234）；返回的 `q` 在查询自然人证件号码或完整姓名时同样脱敏。"
        "`type` 为查询类别（如 subjects、lists；缺省为全部类别的第一页）。"
        "名称片段 1–2 个字时按名称开头匹配。超过 200 条时 `capped` 为 true。"
        "按来源地址限流，超出返回 429（code = rate_limited）。"
    ),
)
def public_search(
    request, q: str, type: SearchType | None = None, page: PageNumber = 1, page_size: SearchPageSize = 10
):
    if rate_limited(request, "portal-search", search_rate()):
        raise RateLimited(RATE_LIMIT_MESSAGE)
    groups = selectors.unified_search(q, provider=type, page=page, page_size=page_size)
    return {
        # a person's document number or full name is echoed masked only (subjects.privacy)
        "q": public_query(q).echo,
        "groups": [
            {
                "type": g["key"],
                "label": g["label"],
                "total": g["results"].total,
                "capped": g["results"].capped,
                "note": g["results"].note,
                "page": g["page"],
                "pages": g["pages"],
                "items": [
                    {
                        "title": i.get("title", ""),
                        "url": i.get("url", ""),
                        "subtitle": i.get("subtitle", ""),
                        "fields": [[str(a), str(b)] for a, b in i.get("fields", [])],
                        "tags": [
                            {"label": t.get("label", ""), "tone": t.get("tone", "")}
                            for t in i.get("tags", [])
                        ],
                    }
                    for i in g["results"].items
                ],
            }
            for g in groups
        ],
    }
