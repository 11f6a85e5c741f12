"""Batch screening: services, vectorised validation, API and downloads."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.measures.screening import identifiers_validate, screening_compute
from jointcredit.measures.services import screening_run
from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import IdentifierInvalid, detect_and_validate
from jointcredit.subjects.models import RelatedRole, SubjectAlias
from jointcredit.subjects.tests.factories import CompanyFactory, RelatedPersonFactory

from .factories import black_list_type, entry, red_list_type

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(catalog):
    bad = CompanyFactory()
    entry(subject=bad, list_type=black_list_type(), department=catalog["scjgj"], under_objection=True)
    rep = RelatedPersonFactory(subject=bad, role=RelatedRole.LEGAL_REPRESENTATIVE)
    good = CompanyFactory()
    entry(subject=good, list_type=red_list_type(), department=catalog["swj"])
    plain = CompanyFactory()
    return {"bad": bad, "rep": rep.person, "good": good, "plain": plain}


def csv_file(rows, header=("统一社会信用代码/证件号码", "名称"), name="名单.csv", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def statuses(outcome):
    return [(r["row"], r["status"]) for r in outcome.frame.select("row", "status").iter_rows(named=True)]


def test_every_row_gets_a_result_in_order(world):
    unknown = gen.uscc(random.Random(77))
    upload = csv_file(
        [
            [world["bad"].identifier, world["bad"].name],
            [world["plain"].identifier, world["plain"].name],
            ["91370102MA3C1234", "少一位"],
            [unknown, "未收录"],
            ["", "没填标识"],
            [world["bad"].identifier.lower(), "小写重复"],
        ]
    )
    outcome = screening_compute(fileobj=upload, file_name=upload.name, scenario="funding")
    assert statuses(outcome) == [
        (2, "hit"),
        (3, "clear"),
        (4, "invalid"),
        (5, "clear"),
        (6, "invalid"),
        (7, "hit"),
    ]
    rows = outcome.frame.to_dicts()
    assert rows[0]["measure_codes"] == "punish-funding"
    assert rows[0]["under_objection"] is True
    assert rows[0]["subject_name"] == world["bad"].name
    assert "18 位" in rows[2]["error"]
    assert rows[4]["error"]  # empty identifier says so
    assert outcome.counts() == {"hit": 2, "clear": 2, "invalid": 2}


def test_roles_incentives_and_scenario(world):
    upload = SimpleUploadedFile(
        "ids.txt",
        "\n".join([world["rep"].identifier, world["good"].identifier, world["bad"].identifier]).encode(),
    )
    outcome = screening_compute(fileobj=upload, file_name="ids.txt", scenario="market_entry")
    rows = outcome.frame.to_dicts()
    assert [r["status"] for r in rows] == ["hit", "clear", "hit"]
    assert f"法定代表人:{world['bad'].identifier}" in rows[0]["measures"]
    upload.seek(0)
    licensing = screening_compute(fileobj=upload, file_name="ids.txt", scenario="licensing").frame.to_dicts()
    assert [r["measure_codes"] for r in licensing] == [
        None,
        "reward-green-channel;reward-tolerance-acceptance",
        "punish-strict-licensing",
    ]


def test_alias_identifier_finds_the_subject(world):
    SubjectAlias.objects.create(subject=world["bad"], id_type="business_reg_no", value="370102000123456")
    upload = SimpleUploadedFile("ids.txt", b"370102000123456\n")
    (row,) = screening_compute(fileobj=upload, file_name="ids.txt", scenario="funding").frame.to_dicts()
    assert row["status"] == "hit" and row["subject_name"] == world["bad"].name


def test_headerless_csv_keeps_its_first_row(world):
    upload = csv_file([[world["bad"].identifier], ["91370102MA3C1234"]], header=None)
    outcome = screening_compute(fileobj=upload, file_name=upload.name, scenario="funding")
    assert statuses(outcome) == [(1, "hit"), (2, "invalid")]
    assert outcome.header_detected is False


def test_identifier_column_found_by_header_and_gbk(world):
    upload = csv_file(
        [["甲公司", world["bad"].identifier]], header=("企业名称", "统一社会信用代码"), encoding="gbk"
    )
    assert statuses(screening_compute(fileobj=upload, file_name=upload.name, scenario="funding")) == [
        (2, "hit")
    ]


def test_xlsx_input(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["证件号码"])
    sheet.append([world["rep"].identifier])
    sheet.append([world["plain"].identifier])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("名单.xlsx", buffer.getvalue())
    assert statuses(screening_compute(fileobj=upload, file_name=upload.name, scenario="honours")) == [
        (2, "hit"),
        (3, "clear"),
    ]


def test_screening_date_and_bad_scenario(world, catalog):
    old = CompanyFactory()
    entry(
        subject=old,
        list_type=black_list_type(),
        department=catalog["scjgj"],
        valid_from=clock.today() - timedelta(days=400),
        valid_until=clock.today() - timedelta(days=1),
    )
    upload = SimpleUploadedFile("ids.txt", old.identifier.encode())
    assert screening_compute(fileobj=upload, file_name="ids.txt", scenario="funding").frame[
        "status"
    ].to_list() == ["clear"]
    upload.seek(0)
    assert screening_compute(
        fileobj=upload, file_name="ids.txt", scenario="funding", on=clock.today() - timedelta(days=5)
    ).frame["status"].to_list() == ["hit"]
    upload.seek(0)
    with pytest.raises(ValidationFailed) as exc:
        screening_compute(fileobj=upload, file_name="ids.txt", scenario="nothing")
    assert exc.value.details[0]["field"] == "scenario"


def test_empty_and_wrong_type_files_are_refused(catalog):
    with pytest.raises(ValidationFailed):
        screening_compute(
            fileobj=SimpleUploadedFile("a.pdf", b"%PDF-1.4"), file_name="a.pdf", scenario="funding"
        )
    with pytest.raises(ValidationFailed) as exc:
        screening_compute(
            fileobj=SimpleUploadedFile("a.csv", "标识\n".encode()), file_name="a.csv", scenario="funding"
        )
    assert exc.value.details[0]["rule"] == "empty"


def _mutations(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        code = (
            gen.uscc(rng, registry=rng.choice("159Y"), org_type=rng.choice("123"))
            if rng.random() < 0.5
            else gen.resident_id(rng, born_from=1930, born_to=2020)
        )
        r = rng.random()
        if r < 0.3:
            i = rng.randrange(18)
            code = code[:i] + rng.choice("0123456789XYAIOZ") + code[i + 1 :]
        elif r < 0.4:
            code = code[:10] + "1302" + code[14:]  # impossible date for IDs
        elif r < 0.45:
            code = code[: rng.randrange(18)]
        elif r < 0.5:
            code = " " + code.lower().replace("1", "1-", 1)
        out.append(code)
    return out + ["E12345678", "H1234567801", "37010219900101123X", "110101" + "20991231" + "0010", ""]


def test_vectorised_validation_agrees_with_detect_and_validate():
    raw = _mutations(random.Random(2026), 3000)
    _, errors = identifiers_validate(raw)
    for code, error in zip(raw, errors.to_list()):
        try:
            detect_and_validate(code)
            expected_ok = True
        except IdentifierInvalid:
            expected_ok = False
        assert (error is None) == expected_ok, code


# --- service, API and downloads --------------------------------------------------------------------


def test_screening_run_stores_result_and_audits(world, user_factory, catalog):
    user = user_factory(catalog["czj"], roles=["clerk"])
    upload = csv_file([[world["bad"].identifier, ""], ["X", ""]])
    screening = screening_run(actor=user, fileobj=upload, file_name=upload.name, scenario="funding")
    assert (screening.total, screening.hit, screening.clear, screening.invalid) == (2, 1, 0, 1)
    assert screening.department == catalog["czj"]
    event = AuditEvent.objects.filter(action="screening.run").latest("seq")
    assert event.after["total"] == 2 and event.object_id == str(screening.id)


def test_api_screening_roundtrip(world, user_factory, api_client_for, catalog):
    client = api_client_for(user_factory(catalog["czj"], roles=["clerk"]))
    upload = csv_file([[world["bad"].identifier, ""], [world["plain"].identifier, ""], ["=HYPERLINK(1)", ""]])
    r = client.upload("/api/v1/screenings", {"file": upload, "scenario": "funding"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["total"], body["hit"], body["clear"], body["invalid"]) == (3, 1, 1, 1)
    assert [row["status"] for row in body["rows"]] == ["hit", "clear", "invalid"]
    assert body["rows"][0]["measures"] == ["限制申请财政性资金项目"]
    assert body["rows"][0]["hits"][0]["via"] == "self"
    assert body["rows"][2]["error"]

    detail = client.get(f"/api/v1/screenings/{body['id']}", {"status": "invalid", "page_size": 1}).json()
    assert detail["rows_total"] == 1 and detail["rows"][0]["row"] == 4

    csv_body = client.get(body["result_csv"].replace("/api/v1", "/api/v1", 1)).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(csv_body)))
    assert lines[0][:3] == ["行号", "标识", "比对结果"]
    assert [line[2] for line in lines[1:]] == ["命中", "未命中", "无效"]
    assert lines[3][1] == "'=HYPERLINK(1)"  # no formula injection in the export

    xlsx = client.get(body["result_xlsx"])
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 4

    listing = client.get("/api/v1/screenings").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]


def test_api_screening_is_private_to_the_department(world, user_factory, api_client_for, catalog):
    owner = api_client_for(user_factory(catalog["czj"], roles=["clerk"]))
    other = api_client_for(user_factory(catalog["swj"], roles=["viewer"]))
    body = owner.upload(
        "/api/v1/screenings", {"file": csv_file([[world["bad"].identifier, ""]]), "scenario": "funding"}
    ).json()
    assert other.get(f"/api/v1/screenings/{body['id']}").status_code == 404
    assert other.get(f"/api/v1/screenings/{body['id']}/result").status_code == 404
    assert other.get("/api/v1/screenings").json()["total"] == 0


def test_api_screening_rejects_bad_scenario_and_file(catalog, user_factory, api_client_for):
    client = api_client_for(user_factory(catalog["czj"], roles=["clerk"]))
    r = client.upload("/api/v1/screenings", {"file": csv_file([["x", ""]]), "scenario": "bogus"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "scenario"
    r = client.upload(
        "/api/v1/screenings", {"file": SimpleUploadedFile("a.exe", b"MZ"), "scenario": "funding"}
    )
    assert r.status_code == 422


def test_set_based_hit_set_agrees_with_the_engine(world, catalog):
    """``hit_targets_frame`` (joins, what screening uses) == ``engine.hits_compute`` per subject."""
    from jointcredit.measures.screening import _targets_frame, hit_targets_build, hit_targets_frame
    from jointcredit.subjects.tests.factories import PersonFactory

    both = CompanyFactory(name='双"名单\\公司')
    entry(subject=both, list_type=black_list_type(), department=catalog["scjgj"])
    entry(subject=both, list_type=red_list_type(), department=catalog["swj"])
    RelatedPersonFactory(subject=both, role=RelatedRole.DIRECTOR, directly_responsible=True)
    RelatedPersonFactory(subject=both, role=RelatedRole.DIRECTOR, directly_responsible=False)
    RelatedPersonFactory(subject=world["good"], role=RelatedRole.LEGAL_REPRESENTATIVE)
    RelatedPersonFactory(subject=world["bad"], role=RelatedRole.PRINCIPAL, person=world["rep"])
    RelatedPersonFactory(
        subject=both, role=RelatedRole.SENIOR_MANAGER, valid_until=clock.today() - timedelta(days=1)
    )
    old = PersonFactory()
    old.merged_into = world["rep"]
    old.save()
    SubjectAlias.objects.create(subject=both, id_type="business_reg_no", value="370102000654321")
    SubjectAlias.objects.create(subject=world["plain"], id_type="business_reg_no", value="370102000999999")
    for scenario in ("funding", "honours", "market_entry", "licensing", "inspection", "publicity"):
        expected = _targets_frame(hit_targets_build(scenario=scenario, on=clock.today())).sort("normalized")
        got = hit_targets_frame(scenario=scenario, on=clock.today()).sort("normalized")
        assert got.equals(expected), scenario
        assert got.height > 0
