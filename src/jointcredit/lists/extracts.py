"""The red and black lists in the daily public extract (``common.extracts``, ADR 0031): the entries
in force on the as-of date, in the very shape and masking of the public API (``public_entry_out``,
``subjects.privacy``). Registered by ``ListsConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from jointcredit.common.extracts import register_extract_dataset

from .models import ListColor
from .selectors import public_entry_out, public_extract_entries

COLUMNS = (
    ("id", "条目编号"),
    ("list_type", "名单类型代码"),
    ("list_type_name", "名单类型"),
    ("color", "颜色（red 红名单 / black 黑名单）"),
    ("subject_name", "主体名称（自然人已脱敏）"),
    ("identifier", "统一社会信用代码 / 证件号码（自然人已脱敏）"),
    ("subject_kind", "主体类别"),
    ("department", "认定部门"),
    ("reason", "列入事由"),
    ("legal_basis", "认定依据"),
    ("document_no", "认定文书号"),
    ("decided_on", "认定日期"),
    ("valid_from", "有效期自"),
    ("valid_until", "有效期至（空为长期）"),
    ("under_objection", "异议中"),
)
CHUNK = 2000


def entry_rows(color: str, on: date) -> Iterator[dict]:
    for entry in public_extract_entries(color=color, on=on).iterator(chunk_size=CHUNK):
        yield public_entry_out(entry)


def register() -> None:
    register_extract_dataset(
        "red-list",
        "红名单",
        columns=COLUMNS,
        rows=lambda on: entry_rows(ListColor.RED, on),
        order=10,
        description="截至数据日期有效的红名单条目。",
    )
    register_extract_dataset(
        "black-list",
        "黑名单",
        columns=COLUMNS,
        rows=lambda on: entry_rows(ListColor.BLACK, on),
        order=20,
        description="截至数据日期有效的黑名单条目。",
    )
