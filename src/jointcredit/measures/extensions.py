"""Other capabilities show information next to the check result without measures importing them
(e.g. the catalog's 应用清单 items for the scenario, registered in CatalogConfig.ready).

A provider is ``fn(subject, scenario, viewer) -> list[dict]``; the check page renders each item's
``item_name``, ``category_label``, ``department``, ``purposes`` and ``records`` (each with
``occurred_on``, ``ref_no`` and ``fields`` as (label, value) pairs).
"""

from __future__ import annotations

from collections.abc import Callable

_providers: dict[str, tuple[str, Callable]] = {}


def register_check_context(key: str, *, title: str, provider: Callable) -> None:
    _providers[key] = (title, provider)


def check_contexts(subject, scenario: str, viewer) -> list[dict]:
    out = []
    for key, (title, provider) in _providers.items():
        items = provider(subject, scenario, viewer)
        if items:
            out.append({"key": key, "title": title, "items": items})
    return out
