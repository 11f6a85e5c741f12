"""Capabilities plug into the workbench here (from their AppConfig.ready), so the workbench never
imports them: navigation links, to-do counters on the home page and dashboard charts.

    register_nav(label="双公示", url_name="records:list", group=DAILY, order=20)
    register_todo(key="overdue_records", provider=fn)   # fn(user) -> todo_card(...) | None
    register_dashboard_panel(key="timeliness", title="双公示及时率（按部门）", provider=fn, order=20)

A dashboard provider is ``fn(user) -> chart | None`` where chart is a dict (see docs/portal.md)::

    {"type": "bar" | "stacked_bar" | "line" | "pie",
     "categories": ["区发改局", …],                  # x axis (not for pie)
     "series": [{"name": "按时", "data": [3, …]}],  # pie: one series, data aligned with categories
     "unit": "条", "note": "说明文字（可选）"}

The office dashboard renders every panel with ECharts (static JS; the spec travels as JSON in the
panel element's data-chart attribute — no inline script of any kind).
A to-do card links to a list filtered to exactly what it counts: the provider builds one dict of
list filters, counts the list's own queryset built from those filters, and ``todo_card`` puts the
same filters into the link (the list view parses them into the same selector call)::

    filters = {"department": user.department.code, "status": "to_notify"}
    return todo_card(label="待告知的黑名单草稿", count=list_entry_filter(**filters).count(),
                     url_name="lists:entry_list", filters=filters)

``office_only`` panels are shown to office admins only; a provider may also return None for a
user it has nothing to show. A provider that raises is shown as “暂不可用”, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

# The workbench navigation is grouped by job (issue #19 §4); a group is shown only to users who can
# see at least one of its links, so each role sees only its groups.
DAILY = "日常办理"
PROTECTION = "权益保护"
COOPERATION = "协同"
ANALYSIS = "统计分析"
CONFIGURATION = "系统配置"
NAV_GROUPS = (DAILY, PROTECTION, COOPERATION, ANALYSIS, CONFIGURATION)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    group: str = DAILY
    order: int = 50
    office_only: bool = False
    roles: tuple[str, ...] = ()  # shown (besides the office) only to users holding one of these roles

    def visible_to(self, user, *, office: bool) -> bool:
        if office:
            return True
        if self.office_only:
            return False
        return not self.roles or any(r in (getattr(user, "roles", None) or ()) for r in self.roles)


_nav: dict[str, NavItem] = {}
_todos: dict[str, Callable] = {}


def register_nav(
    *,
    label: str,
    url_name: str,
    group: str = DAILY,
    order: int = 50,
    office_only: bool = False,
    roles: tuple[str, ...] = (),
) -> None:
    if group not in NAV_GROUPS:
        raise ValueError(f"unknown navigation group {group!r}; one of {NAV_GROUPS}")
    _nav[url_name] = NavItem(label, url_name, group, order, office_only, tuple(roles))


def register_todo(*, key: str, provider: Callable) -> None:
    _todos[key] = provider


def todo_card(*, label: str, count: int, url_name: str, filters: Mapping[str, object]) -> dict | None:
    """A to-do card (None when there is nothing to do) whose link carries ``filters``, the very
    filters its ``count`` was computed with."""
    if not count:
        return None
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    return {"label": label, "count": count, "url": reverse(url_name) + (f"?{query}" if query else "")}


def nav_items(user) -> list[NavItem]:
    office = bool(user and getattr(user, "is_office_admin", False)) or bool(
        getattr(user, "is_superuser", False)
    )
    return sorted((n for n in _nav.values() if n.visible_to(user, office=office)), key=lambda n: n.order)


def nav_groups(user) -> list[tuple[str, list[NavItem]]]:
    """The navigation a user sees: (group, links) in the fixed group order, empty groups left out."""
    items = nav_items(user)
    return [(g, [n for n in items if n.group == g]) for g in NAV_GROUPS if any(n.group == g for n in items)]


def todo_keys() -> list[str]:
    """Every registered to-do card (tests check each card's count against its link)."""
    return list(_todos)


def todo_for(key: str, user) -> dict | None:
    return _todos[key](user)


def todos(user) -> list[dict]:
    out = []
    for provider in _todos.values():
        item = provider(user)
        if item:
            out.append(item)
    return out


@dataclass(frozen=True)
class DashboardPanel:
    key: str
    title: str
    provider: Callable
    order: int = 50
    office_only: bool = False
    description: str = ""


_panels: dict[str, DashboardPanel] = {}


def register_dashboard_panel(
    *,
    key: str,
    title: str,
    provider: Callable,
    order: int = 50,
    office_only: bool = False,
    description: str = "",
) -> None:
    _panels[key] = DashboardPanel(key, title, provider, order, office_only, description)


def dashboard_panels(user) -> list[DashboardPanel]:
    office = bool(user and getattr(user, "is_office_admin", False)) or bool(
        getattr(user, "is_superuser", False)
    )
    return sorted(
        (p for p in _panels.values() if office or not p.office_only), key=lambda p: (p.order, p.key)
    )
