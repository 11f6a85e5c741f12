"""Bounded uploads (DESIGN.md §6, issue #16): table limits checked before parsing (declared XLSX
sizes and ratio, declared and counted rows), request bodies cut off while they stream in, and
batch screening kept for roles that may use it. Through the services and through HTTP."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook

from jointcredit.accounts.models import Role
from jointcredit.common.errors import ValidationFailed
from jointcredit.common.uploads import BoundedUploadHandler, UploadTooLarge
from jointcredit.importing.tabular import read_frame, read_table, table_check
from jointcredit.records.services import records_import

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(rows: int, *, dimension: bool = True, cell: str = "x") -> bytes:
    """A real workbook (openpyxl) whose first sheet is replaced by ``rows`` rows streamed into the
    zip: ``cell`` repeated compresses ~1000:1, which is what a zip bomb is."""
    wb = Workbook()
    wb.active.append(["CF_WSH"])
    base = io.BytesIO()
    wb.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != SHEET:
                dst.writestr(item, src.read(item))
                continue
            with dst.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
                if dimension:
                    sheet.write(f'<dimension ref="A1:A{rows + 1}"/>'.encode())
                sheet.write(b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>CF_WSH</t></is></c></row>')
                row = f'<row><c t="inlineStr"><is><t>{cell}</t></is></c></row>'.encode()
                for _ in range(rows // 1000):
                    sheet.write(row * 1000)
                sheet.write(row * (rows % 1000))
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def bomb() -> bytes:
    """~40 KB inflating to ~50 MB (1M rows): over the ratio limit, under the size limits."""
    return xlsx(1_000_000, dimension=False)


def _refusal(exc: ValidationFailed) -> tuple[str, str]:
    return exc.details[0]["rule"], exc.message


def test_xlsx_bomb_refused_by_its_compression_ratio_before_parsing(bomb):
    assert len(bomb) < 200_000
    with pytest.raises(ValidationFailed) as caught:
        table_check(io.BytesIO(bomb), name="bomb.xlsx")
    rule, message = _refusal(caught.value)
    assert (
        rule == "compression_ratio" and "JOINTCREDIT_IMPORT_MAX_XLSX_RATIO" in message and "100 倍" in message
    )


@override_settings(
    JOINTCREDIT_IMPORT_MAX_XLSX_RATIO=100_000, JOINTCREDIT_IMPORT_MAX_UNCOMPRESSED_BYTES=10 << 20
)
def test_xlsx_refused_by_declared_uncompressed_size(bomb):
    with pytest.raises(ValidationFailed) as caught:
        read_frame(io.BytesIO(bomb), name="bomb.xlsx")
    rule, message = _refusal(caught.value)
    assert rule == "uncompressed_size" and "10 MB" in message
    assert "JOINTCREDIT_IMPORT_MAX_UNCOMPRESSED_BYTES" in message


@override_settings(JOINTCREDIT_IMPORT_MAX_ROWS=50)
def test_rows_refused_declared_or_counted():
    with pytest.raises(ValidationFailed) as caught:  # the sheet declares 60 data rows
        table_check(io.BytesIO(xlsx(60)), name="a.xlsx")
    assert _refusal(caught.value)[0] == "max_rows" and "50 行" in caught.value.message
    table = read_table(io.BytesIO(xlsx(60, dimension=False)), name="a.xlsx")  # no dimension: counted
    with pytest.raises(ValidationFailed, match="JOINTCREDIT_IMPORT_MAX_ROWS"):
        list(table.rows)
    csv = ("CF_WSH\n" + "".join(f"{i}\n" for i in range(51))).encode()
    with pytest.raises(ValidationFailed, match="51 行"):
        read_frame(io.BytesIO(csv), name="a.csv")
    ok = ("CF_WSH\n" + "".join(f"{i}\n" for i in range(50))).encode()
    assert read_frame(io.BytesIO(ok), name="a.csv").frame.height == 50


def test_gbk_csv_is_read_through_a_utf8_spool():
    data = "CF_XDR_MC,CF_WSH\n济南某某商贸有限公司,历市监罚〔2026〕1号\n".encode("gbk")
    frame = read_frame(io.BytesIO(data), name="gbk.csv")
    row = frame.frame.row(0, named=True)
    assert frame.encoding == "gbk" and (row["c0"], row["c1"]) == (
        "济南某某商贸有限公司",
        "历市监罚〔2026〕1号",
    )


def test_bomb_refused_by_the_import_service(bomb, user_factory, lixia):
    clerk = user_factory(lixia["scjgj"], roles=[Role.CLERK])
    with pytest.raises(ValidationFailed) as caught:
        records_import(
            actor=clerk,
            record_type="penalty",
            department=lixia["scjgj"],
            fileobj=io.BytesIO(bomb),
            name="b.xlsx",
        )
    assert _refusal(caught.value)[0] == "compression_ratio"


@pytest.mark.parametrize(
    ("path", "extra"),
    [("/api/v1/records/penalties/imports", {}), ("/api/v1/screenings", {"scenario": "funding"})],
)
def test_bomb_refused_with_422_through_the_api(bomb, path, extra, user_factory, lixia, api_client_for):
    client = api_client_for(user_factory(lixia["scjgj"], roles=[Role.CLERK]))
    r = client.upload(path, {"file": SimpleUploadedFile("b.xlsx", bomb), **extra})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["details"][0]["rule"] == "compression_ratio"
    assert "JOINTCREDIT_IMPORT_MAX_XLSX_RATIO" in error["message"]


@override_settings(JOINTCREDIT_UPLOAD_MAX_BYTES=4096)
def test_request_body_over_the_limit_is_413(user_factory, lixia, api_client_for, client):
    clerk = user_factory(lixia["scjgj"], roles=[Role.CLERK])
    big = SimpleUploadedFile("a.csv", b"CF_WSH\n" + b"1\n" * 5000)
    r = api_client_for(clerk).upload("/api/v1/records/penalties/imports", {"file": big})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "upload_too_large"
    assert "JOINTCREDIT_UPLOAD_MAX_BYTES" in r.json()["error"]["message"]
    client.force_login(clerk)
    big.seek(0)
    page = client.post("/staff/measures/screenings/", {"file": big, "scenario": "funding"})
    assert page.status_code == 413 and "上传内容超过上限" in page.content.decode()


@override_settings(JOINTCREDIT_UPLOAD_MAX_BYTES=100)
def test_handler_stops_a_body_without_declared_length_at_the_limit():
    handler = BoundedUploadHandler()
    handler.handle_raw_input(None, {}, 0, b"x")
    assert handler.receive_data_chunk(b"a" * 60, 0) == b"a" * 60
    with pytest.raises(UploadTooLarge, match="上传内容超过上限"):
        handler.receive_data_chunk(b"a" * 60, 60)


def test_a_viewer_may_not_screen_a_file(user_factory, lixia, api_client_for):
    viewer = api_client_for(user_factory(lixia["scjgj"], roles=[Role.VIEWER]))
    r = viewer.upload(
        "/api/v1/screenings",
        {"file": SimpleUploadedFile("a.csv", b"id\n91370102MA3C8XXX0X\n"), "scenario": "funding"},
    )
    assert r.status_code == 403 and "批量比对" in r.json()["error"]["message"]
