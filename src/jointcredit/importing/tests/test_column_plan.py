"""``read_frame`` with a column plan (docs/performance.md, "Import memory"): only the planned
columns are kept, vocabulary columns arrive as ``Categorical`` with the same values, and CSV (polars)
and XLSX (the exact reader) give the same frame."""

from __future__ import annotations

import io

import polars as pl
import pytest

from jointcredit.common.errors import ValidationFailed
from jointcredit.importing.tabular import read_frame
from jointcredit.records.samples import csv_bytes, xlsx_bytes

HEADER = ["文书号", "机关", "备注（不导入）", "日期"]
ROWS = [
    {"文书号": " A-1 ", "机关": "历下区市场监督管理局", "备注（不导入）": "x", "日期": "2026-01-05"},
    {"文书号": "", "机关": "", "备注（不导入）": "", "日期": ""},  # blank: dropped
    {"文书号": "", "机关": "", "备注（不导入）": "只有这一列有字", "日期": ""},  # a row all the same
    {"文书号": "A-3", "机关": " 历下区市场监督管理局", "备注（不导入）": "", "日期": "2026/1/6"},
]


def plan(header: list[str]) -> dict[int, bool]:
    assert header == HEADER
    return {0: False, 1: True, 3: True}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_planned_columns_kept_vocabulary_categorical_same_values(kind):
    data = csv_bytes(ROWS, HEADER) if kind == "csv" else xlsx_bytes(ROWS, HEADER)
    table = read_frame(io.BytesIO(data), name=f"t.{kind}", columns=plan)
    frame = table.frame
    assert table.header == HEADER
    assert frame.columns == ["_row", "c0", "c1", "c3"]  # the unread column is not held
    assert frame.schema["c0"] == pl.String
    assert frame.schema["c1"] == pl.Categorical and frame.schema["c3"] == pl.Categorical
    decoded = frame.with_columns(pl.col("c1", "c3").cast(pl.String)).fill_null("")
    assert decoded.rows() == [
        (2, "A-1", "历下区市场监督管理局", "2026-01-05"),
        # A row with text only in a column nobody reads is still a row (its fields then fail as
        # missing), not silently dropped as blank.
        (4, "", "", ""),
        (5, "A-3", "历下区市场监督管理局", "2026/1/6"),
    ]


def test_without_plan_every_column_is_text():
    table = read_frame(io.BytesIO(csv_bytes(ROWS, HEADER)), name="t.csv")
    assert table.frame.columns == ["_row", "c0", "c1", "c2", "c3"]
    assert all(dtype == pl.String for name, dtype in table.frame.schema.items() if name != "_row")


def test_a_plan_refusing_the_header_is_the_error_before_parsing():
    def refuse(header):
        raise ValidationFailed.single("file", "header_missing", "缺少必需的列 CF_WSH。")

    with pytest.raises(ValidationFailed) as exc:
        read_frame(io.BytesIO(csv_bytes(ROWS, HEADER)), name="t.csv", columns=refuse)
    assert exc.value.details[0]["rule"] == "header_missing"
