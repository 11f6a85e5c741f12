"""Other capabilities show information next to the check result without measures importing them
(e.g. the catalog's 应用清单 items for the scenario, registered in CatalogConfig.ready), and add
grants to the 应查未查 report (``register_grant_source``, see ``unchecked.py``).

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


_grant_sources: dict[str, tuple[str, Callable]] = {}


def register_grant_source(key: str, *, label: str, grants: Callable) -> None:
    """A kind of grant for the 应查未查 report: ``grants() -> QuerySet`` annotated with
    ``g_department_id``, ``g_subject_id``, ``g_doc_no``, ``g_matter`` and ``g_decision_date``."""
    _grant_sources[key] = (label, grants)


def grant_sources() -> dict[str, tuple[str, Callable]]:
    return dict(_grant_sources)
