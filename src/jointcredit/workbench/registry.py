"""Capabilities plug into the workbench here (from their AppConfig.ready), so the workbench never
imports them: navigation links and to-do counters on the home page.

    register_nav(label="双公示", url_name="records:list", order=20)
    register_todo(key="overdue_records", provider=fn)   # fn(user) -> {"label", "count", "url"} | None
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int = 50
    office_only: bool = False


_nav: dict[str, NavItem] = {}
_todos: dict[str, Callable] = {}


def register_nav(*, label: str, url_name: str, order: int = 50, office_only: bool = False) -> None:
    _nav[url_name] = NavItem(label, url_name, order, office_only)


def register_todo(*, key: str, provider: Callable) -> None:
    _todos[key] = provider


def nav_items(user) -> list[NavItem]:
    office = bool(user and getattr(user, "is_office_admin", False)) or bool(getattr(user, "is_superuser", False))
    return sorted((n for n in _nav.values() if office or not n.office_only), key=lambda n: n.order)


def todos(user) -> list[dict]:
    out = []
    for provider in _todos.values():
        item = provider(user)
        if item:
            out.append(item)
    return out
