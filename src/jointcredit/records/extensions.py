"""Marks other apps put on 双公示 records on public surfaces, without records importing them.

    register_record_mark(key="objection", label="异议中", tone="warn", provider=fn, note="…")
    # fn(record_type: "license" | "penalty", ids: list[int]) -> set[int]  (ids to mark)

Called from the other app's ``AppConfig.ready`` (objections registers 异议中 over
``objections.selectors.records_under_objection``). Records asks every provider once per page
(one query per provider, not per record). With the other app not installed nothing is registered
and no mark is shown — records never imports it (docs/records.md, “异议中”).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordMark:
    key: str
    label: str
    tone: str
    provider: Callable[[str, list[int]], set[int]]
    note: str = ""


_marks: dict[str, RecordMark] = {}


def register_record_mark(
    *, key: str, label: str, provider: Callable, tone: str = "warn", note: str = ""
) -> None:
    """``note``: one sentence shown on the record's public detail page under the title."""
    _marks[key] = RecordMark(key, label, tone, provider, note)


def record_marks(record_type: str, ids: Iterable[int]) -> dict[int, list[dict]]:
    """{record id: [{"key", "label", "tone", "note"}, …]} for the records that carry a mark."""
    ids = [i for i in ids if i is not None]
    out: dict[int, list[dict]] = {}
    if not ids:
        return out
    for mark in sorted(_marks.values(), key=lambda m: m.key):
        for pk in mark.provider(record_type, ids):
            out.setdefault(pk, []).append(
                {"key": mark.key, "label": mark.label, "tone": mark.tone, "note": mark.note}
            )
    return out


def add_marks(views: list[dict]) -> list[dict]:
    """Set ``marks`` (list, possibly empty) on public views (``selectors.public_view`` dicts)."""
    by_type: dict[str, list[int]] = {}
    for v in views:
        by_type.setdefault(v["record_type"], []).append(v["id"])
    marks = {rt: record_marks(rt, ids) for rt, ids in by_type.items()}
    for v in views:
        v["marks"] = marks[v["record_type"]].get(v["id"], [])
    return views
