"""Plug-in points of the public portal 信用历下 (and the credit report), so the portal never imports
the capabilities that feed it. Capabilities register from their ``AppConfig.ready``.

Search providers — one per kind of public thing (主体, 双公示, 红黑名单 …)::

    from jointcredit.common.portal_registry import register_search_provider, SearchResults

    def search_penalties(q: str, page: int, page_size: int) -> SearchResults:
        ...   # match by name, USCC or 文书号; results already MASKED for natural persons
        return SearchResults(items=[{"title": ..., "url": ..., "subtitle": ..., "fields": [("文书号", ...)],
                                     "tags": [{"label": "异议中", "tone": "warn"}]}], total=n)

    register_search_provider("penalties", "行政处罚", search_penalties, order=30)

  * ``q`` is stripped, 1–100 characters; ``page`` ≥ 1; ``page_size`` ≤ 50.
  * ``total`` may be capped (set ``capped=True``): the portal shows "超过 N 条".
  * An item is a dict: ``title`` (required), ``url`` (public URL or ""), ``subtitle``, ``fields``
    (list of ``(label, value)``), ``tags`` (list of ``{"label", "tone"}`` with tone ``red`` |
    ``black`` | ``warn`` | ``""``). Use :func:`jointcredit.subjects.public.subject_public_ref` for the
    subject's masked name/identifier and its public URL.
  * Each app registers what it owns (``lists``: 红黑名单, ``records``: 双公示 …); the portal ships
    no fall-backs for other apps' data (ADR 0016). A later registration of a key replaces it.
  * ``SEARCH_COUNT_CAP``: every provider counts at most this many matches ("超过 200 条").

Subject sections — blocks of a subject's page and credit report::

    register_subject_public_section("lists", "红黑名单", fn, order=20)   # public page + public report
    register_subject_staff_section("grade", "信用等级", fn, order=50)    # staff page + staff report

  ``fn(subject, *, today) -> list[item] | None`` with items shaped as above (None/[] → "暂无").
  Public sections must mask natural persons; staff sections may show full data.

Home counters: ``register_portal_stat(key, label, fn)`` with ``fn() -> int`` (cached by the portal).

Sections of the portal — a link in the portal's navigation and a block on the home page::

    register_portal_nav("publicity", "诚信宣传", "publicity_public:index", order=60)
    register_home_block("publicity", "诚信宣传", fn, order=60)

  ``fn() -> HomeBlock | None`` (None or no items: the block is not shown): the latest public items,
  shaped like search items (``title``, ``url``, ``subtitle``), and the section's ``more_url``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SearchResults:
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    note: str = ""  # shown above the results (e.g. "查询词过于宽泛 …")


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: str
    fn: Callable[..., SearchResults]
    order: int = 50


@dataclass(frozen=True)
class SubjectSection:
    key: str
    title: str
    fn: Callable[..., Any]
    order: int = 50
    audience: str = "public"  # "public" | "staff"
    empty_text: str = "暂无信息"


@dataclass(frozen=True)
class PortalStat:
    key: str
    label: str
    fn: Callable[[], int]
    order: int = 50


@dataclass(frozen=True)
class PortalNavItem:
    key: str
    label: str
    url_name: str
    order: int = 50


@dataclass
class HomeBlock:
    items: list[dict[str, Any]] = field(default_factory=list)
    more_url: str = ""


@dataclass(frozen=True)
class HomeBlockProvider:
    key: str
    title: str
    fn: Callable[[], HomeBlock | None]
    order: int = 50


_search: dict[str, SearchProvider] = {}
_nav: dict[str, PortalNavItem] = {}
_home_blocks: dict[str, HomeBlockProvider] = {}
_sections: dict[str, SubjectSection] = {}
_stats: dict[str, PortalStat] = {}


SEARCH_COUNT_CAP = 200


def register_search_provider(
    key: str, label: str, fn: Callable[..., SearchResults], *, order: int = 50
) -> None:
    _search[key] = SearchProvider(key, label, fn, order)


def search_providers() -> list[SearchProvider]:
    return sorted(_search.values(), key=lambda p: (p.order, p.key))


def search_provider(key: str) -> SearchProvider | None:
    return _search.get(key)


def register_subject_public_section(
    key: str,
    title: str,
    fn: Callable[..., Any],
    *,
    order: int = 50,
    empty_text: str = "暂无信息",
) -> None:
    _sections[key] = SubjectSection(key, title, fn, order, "public", empty_text)


def register_subject_staff_section(
    key: str,
    title: str,
    fn: Callable[..., Any],
    *,
    order: int = 50,
    empty_text: str = "暂无信息",
) -> None:
    _sections[key] = SubjectSection(key, title, fn, order, "staff", empty_text)


def subject_section_list(*, staff: bool = False) -> list[SubjectSection]:
    """Public sections, plus staff sections when ``staff``."""
    return sorted(
        (s for s in _sections.values() if staff or s.audience == "public"),
        key=lambda s: (s.audience == "staff", s.order, s.key),
    )


def register_portal_stat(key: str, label: str, fn: Callable[[], int], *, order: int = 50) -> None:
    _stats[key] = PortalStat(key, label, fn, order)


def portal_stats() -> list[PortalStat]:
    return sorted(_stats.values(), key=lambda s: (s.order, s.key))


def register_portal_nav(key: str, label: str, url_name: str, *, order: int = 50) -> None:
    _nav[key] = PortalNavItem(key, label, url_name, order)


def portal_nav_items() -> list[PortalNavItem]:
    return sorted(_nav.values(), key=lambda n: (n.order, n.key))


def register_home_block(key: str, title: str, fn: Callable[[], HomeBlock | None], *, order: int = 50) -> None:
    _home_blocks[key] = HomeBlockProvider(key, title, fn, order)


def home_blocks() -> list[HomeBlockProvider]:
    return sorted(_home_blocks.values(), key=lambda b: (b.order, b.key))
