"""Other capabilities add sections to a subject's detail (API and staff page) without the subjects
app importing them: e.g. the lists app registers ``entries`` in its ``AppConfig.ready``.

A provider is ``fn(subject, *, public: bool) -> list[dict] | dict`` registered under a key; one
registered with ``needs_viewer=True`` also receives ``viewer`` (the signed-in user or the API token's
user, ``None`` when unknown) and shows what that viewer may see (e.g. the catalog's 授权查询 items).
One registered with ``as_of=True`` also receives ``on`` (a date or ``None`` for today) and answers as
things stood at the end of that day (ADR 0036); when a date is asked for, the sections that cannot
answer for it are left out rather than answered for today.

Merge steps (``register_merge_step``) move the rows of other apps from a duplicate subject to the
one it is merged into (docs/subjects.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_providers: dict[str, Callable] = {}
_needs_viewer: set[str] = set()
_as_of: set[str] = set()


def register_subject_section(
    key: str, provider: Callable, *, needs_viewer: bool = False, as_of: bool = False
) -> None:
    _providers[key] = provider
    if needs_viewer:
        _needs_viewer.add(key)
    if as_of:
        _as_of.add(key)


def section_keys() -> list[str]:
    return list(_providers)


def section_keys_as_of() -> list[str]:
    """The sections that can answer as of a past date."""
    return [k for k in _providers if k in _as_of]


def subject_sections(subject, *, public: bool = False, keys=None, viewer=None, on=None) -> dict:
    """All registered sections, or only ``keys`` (unknown keys are ignored). ``viewer`` reaches only
    the providers that asked for it, so a lazily loaded user is loaded only when one of them runs.
    With ``on``: only the sections registered ``as_of``, each answering for that date."""
    wanted = _providers if keys is None else {k: _providers[k] for k in keys if k in _providers}
    out = {}
    for key, provider in wanted.items():
        kwargs: dict = {"public": public}
        if key in _needs_viewer:
            kwargs["viewer"] = viewer
        if key in _as_of:
            kwargs["on"] = on
        elif on is not None:
            continue
        out[key] = provider(subject, **kwargs)
    return out


# --- merging duplicates (主体合并) ------------------------------------------------------------------
# ``subjects.services.subject_merge`` moves what the subjects app owns (aliases, contacts, related
# persons); the rows of the apps above it (list entries, 双公示 records, cases, commitments …) are
# moved by steps those apps register here in their ``AppConfig.ready`` — subjects never imports them.


@dataclass(frozen=True)
class MergeStep:
    """``move(*, source, target) -> int`` runs inside the merge transaction and returns how many rows
    it moved to ``target`` (the count goes into the audit row). ``models`` are the model labels whose
    relation to ``Subject`` the step takes care of."""

    key: str
    move: Callable[..., int]
    models: tuple[str, ...]


_merge_steps: dict[str, MergeStep] = {}
# Relations to Subject that deliberately stay with the merged-away subject (label → why).
_merge_keeps: dict[str, str] = {}


def register_merge_step(key: str, move: Callable[..., int], *, models: tuple[str, ...]) -> None:
    _merge_steps[key] = MergeStep(key=key, move=move, models=tuple(models))


def register_merge_keep(model_label: str, why: str) -> None:
    """Declare that rows of ``model_label`` stay on the merged-away subject (history, documents
    issued under its identifier)."""
    _merge_keeps[model_label] = why


def merge_steps() -> list[MergeStep]:
    return list(_merge_steps.values())


def merge_keeps() -> dict[str, str]:
    return dict(_merge_keeps)


def merge_steps_run(*, source, target) -> dict[str, int]:
    """Every registered step, in registration order (INSTALLED_APPS): ``{key: rows moved}``."""
    return {step.key: step.move(source=source, target=target) for step in _merge_steps.values()}
