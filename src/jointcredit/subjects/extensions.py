"""Other capabilities add sections to a subject's detail (API and staff page) without the subjects
app importing them: e.g. the lists app registers ``entries`` in its ``AppConfig.ready``.

A provider is ``fn(subject, *, public: bool) -> list[dict] | dict`` registered under a key; one
registered with ``needs_viewer=True`` also receives ``viewer`` (the signed-in user or the API token's
user, ``None`` when unknown) and shows what that viewer may see (e.g. the catalog's 授权查询 items).
"""

from __future__ import annotations

from collections.abc import Callable

_providers: dict[str, Callable] = {}
_needs_viewer: set[str] = set()


def register_subject_section(key: str, provider: Callable, *, needs_viewer: bool = False) -> None:
    _providers[key] = provider
    if needs_viewer:
        _needs_viewer.add(key)


def section_keys() -> list[str]:
    return list(_providers)


def subject_sections(subject, *, public: bool = False, keys=None, viewer=None) -> dict:
    """All registered sections, or only ``keys`` (unknown keys are ignored). ``viewer`` reaches only
    the providers that asked for it, so a lazily loaded user is loaded only when one of them runs."""
    wanted = _providers if keys is None else {k: _providers[k] for k in keys if k in _providers}
    return {
        key: provider(subject, public=public, viewer=viewer)
        if key in _needs_viewer
        else provider(subject, public=public)
        for key, provider in wanted.items()
    }
