"""Exports of inspection results (CSV/XLSX through ``common.tabular.safe_cell``) and the candidate
list reader for honours screening (``importing.tabular.read_table``)."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from jointcredit.common.errors import ValidationFailed
from jointcredit.common.tabular import safe_cell
from jointcredit.importing.tabular import read_table

from .inspections import sample_rows

PUBLIC_COLUMNS = [
    ("name", "主体名称"),
    ("identifier", "统一社会信用代码/证件号码"),
    ("kind", "主体类别"),
    ("inspectors", "执法检查人员"),
]
STAFF_COLUMNS = PUBLIC_COLUMNS + [("grade", "信用等级"), ("reason", "抽取方式")]


def plan_export(plan, *, fmt: str, public: bool) -> tuple[bytes, str, str]:
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed.single("format", "choice", "导出格式 format 必须是 csv 或 xlsx。")
    columns = PUBLIC_COLUMNS if public else STAFF_COLUMNS
    header = [label for _, label in columns]
    meta = [
        ["抽查计划", plan.name],
        ["检查部门", plan.department.name],
        ["随机种子", str(plan.seed)],
        ["抽取时间", plan.drawn_at.strftime("%Y-%m-%d %H:%M")],
        ["对象总数", str(plan.population_size)],
    ]
    rows = [[safe_cell(r.get(key, "")) for key, _ in columns] for r in sample_rows(plan, public=public)]
    name = quote(f"双随机抽查结果-{plan.pk}.{fmt}")
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        for m in meta:
            writer.writerow([safe_cell(v) for v in m])
        writer.writerow([])
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", name
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("抽查结果")
    for m in meta:
        ws.append([safe_cell(v) for v in m])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name


def identifiers_from_upload(upload) -> list[str]:
    """First column of a CSV/XLSX (header row skipped) or every line of a TXT."""
    table = read_table(
        upload.file if hasattr(upload, "file") else upload,
        name=upload.name,
        size=getattr(upload, "size", None),
        require_header=False,
    )
    out = []
    # A CSV/XLSX without a header row: its first line is already an identifier, keep it.
    first = table.header[0].strip().upper() if table.header else ""
    if len(first) >= 15 and first.replace(":", "").isalnum() and first.isascii():
        out.append(first)
    out.extend(cells[0].strip() for _, cells in table.rows if cells and cells[0].strip())
    return out


def identifiers_from_text(text: str) -> list[str]:
    return [
        line.strip()
        for line in (text or "").replace("，", ",").replace(",", "\n").splitlines()
        if line.strip()
    ]
