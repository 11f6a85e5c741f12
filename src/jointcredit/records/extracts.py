"""双公示 records in the daily public extract (``common.extracts``, ADR 0031): the licences and
penalties under publication on the as-of date, in the shape and masking of the public pages and
API (``selectors.public_view``, ``subjects.privacy``). Registered by ``RecordsConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from jointcredit.common.extracts import register_extract_dataset

from .fields import LICENSE, PENALTY
from .selectors import public_extract_records, public_view

_HEAD = (
    ("id", "记录编号"),
    ("doc_no", "决定文书号"),
    ("subject_name", "行政相对人名称（自然人已脱敏）"),
    ("subject_kind", "行政相对人类别"),
    ("uscc", "统一社会信用代码"),
    ("id_number", "证件号码（自然人，已脱敏）"),
    ("legal_rep", "法定代表人（已脱敏）"),
    ("decision_date", "决定日期"),
    ("organ_name", "决定机关"),
    ("department", "报送部门"),
    ("public_until", "公示截止期（空为长期）"),
    ("content", "内容"),
)
LICENSE_COLUMNS = _HEAD + (
    ("doc_name", "行政许可决定文书名称"),
    ("category", "许可类别"),
    ("certificate_name", "许可证书名称"),
    ("licence_no", "许可编号"),
    ("valid_from", "有效期自"),
    ("valid_to", "有效期至"),
)
PENALTY_COLUMNS = _HEAD + (
    ("violation_type", "违法行为类型"),
    ("facts", "违法事实"),
    ("basis", "处罚依据"),
    ("categories", "处罚类别"),
    ("fine", "罚款金额（万元）"),
    ("confiscation", "没收违法所得、没收非法财物的金额（万元）"),
    ("licence_affected", "暂扣或吊销证照名称及编号"),
    ("tier", "违法程度"),
)
CHUNK = 2000


def record_rows(record_type: str, on: date) -> Iterator[dict]:
    for record in public_extract_records(record_type=record_type, on=on).iterator(chunk_size=CHUNK):
        yield public_view(record)


def register() -> None:
    register_extract_dataset(
        "licenses",
        "行政许可",
        columns=LICENSE_COLUMNS,
        rows=lambda on: record_rows(LICENSE, on),
        order=30,
        description="数据日期在公示期内的行政许可信息。",
    )
    register_extract_dataset(
        "penalties",
        "行政处罚",
        columns=PENALTY_COLUMNS,
        rows=lambda on: record_rows(PENALTY, on),
        order=40,
        description="数据日期在公示期内的行政处罚信息。",
    )
