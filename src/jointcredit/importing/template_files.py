"""Blank import templates (导入模板): the header of an import in the national field codes and one
example row, as CSV (UTF-8 with BOM, so Excel shows the Chinese) or XLSX (the Chinese label of each
column as the header cell's comment). Every import page offers one; what it offers is exactly what
its reader accepts."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from django.http import HttpResponse

from jointcredit.common.errors import NotFound

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def template_bytes(
    *, header: Sequence[str], example: Mapping[str, object], fmt: str, labels: Mapping[str, str] | None = None
) -> bytes:
    row = ["" if example.get(h) is None else str(example.get(h)) for h in header]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerow(row)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "导入模板"
    ws.append(list(header))
    ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        label = (labels or {}).get(str(cell.value))
        if label:
            cell.comment = Comment(label, "JointCredit")
        ws.column_dimensions[cell.column_letter].width = max(12, min(40, len(row[cell.column - 1]) + 4))
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_response(
    *,
    header: Sequence[str],
    example: Mapping[str, object],
    fmt: str,
    filename: str,
    labels: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The template as a download named ``<filename>导入模板.<fmt>``; an unknown format is a 404."""
    if fmt not in FORMATS:
        raise NotFound("模板格式只有 CSV 和 XLSX。")
    body = template_bytes(header=header, example=example, fmt=fmt, labels=labels)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = f"{filename}导入模板.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
