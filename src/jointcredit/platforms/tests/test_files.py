"""The file transport (信用济南-style uploads): files in the national formats generated on schedule
and by hand, downloaded as XLSX/CSV, and the platform's receipt file read back all-or-nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.platforms import services
from jointcredit.platforms.models import OutgoingFile, OutgoingItem, OutgoingState, Platform
from jointcredit.platforms.transports import files
from jointcredit.platforms.transports.config import platform_transport_update
from jointcredit.subjects.tests.factories import CompanyFactory

from .conftest import EXCHANGE
from .test_exchange import _black_published
from .test_https import _red_without_document

pytestmark = pytest.mark.django_db(databases=EXCHANGE)


@pytest.fixture
def file_platform(platform, office_admin):
    return platform_transport_update(
        actor=office_admin, platform=platform, transport="file", file_format="csv", interval_minutes=1440
    )


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(client, platform, content: bytes, name: str = "回执.csv"):
    return client.post(
        reverse("platforms:file_receipt", args=[platform.code]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        follow=True,
    )


def test_generated_by_hand_downloaded_in_both_formats_and_receipts_read_back(
    client, file_platform, office_admin, company, scjgj_clerk, scjgj_approver, lixia, user_factory
):
    black = _black_published(company, scjgj_clerk, scjgj_approver)
    red = _red_without_document(lixia, user_factory)
    client.force_login(office_admin)
    page = client.post(reverse("platforms:exchange_now", args=["jinan"]), follow=True)
    assert "已生成上报文件，共 2 条事项" in page.content.decode()
    [file] = OutgoingFile.objects.filter(platform=file_platform)
    assert file.item_type == "list_entry" and file.item_count == 2
    items = {i.source_key: i for i in file.items.all()}
    assert {i.state for i in items.values()} == {OutgoingState.SENT}
    black_key = items[f"list_entry:{black.pk}"].idempotency_key
    red_key = items[f"list_entry:{red.pk}"].idempotency_key

    response = client.get(reverse("platforms:file_download", args=["jinan", file.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["SBBH", "BGLX", "MD_BH", "MD_LX"] and rows[0][-2:] == ["DFBM", "SJC"]
    by_key = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_key[black_key]["MD_BH"] == f"370102-{black.pk}" and by_key[black_key]["BGLX"] == "新增"
    assert by_key[black_key]["MD_RDWSH"] == "历市监罚〔2026〕7号" and by_key[red_key]["MD_RDWSH"] == ""
    xlsx = client.get(reverse("platforms:file_download", args=["jinan", file.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][0] == rows[0]

    # One unknown 上报编号 and one rejection without a reason: nothing is recorded, both reported by row.
    bad = _csv(
        [["SBBH", "HZJG", "HZYY"], [black_key, "1", ""], ["jinan:不存在", "1", ""], [red_key, "2", ""]]
    )
    page = _upload(client, file_platform, bad).content.decode()
    assert "第 3 行：上报编号（SBBH）“jinan:不存在”不是本区向信用济南上报的事项" in page
    assert "第 4 行：退回的事项必须填写退回原因（HZYY）" in page
    assert set(OutgoingItem.objects.values_list("state", flat=True)) == {OutgoingState.SENT}

    good = _csv(
        [
            ["上报编号", "回执结果", "退回原因"],
            [black_key, "1", ""],
            [red_key, "2", "MD_RDWSH（认定文书号）不能为空"],
        ]
    )
    page = _upload(client, file_platform, good).content.decode()
    assert "接收 1 条，退回 1 条" in page
    accepted, rejected = (OutgoingItem.objects.get(idempotency_key=k) for k in (black_key, red_key))
    assert accepted.state == OutgoingState.ACCEPTED
    assert (
        rejected.state == OutgoingState.REJECTED
        and rejected.rejection_reason == "MD_RDWSH（认定文书号）不能为空"
    )
    audit = AuditEvent.objects.filter(action="platform.receipt_file_record").get()
    assert audit.after["accepted"] == 1 and audit.after["rejected_keys"] == [red_key]
    file.refresh_from_db()
    assert file.receipt_name == "回执.csv" and file.receipt_at
    # The same receipt file again records nothing twice.
    assert "接收 0 条，退回 0 条" in _upload(client, file_platform, good).content.decode()


def test_files_are_generated_on_schedule_one_per_item_type(file_platform, scjgj_clerk, scjgj_approver):
    _black_published(CompanyFactory(), scjgj_clerk, scjgj_approver)
    assert services.platform_exchange_all()["jinan"]["sent"] == 1
    platform = Platform.objects.get(pk=file_platform.pk)
    assert platform.next_round_at == pytest.approx(
        clock.now() + timedelta(minutes=1440), abs=timedelta(minutes=1)
    )
    _black_published(CompanyFactory(), scjgj_clerk, scjgj_approver)
    assert services.platform_exchange_all() == {}  # the day's file was made; the next waits a day
    assert OutgoingFile.objects.count() == 1
    Platform.objects.filter(pk=platform.pk).update(next_round_at=clock.now() - timedelta(seconds=1))
    assert services.platform_exchange_all()["jinan"]["sent"] == 1
    assert OutgoingFile.objects.count() == 2
    assert OutgoingItem.objects.filter(file__isnull=True).count() == 0


def test_the_receipt_file_is_bounded_and_only_the_office_records_it(
    file_platform, office_admin, scjgj_clerk, settings
):
    settings.JOINTCREDIT_IMPORT_MAX_ROWS = 3
    many = _csv([["SBBH", "HZJG", "HZYY"]] + [[f"jinan:{n}", "1", ""] for n in range(10)])
    with pytest.raises(ValidationFailed) as refused:
        files.receipt_file_record(
            actor=office_admin, platform=file_platform, upload=io.BytesIO(many), name="r.csv"
        )
    assert refused.value.details[0]["rule"] == "max_rows"
    with pytest.raises(ValidationFailed) as wrong_type:
        files.receipt_file_record(
            actor=office_admin, platform=file_platform, upload=io.BytesIO(b"x"), name="r.pdf"
        )
    assert wrong_type.value.details[0]["rule"] == "type"
    from jointcredit.common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        files.receipt_file_record(
            actor=scjgj_clerk, platform=file_platform, upload=io.BytesIO(many), name="r.csv"
        )


def test_penalty_and_license_files_carry_the_national_field_codes():
    from jointcredit.records.fields import FIELDS

    penalty = files.file_header("penalty")
    assert penalty[:2] == ["SBBH", "BGLX"] and "CF_WSH" in penalty and "CF_XDR_SHXYM" in penalty
    assert penalty[2:-2] == [s.code for s in FIELDS["penalty"]]
    assert files.file_header("repair")[2:-2] == [
        "XF_BH",
        "XF_DXLX",
        "XF_DXBH",
        "XF_XDR_MC",
        "XF_XDR_DM",
        "XF_JDRQ",
        "XF_JDJG",
    ]


def test_the_daily_sweep_makes_the_file_and_does_not_reconcile_what_it_cannot_ask(
    file_platform, scjgj_clerk, scjgj_approver
):
    from jointcredit.platforms import sweeps

    _black_published(CompanyFactory(), scjgj_clerk, scjgj_approver)
    assert sweeps.run(now=clock.now()) == {"上级平台交换": 1, "对账差异": 0}
    assert OutgoingFile.objects.filter(platform=file_platform).count() == 1
    assert not file_platform.reconciliations.exists()
