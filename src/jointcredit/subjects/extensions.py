"""Other capabilities add sections to a subject's detail (API and staff page) without the subjects
app importing them: e.g. the lists app registers ``entries`` in its ``AppConfig.ready``.

A provider is ``fn(subject, *, public: bool) -> list[dict] | dict`` registered under a key.
"""

from __future__ import annotations

from collections.abc import Callable

_providers: dict[str, Callable] = {}


def register_subject_section(key: str, provider: Callable) -> None:
    _providers[key] = provider


def section_keys() -> list[str]:
    return list(_providers)


def subject_sections(subject, *, public: bool = False, keys=None) -> dict:
    """All registered sections, or only ``keys`` (unknown keys are ignored)."""
    wanted = _providers if keys is None else {k: _providers[k] for k in keys if k in _providers}
    return {key: provider(subject, public=public) for key, provider in wanted.items()}
