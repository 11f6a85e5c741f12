"""One discovery mechanism for the plug-in modules of the apps (ADR 0016).

An app takes part in the API, the URLs, ``jointcredit sweep`` or ``jointcredit demo`` by having the
module of that name (``api``, ``urls``, ``public_urls``, ``sweeps``, ``demo``); nothing lists the apps
by hand. Modules come in INSTALLED_APPS order, except that a module may name, in ``AFTER``, the apps
whose module of the same name must run before it (the exchange sweep dispatches the events the lists
and records sweeps have just emitted; the lists demo links the memoranda the measures demo made).
Django's ``autodiscover_modules`` does the same lookup but only imports; this also returns them.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule

PROJECT = "jointcredit."


def app_modules(name: str) -> list[tuple[str, ModuleType]]:
    """``(app label, module)`` for every project app that has a ``<app>.<name>`` module."""
    found = [
        (config.label, import_module(f"{config.name}.{name}"))
        for config in apps.get_app_configs()
        if config.name.startswith(PROJECT) and module_has_submodule(config.module, name)
    ]
    return _ordered(found)


def _ordered(found: list[tuple[str, ModuleType]]) -> list[tuple[str, ModuleType]]:
    """INSTALLED_APPS order, moved only as far as each module's ``AFTER`` requires (stable)."""
    labels = [label for label, _ in found]
    waits = {label: {a for a in getattr(m, "AFTER", ()) if a in labels} for label, m in found}
    out: list[tuple[str, ModuleType]] = []
    done: set[str] = set()
    pending = list(found)
    while pending:
        ready = next((item for item in pending if waits[item[0]] <= done), None)
        if ready is None:
            cycle = ", ".join(label for label, _ in pending)
            raise RuntimeError(f"AFTER forms a cycle among: {cycle}")
        pending.remove(ready)
        out.append(ready)
        done.add(ready[0])
    return out
