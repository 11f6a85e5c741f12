"""Writing tabular files: what every exporter shares (the reading side is ``jointcredit.importing``)."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse

from . import clock

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Exported cells never start a formula (CSV/XLSX injection, OWASP)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def table_response(*, header: list[str], rows, fmt: str, stem: str):
    """A download of ``header`` + ``rows`` (an iterator: never all in memory), every cell through
    ``safe_cell``. CSV is streamed (UTF-8 with BOM so Excel opens it right); XLSX is written in
    write-only mode (the finished workbook, compressed, is one response body)."""
    name = f"{stem}-{clock.today():%Y%m%d}.{fmt}"
    response: HttpResponse | StreamingHttpResponse
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
