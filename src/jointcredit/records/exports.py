"""Standard-format files (CSV, XLSX) of records and of the timeliness report.

Every cell goes through ``common.tabular.safe_cell``: a value such as ``=cmd|' /C calc'!A0`` that a
department typed into 备注 must not become a formula on the machine that opens the export.
"""

from __future__ import annotations

from datetime import date

from jointcredit.common.tabular import table_response

from . import selectors
from .fields import FIELDS, RECORD_TYPE_LABELS


def export_response(
    *, record_type: str, fmt: str, department=None, date_from: date | None = None, date_to: date | None = None
):
    header, rows = selectors.export_rows(
        record_type=record_type, department=department, date_from=date_from, date_to=date_to
    )
    stem = f"{RECORD_TYPE_LABELS[record_type]}-{department.code if department else 'all'}"
    return table_response(header=header, rows=rows, fmt=fmt, stem=stem)


def timeliness_response(*, rows: list[dict], fmt: str, stem: str = "公示及时性"):
    header = [label for _, label in selectors.TIMELINESS_COLUMNS]
    body = ([r[k] if r[k] is not None else "" for k, _ in selectors.TIMELINESS_COLUMNS] for r in rows)
    return table_response(header=header, rows=body, fmt=fmt, stem=stem)


def standard_fields(record) -> dict:
    """The record in its standard codes (detail API, staff page)."""
    return {s.code: selectors._export_value(record, s.attr) for s in FIELDS[record.record_type]}
