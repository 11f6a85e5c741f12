"""Event kinds a subscription may ask for (DESIGN.md §2 Exchange). ``prefix.*`` matches a family.

Every app that emits events declares them in its ``event_kinds`` module (found by
``common.discovery.app_modules``): ``KINDS`` (kind → Chinese label) and ``FAMILIES`` (prefix →
Chinese label). The outbox refuses to emit a kind nobody declared (``kind_ensure``), so whatever is
emitted is subscribable and labelled; nothing here lists kinds by hand (ADR 0045).
"""

from __future__ import annotations

from functools import cache

from jointcredit.common.discovery import app_modules


class UndeclaredEventKind(RuntimeError):
    """A programming error: an app emits a kind its ``event_kinds`` module does not declare."""


@cache
def _declared() -> tuple[dict[str, str], dict[str, str]]:
    kinds: dict[str, str] = {}
    families: dict[str, str] = {}
    for label, module in app_modules("event_kinds"):
        for kind, text in module.KINDS.items():
            if kind in kinds:
                raise RuntimeError(f"事件类型 {kind} 被重复声明（{label}.event_kinds）")
            kinds[kind] = text
        families.update(module.FAMILIES)
    missing = sorted({k.split(".", 1)[0] for k in kinds} - set(families))
    if missing:
        raise RuntimeError(f"事件类型前缀 {'、'.join(missing)} 没有中文名称（event_kinds.FAMILIES）")
    return dict(sorted(kinds.items())), families


def event_kinds() -> dict[str, str]:
    """Every declared kind → its Chinese label, sorted by kind."""
    return _declared()[0]


def families() -> list[str]:
    return sorted({k.split(".", 1)[0] for k in event_kinds()})


def kind_valid(kind: str) -> bool:
    if kind.endswith(".*"):
        return kind[:-2] in families()
    return kind in event_kinds()


def kind_ensure(kind: str) -> None:
    if kind not in event_kinds():
        raise UndeclaredEventKind(
            f"事件类型 {kind} 未在所属应用的 event_kinds 模块中声明，不能发出（部门无法订阅）。"
        )


def kind_label(kind: str) -> str:
    """What a person reads for a subscribed kind (“名单条目（全部事件）” for ``list_entry.*``)."""
    if kind.endswith(".*"):
        family = kind[:-2]
        return f"{_declared()[1].get(family, family)}（全部事件）"
    return event_kinds().get(kind, kind)


def subscribable_kinds() -> dict[str, str]:
    """What a subscription form offers: every kind, then every family as ``prefix.*``."""
    return event_kinds() | {f"{f}.*": kind_label(f"{f}.*") for f in families()}
