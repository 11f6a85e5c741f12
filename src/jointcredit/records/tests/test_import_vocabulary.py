"""Vocabulary columns (``FieldSpec.vocabulary``, held as ``Categorical`` from the reader on,
docs/performance.md "Import memory"): a file validates to the same values and the same errors as the
same rows entered one by one, and errors in those columns still name the row, the field and the rule."""

from __future__ import annotations

import io
from datetime import timedelta

import polars as pl
import pytest

from jointcredit.common import clock
from jointcredit.importing.tabular import read_frame
from jointcredit.records.fields import PENALTY_FIELDS
from jointcredit.records.models import ImportBatch, Penalty
from jointcredit.records.samples import csv_bytes, penalty_row
from jointcredit.records.services import ImportRejected, records_import
from jointcredit.records.validation import Context, column_plan, frame_from_records, frame_to_codes, validate

pytestmark = pytest.mark.django_db


def _messy_rows(rrng, dept) -> list[dict]:
    """Real files' spellings of the same values: dates with / 年月日 or no separators, an organ
    code in lower case, amounts with thousands separators, categories joined by 、."""
    day = clock.today() - timedelta(days=40)
    rows = [penalty_row(rrng, dept, n=i, decided=day - timedelta(days=i)) for i in range(1, 7)]
    rows[0]["CF_JDRQ"] = f"{day.year}/{day.month}/{day.day}"
    rows[1]["CF_JDRQ"] = f"{day.year}年{day.month}月{day.day}日"
    rows[2]["CF_JDRQ"] = day.strftime("%Y%m%d")
    rows[3]["CF_CFJGDM"] = dept.uscc.lower()
    rows[4].update(CF_NR_FK="1,200", CF_CFLB="警告、罚款")
    rows[5]["CF_XDR_LB"] = "公司"  # not one of the three: an error in a vocabulary column
    return rows


def _decoded(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


def test_a_file_validates_like_the_same_rows_entered_one_by_one(lixia, rrng):
    dept = lixia["scjgj"]
    rows = _messy_rows(rrng, dept)
    ctx = Context.build(record_type="penalty", department=dept, today=clock.today())
    table = read_frame(
        io.BytesIO(csv_bytes(rows)), name="p.csv", columns=lambda header: column_plan(header, "penalty")
    )
    vocabulary = {s.code for s in PENALTY_FIELDS if s.vocabulary}
    assert {c for c, t in table.frame.schema.items() if t == pl.Categorical} == {
        f"c{i}" for i, code in enumerate(rows[0]) if code in vocabulary
    }
    from_file = validate(frame_to_codes(table.frame, table.header, "penalty"), ctx)
    entered = validate(frame_from_records(rows, "penalty"), ctx)
    # Row numbers: the file's count the header line, the entered ones start at 1.
    entered_valid = entered.valid.with_columns(pl.col("_row") + 1)
    assert _decoded(from_file.valid).equals(_decoded(entered_valid))
    assert [(e["row"], e["field"], e["rule"]) for e in from_file.errors] == [(7, "CF_XDR_LB", "choice")]
    assert [(e["row"] + 1, e["field"], e["rule"]) for e in entered.errors] == [(7, "CF_XDR_LB", "choice")]
    valid = _decoded(from_file.valid)
    assert set(valid.get_column("decision_date").head(3)) == {clock.today() - timedelta(days=40)}
    assert valid.get_column("organ_code").to_list()[3] == dept.uscc
    assert valid.row(4, named=True)["fine"] == "1200"
    assert valid.row(4, named=True)["categories"] == "警告;罚款"


def test_errors_in_vocabulary_columns_name_row_field_and_rule(scj_clerk, lixia, rrng):
    dept = lixia["scjgj"]
    rows = [penalty_row(rrng, dept, n=i) for i in range(1, 7)]
    rows[1]["CF_XDR_LB"] = "公司"
    rows[2]["CF_JDRQ"] = "2025-13-01"
    rows[3]["CF_YJ"] = "依" * 2001
    rows[4]["CF_WSH"] = rows[0]["CF_WSH"]
    rows[5]["CF_CFLB"] = "罚金"
    data = csv_bytes(rows)
    with pytest.raises(ImportRejected) as exc:
        records_import(
            actor=scj_clerk,
            record_type="penalty",
            department=dept,
            fileobj=io.BytesIO(data),
            name="p.csv",
            size=len(data),
        )
    batch = exc.value.batch
    assert batch.status == ImportBatch.Status.REJECTED and Penalty.objects.count() == 0
    assert [(e["row"], e["field"], e["rule"]) for e in batch.errors] == [
        (3, "CF_XDR_LB", "choice"),
        (4, "CF_JDRQ", "date"),
        (5, "CF_YJ", "max_length"),
        (6, "CF_WSH", "duplicate_in_file"),
        (7, "CF_CFLB", "choice"),
    ]
    messages = [e["message"] for e in batch.errors]
    assert (
        messages[0]
        == "第 3 行：行政相对人类别（CF_XDR_LB）“公司”无效，应为法人及非法人组织、自然人或个体工商户。"
    )
    assert messages[1] == "第 4 行：处罚决定日期（CF_JDRQ）“2025-13-01”不是有效日期，应为 YYYY-MM-DD。"
    assert messages[2] == "第 5 行：处罚依据（CF_YJ）不能超过 2000 个字符，实际 2001 个。"
    assert messages[3] == f"第 6 行：行政处罚决定书文号（CF_WSH）“{rows[0]['CF_WSH']}”与本文件第 2 行重复。"
    assert messages[4].startswith("第 7 行：处罚类别（CF_CFLB）“罚金”不在国家标准目录中")
