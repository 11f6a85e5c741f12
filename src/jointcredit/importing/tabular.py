"""Reading tabular files for every importer (one mechanism, one place).

* ``read_table``: CSV (UTF-8 with or without BOM, GBK/GB18030), XLSX, TXT (one value per line) →
  header + rows with their 1-based line numbers as a person sees them in Excel (header = row 1).
* Size and type checks happen before parsing; a wrong type, an unreadable encoding or a missing
  header is a ``ValidationFailed`` naming the rule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

from jointcredit.common.errors import ValidationFailed

ALLOWED_EXTENSIONS = {".csv", ".xlsx", ".txt"}
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number as shown in the file, cells)
    kind: str  # csv | xlsx | txt
    encoding: str | None = None


def _extension(name: str) -> str:
    name = (name or "").lower()
    return name[name.rfind(".") :] if "." in name else ""


def check_upload(
    *, name: str, size: int, allowed: set[str] = ALLOWED_EXTENSIONS, max_bytes: int | None = None
) -> str:
    ext = _extension(name)
    if ext not in allowed:
        raise ValidationFailed.single(
            "file", "type", f"文件类型“{ext or '无扩展名'}”不受支持，仅支持：{'、'.join(sorted(allowed))}。"
        )
    limit = max_bytes or settings.JOINTCREDIT_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationFailed.single(
            "file", "size", f"文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。"
        )
    if size == 0:
        raise ValidationFailed.single("file", "empty", "文件为空。")
    return ext


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM optional) first, then GB18030 (a superset of GBK); anything else is refused."""
    if b"\x00" in data[:4096]:
        raise ValidationFailed.single("file", "encoding", "文件不是文本文件（含有二进制内容）。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else "gbk")
        except UnicodeDecodeError:
            continue
    raise ValidationFailed.single("file", "encoding", "无法识别文件编码：请使用 UTF-8 或 GBK 编码的 CSV。")


def _clean(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if hasattr(cell, "isoformat") and not isinstance(cell, str):
        value = cell.isoformat()
        return value[:10] if value.endswith("T00:00:00") else value
    return str(cell).strip()


def read_table(
    fileobj: BinaryIO,
    *,
    name: str,
    size: int | None = None,
    allowed: set[str] = ALLOWED_EXTENSIONS,
    require_header: bool = True,
) -> Table:
    data = fileobj.read()
    ext = check_upload(name=name, size=len(data) if size is None else size, allowed=allowed)
    if ext == ".xlsx":
        return _read_xlsx(data, require_header)
    text, encoding = decode_text(data)
    if ext == ".txt":
        lines = [(i, [line.strip()]) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
        return Table(header=[], rows=iter(lines), kind="txt", encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed.single("file", "header", "文件没有表头行。") from None
    except csv.Error as exc:
        raise ValidationFailed.single("file", "format", f"CSV 格式错误：{exc}") from None
    header = [h.strip() for h in header]
    if require_header and not any(header):
        raise ValidationFailed.single("file", "header", "文件第 1 行应为表头（字段代码或中文名称）。")

    def rows():
        line = 1
        try:
            for line, row in enumerate(reader, start=2):
                if any(c.strip() for c in row):
                    yield line, [c.strip() for c in row]
        except csv.Error as exc:
            raise ValidationFailed(
                f"第 {line + 1} 行 CSV 格式错误：{exc}",
                details=[{"row": line + 1, "field": "file", "rule": "format", "message": str(exc)}],
            ) from None

    return Table(header=header, rows=rows(), kind="csv", encoding=encoding)


def _read_xlsx(data: bytes, require_header: bool) -> Table:
    if not data.startswith(_XLSX_MAGIC):
        raise ValidationFailed.single("file", "type", "文件扩展名为 .xlsx，但内容不是 Excel 文件。")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise ValidationFailed.single(
            "file", "format", f"无法读取 Excel 文件：{type(exc).__name__}"
        ) from None
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = [_clean(c) for c in next(iterator)]
    except StopIteration:
        raise ValidationFailed.single("file", "header", "Excel 第一个工作表为空。") from None
    while header and not header[-1]:
        header.pop()
    if require_header and not any(header):
        raise ValidationFailed.single("file", "header", "Excel 第 1 行应为表头（字段代码或中文名称）。")

    def rows():
        for line, row in enumerate(iterator, start=2):
            cells = [_clean(c) for c in row[: len(header) or None]]
            if any(cells):
                yield line, cells
        workbook.close()

    return Table(header=header, rows=rows(), kind="xlsx")


@dataclass
class Frame:
    """A whole table as a polars DataFrame of strings: columns ``c0…c{n-1}`` in header order and
    ``_row`` (the row number as shown in the file, header = 1). Empty rows are dropped."""

    header: list[str]
    frame: object  # polars.DataFrame (imported lazily: most callers never need polars)
    kind: str
    encoding: str | None = None


def read_frame(
    fileobj: BinaryIO,
    *,
    name: str,
    size: int | None = None,
    allowed: set[str] = ALLOWED_EXTENSIONS,
    max_bytes: int | None = None,
) -> Frame:
    """Bulk variant of ``read_table`` for large imports: same checks and errors, but CSV is parsed
    by polars (multi-threaded, ~20× the csv module). Anything polars refuses (ragged rows, stray
    quotes) falls back to ``read_table`` so that the error a person sees is the precise one."""
    import polars as pl

    data = fileobj.read()
    ext = check_upload(
        name=name, size=len(data) if size is None else size, allowed=allowed, max_bytes=max_bytes
    )
    if ext == ".csv":
        text, encoding = decode_text(data)
        raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        if encoding != "utf-8":
            raw = text.encode("utf-8")
        del text
        try:
            df = pl.read_csv(
                io.BytesIO(raw), has_header=False, infer_schema=False, quote_char='"', raise_if_empty=False
            )
        except Exception:  # noqa: BLE001 - polars raises several types; the exact reader explains
            df = None
        if df is not None:
            if df.height == 0:
                raise ValidationFailed.single("file", "header", "文件没有表头行。")
            names = [f"c{i}" for i in range(df.width)]
            df = df.rename(dict(zip(df.columns, names)))
            df = df.with_columns(pl.col(names).str.strip_chars()).with_row_index("_row", offset=1)
            header = [(h or "") for h in df.row(0)[1:]]
            while header and not header[-1]:
                header.pop()
            if not any(header):
                raise ValidationFailed.single("file", "header", "文件第 1 行应为表头（字段代码或中文名称）。")
            body = df.slice(1).filter(pl.any_horizontal([pl.col(n).fill_null("") != "" for n in names]))
            body = body.with_columns(pl.col("_row").cast(pl.Int64))
            return Frame(header=header, frame=body, kind="csv", encoding=encoding)
    table = read_table(io.BytesIO(data), name=name, size=len(data), allowed=allowed)
    width = len(table.header)
    columns: list[list[str]] = [[] for _ in range(width)]
    lines: list[int] = []
    for line, cells in table.rows:
        lines.append(line)
        for i in range(width):
            columns[i].append(cells[i] if i < len(cells) else "")
    frame = pl.DataFrame(
        {f"c{i}": pl.Series(columns[i], dtype=pl.String) for i in range(width)}
        | {"_row": pl.Series(lines, dtype=pl.Int64)}
    )
    return Frame(header=table.header, frame=frame, kind=table.kind, encoding=table.encoding)
