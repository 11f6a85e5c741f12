"""Batch screening rows with a name and no identifier (issue #20 §1, ADR 0041): answered with the
best candidates and their scores, never a silent "clear" for an unmatched name."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jointcredit.measures.screening import screening_compute, screening_result_file
from jointcredit.measures.services import screening_run
from jointcredit.subjects.tests.factories import CompanyFactory

from .factories import black_list_type, entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(catalog):
    bad = CompanyFactory(name="济南华信餐饮管理有限公司")
    entry(subject=bad, list_type=black_list_type(), department=catalog["scjgj"])
    plain = CompanyFactory(name="济南恒通物流有限公司")
    return {"bad": bad, "plain": plain}


def _csv(rows, header=("统一社会信用代码", "企业名称")) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("名单.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def _rows(outcome):
    return {r["row"]: r for r in outcome.frame.iter_rows(named=True)}


def test_name_only_rows_get_candidates_and_scores(world):
    upload = _csv(
        [
            ["", "濟南華信餐飲管理有限責任公司"],  # the listed company, traditional characters
            ["", "济南恒通物流有限公司"],  # exactly a known name, no measures
            ["", "青岛远洋船舶重工有限公司"],  # nobody
            [world["plain"].identifier, "写错的名称"],  # an identifier wins: the name is not used
        ]
    )
    rows = _rows(screening_compute(fileobj=upload, file_name=upload.name, scenario="funding"))
    hit = rows[2]
    assert hit["status"] == "hit"
    assert (
        "济南华信餐饮管理有限公司（按名称“濟南華信餐飲管理有限責任公司”匹配，得分 0.96）"
        == hit["subject_name"]
    )
    assert "限制申请财政性资金项目" in hit["measures"]
    candidates = json.loads(hit["candidates_json"])
    assert candidates[0]["identifier"] == world["bad"].identifier
    assert candidates[0]["has_measures"] is True and candidates[0]["score"] == 0.96
    assert "名称归一后一致" in candidates[0]["explanation"]
    clear = rows[3]
    assert clear["status"] == "clear"
    assert json.loads(clear["candidates_json"])[0]["score"] == 0.98
    unmatched = rows[4]
    assert unmatched["status"] == "invalid", "an unmatched name is never a silent clear"
    assert "不能据此判定“未命中”" in unmatched["error"]
    assert rows[5]["status"] == "clear" and rows[5]["candidates_json"] is None


def test_xlsx_name_column_download_and_api_rows(world, user_factory, api_client_for, catalog):
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "统一社会信用代码", "主体名称"])
    ws.append(["1", "", "济南华信餐饮管理有限公司"])
    buffer = io.BytesIO()
    wb.save(buffer)
    user = user_factory(catalog["czj"], roles=["clerk"])
    upload = SimpleUploadedFile("名单.xlsx", buffer.getvalue())
    screening = screening_run(actor=user, fileobj=upload, file_name=upload.name, scenario="funding")
    assert (screening.hit, screening.clear, screening.invalid) == (1, 0, 0)
    content, _, _ = screening_result_file(screening, fmt="csv")
    text = content.decode("utf-8-sig")
    assert "按名称匹配的候选主体（得分）" in text
    assert f"济南华信餐饮管理有限公司（{world['bad'].identifier}，0.98）" in text
    body = api_client_for(user).get(f"/api/v1/screenings/{screening.id}").json()
    row = body["rows"][0]
    assert row["candidates"][0]["identifier"] == world["bad"].identifier


def test_a_name_only_file_without_identifier_column(world):
    upload = _csv([["济南华信餐饮管理有限公司"]], header=("名称",))
    rows = _rows(screening_compute(fileobj=upload, file_name=upload.name, scenario="funding"))
    assert rows[2]["status"] == "hit"


def test_a_former_name_as_registered_is_found_in_bulk(world):
    from jointcredit.subjects.models import SubjectNameChange

    SubjectNameChange.objects.create(
        subject=world["bad"], old_name="济南华信快餐有限公司", new_name=world["bad"].name
    )
    upload = _csv([["", "济南华信快餐有限公司"]])
    row = _rows(screening_compute(fileobj=upload, file_name=upload.name, scenario="funding"))[2]
    assert row["status"] == "hit"
    candidate = json.loads(row["candidates_json"])[0]
    assert candidate["identifier"] == world["bad"].identifier and candidate["score"] == 0.9506
    assert "曾用名" in candidate["explanation"]


def test_many_variant_names_are_searched_in_batches(world, monkeypatch):
    """Names that are not exactly registered go through the match search several at a time (here in
    batches of two, in statements of two names): each row still gets its own company."""
    from jointcredit.measures import matching
    from jointcredit.subjects import candidates

    monkeypatch.setattr(matching, "NAMES_PER_BATCH", 2)
    monkeypatch.setattr(candidates, "NAMES_PER_QUERY", 2)
    companies = [
        CompanyFactory(name=name)
        for name in ("济南鸿运物流有限公司", "济南瑞丰建筑工程有限公司", "山东泰和医药连锁股份有限公司")
    ]
    variants = {
        "濟南鴻運物流有限責任公司": companies[0],
        "济南市历下区瑞丰建筑工程有限公司": companies[1],
        "山东泰和医药连锁股份有限公司历下分公司": companies[2],
        "濟南華信餐飲管理有限公司": world["bad"],
        "济南恒通物流有限责任公司": world["plain"],
    }
    upload = _csv([["", name] for name in variants])
    rows = _rows(screening_compute(fileobj=upload, file_name=upload.name, scenario="funding"))
    for row, (name, company) in zip(sorted(rows), variants.items(), strict=True):
        best = json.loads(rows[row]["candidates_json"])[0]
        assert best["identifier"] == company.identifier, name
        assert best["score"] >= 0.85
    assert rows[5]["status"] == "hit" and rows[2]["status"] == "clear"
