"""What grading reads, through small providers (so grading never imports the apps it grades from).

A provider is ``fn(subject_ids: list[int] | None, on: date) -> Iterable[tuple] | polars.DataFrame``
returning rows in ``COLUMNS`` order; ``subject_ids=None`` means every subject (bulk grading, so
the provider should answer with one set-based query). Register from an ``AppConfig.ready``:

    from jointcredit.grading.inputs import register_grade_input
    register_grade_input("catalog.dishonesty", my_provider)

``source`` says which rule weight applies (see ``rules.SOURCES``); a source the rule set does not
know takes its points from ``GradingRuleSet.extra_source_points`` (0 and flagged as 未配置 if
missing), so other apps can add inputs without a change here.

Providers shipped with grading itself (registered in ``apps.GradingConfig.ready``):
lists (black/red entries), records (penalties, 吊销许可证件, licences — only once the records app
has its models), honours; commitments registers broken commitments from its own app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import polars as pl

COLUMNS = [
    "subject_id",
    "source",
    "ref",
    "label",
    "occurred_on",
    "category",
    "amount",
    "repaired",
    "in_force",
]
SCHEMA = {
    "subject_id": pl.Int64,
    "source": pl.Utf8,
    "ref": pl.Utf8,
    "label": pl.Utf8,
    "occurred_on": pl.Date,
    "category": pl.Utf8,
    "amount": pl.Float64,
    "repaired": pl.Boolean,
    "in_force": pl.Boolean,
}

_providers: dict[str, Callable] = {}


def register_grade_input(
    key: str, provider: Callable[[list[int] | None, date], Iterable[tuple] | pl.DataFrame]
) -> None:
    _providers[key] = provider


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def collect_inputs(subject_ids: list[int] | None, on: date) -> pl.DataFrame:
    """All registered inputs for ``subject_ids`` (None = everyone) as one frame."""
    frames = []
    for key in sorted(_providers):
        out = _providers[key](subject_ids, on)
        if isinstance(out, pl.DataFrame):
            frame = out.select(COLUMNS).cast(SCHEMA)
        else:
            rows = list(out)
            if not rows:
                continue
            frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
        if frame.height:
            frames.append(frame)
    if not frames:
        return empty_frame()
    return pl.concat(frames, how="vertical")


def chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    """SQLite allows ~999 parameters per query."""
    for i in range(0, len(ids), size):
        yield ids[i : i + size]
