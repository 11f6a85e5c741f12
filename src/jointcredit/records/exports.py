"""Standard-format files (CSV, XLSX) of records and of the timeliness report.

Every cell goes through ``common.tabular.safe_cell``: a value such as ``=cmd|' /C calc'!A0`` that a
department typed into 备注 must not become a formula on the machine that opens the export.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.http import HttpResponse, StreamingHttpResponse

from jointcredit.common import clock
from jointcredit.common.tabular import safe_cell

from . import selectors
from .fields import FIELDS, RECORD_TYPE_LABELS

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value):
        return value


def _filename(stem: str, fmt: str) -> str:
    return f"{stem}-{clock.today():%Y%m%d}.{fmt}"


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return (
        f'attachment; filename="{name.encode("ascii", "ignore").decode() or "export"}"; '
        f"filename*=UTF-8''{quote(name)}"
    )


def table_response(*, header: list[str], rows, fmt: str, stem: str):
    """CSV is streamed (UTF-8 with BOM so Excel opens it right); XLSX is written in write-only mode."""
    name = _filename(stem, fmt)
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append([safe_cell(h) for h in header])
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    else:
        writer = csv.writer(_Echo())

        def stream():
            yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
            for row in rows:
                yield writer.writerow([safe_cell(v) for v in row])

        response = StreamingHttpResponse(stream(), content_type=CSV_TYPE)
    response["Content-Disposition"] = _disposition(name)
    return response


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
