"""Hostile upload (DESIGN.md §5/§6, issue #16): a ~1 MB XLSX whose sheet inflates to 250 MB+ of
XML, refused before parsing. Target: < 2 s and < 200 MB of extra memory.

The bomb is built here: a real openpyxl workbook whose ``xl/worksheets/sheet1.xml`` is replaced by
millions of identical rows streamed into the zip (no ``<dimension>``: the declared row count
cannot give it away, only the declared sizes can). A fresh process with Django set up (the
production settings' limits) reads it through ``importing.tabular.read_frame`` — the reader every
importer and the screening use — and reports the wall time and the peak RSS above its baseline.

    .venv/bin/python -m bench.bench_upload_bomb
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bench import harness as h

SHEET = "xl/worksheets/sheet1.xml"
ROWS = 6_000_000  # × 47 bytes of XML ≈ 280 MB inflated


def build(path: Path, rows: int = ROWS) -> tuple[int, int]:
    """Write the bomb to ``path``; returns (file size, declared uncompressed size)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["CF_WSH"])
    base = io.BytesIO()
    wb.save(base)
    with (
        zipfile.ZipFile(base) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for item in src.infolist():
            if item.filename != SHEET:
                dst.writestr(item, src.read(item))
                continue
            with dst.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                sheet.write(b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>CF_WSH</t></is></c></row>')
                row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
                for _ in range(rows // 10_000):
                    sheet.write(row * 10_000)
                sheet.write(b"</sheetData></worksheet>")
        declared = sum(i.file_size for i in dst.infolist())
    return path.stat().st_size, declared


CHILD = r"""
import json, resource, sys, time, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
import django
django.setup()
from jointcredit.common.errors import ValidationFailed
from jointcredit.importing.tabular import read_frame
import polars, openpyxl  # the reader's own imports, loaded before the baseline
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    with open(sys.argv[1], "rb") as fh:
        read_frame(fh, name="bomb.xlsx")
    refused, message = False, ""
except ValidationFailed as exc:
    refused, message = True, exc.message
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"refused": refused, "message": message, "seconds": seconds, "extra_kb": peak - base}))
"""


def main(quick: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.xlsx"
        size, declared = build(path)
        h.note(f"炸弹：{size / 1048576:.2f} MB，声明解压后 {declared / 1048576:.0f} MB")
        env = h.django_env(f"{h.PG_SERVER}/postgres")
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            env=env,
            cwd=h.ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-2000:])
        result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["refused"]:
        raise RuntimeError("压缩炸弹未被拒绝")
    h.note(f"拒绝信息：{result['message']}")
    h.report("upload.bomb.seconds", result["seconds"], "s", higher_is_better=False)
    h.report("upload.bomb.extra_rss", result["extra_kb"] / 1024, "MB", higher_is_better=False)


if __name__ == "__main__":
    main()
