"""The import pipeline's shared mechanics: modes, error collection, the rollback signal, phases.

A tabular import (双公示 records, the catalog's 归集) is: ``importing.tabular.read_frame`` (limits
checked before parsing; a ``ColumnPlan`` keeps only the mapped columns, vocabulary columns as
``Categorical``, ADR 0033) → the capability maps the header and validates the rows as one polars
frame, collecting one error per broken rule with :func:`collect_errors` (``{"row", "field",
"rule", "message"}``, at most ``ERROR_CAP`` kept) → in one transaction
``subjects.services.subjects_resolve`` attaches the subjects set-based → the capability writes
its rows (``common.bulk.insert_frame``) and its events (``exchange.outbox.events_emit_frame``) →
the batch row carries the report. Modes (:class:`ImportMode`): ``all_or_nothing`` (any error:
nothing written, the rejected batch is still recorded) or ``skip_bad_rows``; an error found
inside the write transaction in all-or-nothing mode raises :class:`Rollback`.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
from django.db import models

from jointcredit.common.errors import ValidationFailed

ERROR_CAP = 10_000  # errors kept on a batch row and returned; the count is always complete

Check = tuple[str, str, pl.Expr, pl.Expr]  # (field, rule or "@column", condition, message)
logger = logging.getLogger("jointcredit.importing")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "全部成功才导入"
    SKIP_BAD_ROWS = "skip_bad_rows", "跳过错误行"


def mode_check(mode: str) -> str:
    """The mode a caller passed, or a ``ValidationFailed`` naming both choices."""
    if mode not in ImportMode.values:
        raise ValidationFailed.single(
            "mode",
            "choice",
            "导入方式 mode 必须是 all_or_nothing（全部成功才导入，默认）或 skip_bad_rows（跳过错误行）。",
        )
    return mode


class Rollback(Exception):
    """Errors found inside the write transaction of an all-or-nothing import: raised to roll it
    back; the caller records the rejected batch with ``errors``."""

    def __init__(self, errors: list[dict]):
        super().__init__("rollback")
        self.errors = errors


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB (``getrusage``: one system call; Linux
    reports KB, macOS bytes). Never decreases: a phase that raises it is where the peak comes from."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


class Phases:
    """Wall-clock seconds per phase of one import (reading, validation, subjects, …), in order,
    and the process's peak RSS when each phase ended.

    ``with phases("validate"): …`` adds the block's time to that phase (a phase entered twice
    accumulates). The import services log the summary at INFO (``jointcredit.importing``) and the
    CLI prints it at ``--verbosity 2``: operators see where a slow or memory-hungry import spends
    its time and memory (the phase whose peak is higher than the previous one's raised it)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.rows: dict[str, int] = {}
        self.peak_mb: dict[str, float] = {}
        self._started = time.perf_counter()

    @contextmanager
    def __call__(self, name: str, rows: int | None = None) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0)
            if rows is not None:
                self.rows[name] = rows

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.peak_mb[name] = peak_rss_mb()

    @property
    def total(self) -> float:
        return time.perf_counter() - self._started

    def summary(self) -> str:
        """``read 0.41 s 峰值 390 MB · validate 1.20 s (200,000 行) 峰值 610 MB · … · 合计 5.02 s,
        峰值内存 610 MB`` (峰值 = the process's peak RSS when the phase ended)."""
        parts = [
            f"{name} {sec:.2f} s"
            + (f" ({self.rows[name]:,} 行)" if name in self.rows else "")
            + f" 峰值 {self.peak_mb[name]:,.0f} MB"
            for name, sec in self.seconds.items()
        ]
        return " · ".join([*parts, f"合计 {self.total:.2f} s，峰值内存 {peak_rss_mb():,.0f} MB"])

    def log(self, label: str) -> None:
        logger.info(
            "%s：%s",
            label,
            self.summary(),
            extra={
                "phases": {k: round(v, 4) for k, v in self.seconds.items()},
                "peak_rss_mb": {k: round(v, 1) for k, v in self.peak_mb.items()},
            },
        )


@contextmanager
def phase(phases: Phases | None, name: str, rows: int | None = None) -> Iterator[None]:
    """``phases(name)`` when measuring, nothing otherwise."""
    if phases is None:
        yield
        return
    with phases(name, rows):
        yield


def collect_errors(
    df: pl.DataFrame, checks: list[Check], *, cap: int = ERROR_CAP
) -> tuple[list[dict], int, set[int]]:
    """Evaluate ``checks`` over ``df`` (must have ``_row``): conditions for every row (cheap
    booleans), messages formatted for the bad rows only. A rule of ``"@col"`` takes the rule name
    from column ``col``. Returns (errors ``{"row","field","rule","message"}`` with the message
    prefixed by "第 N 行：", capped at ``cap``; the total error count; the rejected row numbers)."""
    if not checks or df.height == 0:
        return [], 0, set()
    flags = df.select(
        pl.col("_row"), *[cond.fill_null(False).alias(f"_b{i}") for i, (_, _, cond, _) in enumerate(checks)]
    )
    bad_rows = flags.filter(pl.any_horizontal([pl.col(f"_b{i}") for i in range(len(checks))])).get_column(
        "_row"
    )
    if not bad_rows.len():
        return [], 0, set()
    sub = df.filter(pl.col("_row").is_in(bad_rows.implode()))
    exprs = []
    for i, (code, rule, cond, msg) in enumerate(checks):
        rule_expr = pl.col(rule[1:]).cast(pl.String) if rule.startswith("@") else pl.lit(rule)
        exprs.append(
            pl.when(cond.fill_null(False))
            .then(
                pl.struct(
                    pl.lit(code).alias("field"),
                    rule_expr.alias("rule"),
                    msg.alias("message"),
                    pl.lit(i).alias("order"),
                )
            )
            .otherwise(None)
            .alias(f"_e{i}")
        )
    bad = sub.select(pl.col("_row"), *exprs)
    errors_df = (
        bad.unpivot(index="_row", on=[f"_e{i}" for i in range(len(checks))])
        .drop_nulls("value")
        .unnest("value")
        .sort(["_row", "order"])
    )
    errors = [
        {"row": row, "field": fld, "rule": rule, "message": f"第 {row} 行：{message}"}
        for row, fld, rule, message in errors_df.head(cap)
        .select("_row", "field", "rule", "message")
        .iter_rows()
    ]
    return errors, errors_df.height, set(bad_rows.to_list())
