"""The daily public extract (ADR 0031): contents, masking, as-of rules, checksums, idempotence,
atomicity, the download page, the sweep and the command."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from datetime import timedelta

import pytest
from django.core.management import call_command

from jointcredit.accounts.models import Role
from jointcredit.common import clock, extracts
from jointcredit.lists import services as lists_services
from jointcredit.lists.models import ListType
from jointcredit.portal import sweeps
from jointcredit.portal.tasks import extract_build_task
from jointcredit.records.tests.factories import license_row, penalty_row
from jointcredit.subjects.privacy import mask_person_name
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def extract_dir(settings, tmp_path):
    settings.JOINTCREDIT_EXTRACT_DIR = tmp_path / "extracts"
    return settings.JOINTCREDIT_EXTRACT_DIR


@pytest.fixture
def people(user_factory, lixia):
    lists_services.list_types_seed()
    assert ListType.objects.exists()
    return {
        "clerk": user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scj_clerk"),
        "approver": user_factory(lixia["scjgj"], roles=[Role.APPROVER, Role.CLERK], username="scj_appr"),
        "swj_clerk": user_factory(lixia["swj"], roles=[Role.CLERK], username="swj_clerk"),
        "swj_approver": user_factory(lixia["swj"], roles=[Role.APPROVER, Role.CLERK], username="swj_appr"),
    }


def _black(people, subject, valid_until=None):
    today = clock.today()
    entry = lists_services.list_entry_create(
        actor=people["clerk"],
        list_type="black_health_safety",
        identifier=subject.identifier,
        name=subject.name,
        reason="在餐饮服务中使用超过保质期的食品原料，造成12人食物中毒。",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
    )
    entry = lists_services.list_entry_notify(
        entry=entry, actor=people["clerk"], notified_on=today - timedelta(days=30)
    )
    entry = lists_services.list_entry_decide(entry=entry, actor=people["approver"], valid_until=valid_until)
    return lists_services.list_entry_publish(entry=entry, actor=people["approver"])


@pytest.fixture
def data(people, lixia, api_client_for):
    """Published black entries (a company, a person, one ending soon), a red entry, a draft, a removed
    entry; 双公示: a company's and a person's penalty, a licence, a penalty past its window."""
    today = clock.today()
    company, person = CompanyFactory(name="济南泉城鑫源餐饮管理有限公司"), PersonFactory(name="王建国")
    short = CompanyFactory(name="济南历下短期餐饮有限公司")
    out = {"company": company, "person": person}
    out["black_company"] = _black(people, company)
    out["black_person"] = _black(people, person)
    out["black_short"] = _black(people, short, valid_until=today + timedelta(days=5))
    removed = _black(people, CompanyFactory(name="济南已移出商贸有限公司"))
    lists_services.list_entry_remove(entry=removed, actor=people["approver"], reason="revoked", note="撤销")
    out["removed"] = removed
    out["draft"] = lists_services.list_entry_create(
        actor=people["clerk"],
        list_type="black_health_safety",
        identifier=CompanyFactory().identifier,
        name="济南草稿餐饮有限公司",
        reason="草稿",
    )
    red_subject = CompanyFactory(name="济南诚信纳税示范有限公司")
    red = lists_services.list_entry_create(
        actor=people["swj_clerk"],
        list_type="red_good_rating",
        identifier=red_subject.identifier,
        name=red_subject.name,
        reason="2025年度纳税信用评价为A级。",
        decided_on=today - timedelta(days=10),
    )
    out["red"] = lists_services.list_entry_publish(entry=red, actor=people["swj_approver"])

    rng = random.Random(20261205)
    api = api_client_for(people["clerk"])
    dept = lixia["scjgj"]
    rows = {
        "penalty_company": penalty_row(rng, dept, n=1, CF_NR='=HYPERLINK("http://x")罚款人民币五千元'),
        "penalty_person": penalty_row(rng, dept, n=2, person=True),
        "penalty_old": penalty_row(rng, dept, n=3, decided=today - timedelta(days=800)),
    }
    for key, row in rows.items():
        r = api.post("/api/v1/records/penalties", row)
        assert r.status_code == 201, r.json()
        out[key] = r.json()["id"]
        out[key + "_row"] = row
    r = api.post("/api/v1/records/licenses", license_row(rng, dept, n=1))
    assert r.status_code == 201, r.json()
    out["license"] = r.json()["id"]
    return out


def _read(extract, key, fmt):
    f = next(f for f in extract.files if f.dataset == key and f.format == fmt)
    raw = (extract.path / f.name).read_bytes()
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def test_contents_masked_and_only_in_force(data):
    today = clock.today()
    extract = extracts.extract_build(as_of=today)
    assert extract.built
    for fmt in ("csv", "jsonl"):
        black = _read(extract, "black-list", fmt)
        ids = sorted(int(r["id"]) for r in black)
        assert ids == sorted([data["black_company"].pk, data["black_person"].pk, data["black_short"].pk])
        by_id = {int(r["id"]): r for r in black}
        person_row = by_id[data["black_person"].pk]
        assert person_row["subject_name"] == mask_person_name("王建国") != "王建国"
        assert data["person"].identifier not in json.dumps(black, ensure_ascii=False)
        assert person_row["identifier"].startswith(data["person"].identifier[:6])
        assert "*" in person_row["identifier"]
        assert by_id[data["black_company"].pk]["identifier"] == data["company"].identifier
        assert [int(r["id"]) for r in _read(extract, "red-list", fmt)] == [data["red"].pk]
        penalties = {int(r["id"]): r for r in _read(extract, "penalties", fmt)}
        assert set(penalties) == {data["penalty_company"], data["penalty_person"]}
        person_penalty = penalties[data["penalty_person"]]
        assert person_penalty["subject_name"] != data["penalty_person_row"]["CF_XDR_MC"]
        assert person_penalty["subject_name"].endswith("*")
        assert data["penalty_person_row"]["CF_XDR_ZJHM"] not in json.dumps(penalties, ensure_ascii=False)
        assert [int(r["id"]) for r in _read(extract, "licenses", fmt)] == [data["license"]]
    # CSV cells pass the injection guard; JSON Lines keep the value as stored.
    csv_bz = {int(r["id"]): r for r in _read(extract, "penalties", "csv")}
    json_bz = {int(r["id"]): r for r in _read(extract, "penalties", "jsonl")}
    assert json_bz[data["penalty_company"]]["content"].startswith("=HYPERLINK")
    assert csv_bz[data["penalty_company"]]["content"] == "'" + json_bz[data["penalty_company"]]["content"]
    assert _read(extract, "black-list", "jsonl")[0]["under_objection"] is False
    assert _read(extract, "black-list", "csv")[0]["under_objection"] == "否"


def test_as_of_date_applies_validity(data, time_machine):
    """A week later the entry valid for five more days is no longer in the extract."""
    time_machine.move_to(clock.now() + timedelta(days=7))
    extract = extracts.extract_build(as_of=clock.today())
    ids = {int(r["id"]) for r in _read(extract, "black-list", "jsonl")}
    assert data["black_short"].pk not in ids and data["black_company"].pk in ids


def test_as_of_excludes_what_was_published_later(data):
    yesterday = clock.today() - timedelta(days=1)
    extract = extracts.extract_build(as_of=yesterday)
    assert all(f.rows == 0 for f in extract.files)


def test_checksums_verify_and_manifest(data, extract_dir):
    extract = extracts.extract_build(as_of=clock.today())
    sums = (extract.path / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 8
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((extract.path / name).read_bytes()).hexdigest() == digest
    manifest = json.loads((extract.path / "manifest.json").read_text())
    assert manifest["as_of"] == clock.today().isoformat()
    assert {f["name"] for f in manifest["files"]} == {line.split("  ")[1] for line in sums}
    for f in manifest["files"]:
        assert (extract.path / f["name"]).stat().st_size == f["bytes"]


def test_idempotent_per_date_and_forced_rebuild_is_identical(data):
    today = clock.today()
    first = extracts.extract_build(as_of=today)
    sums = (first.path / "SHA256SUMS").read_bytes()
    again = extracts.extract_build(as_of=today)
    assert not again.built and (again.path / "SHA256SUMS").read_bytes() == sums
    forced = extracts.extract_build(as_of=today, force=True)
    assert forced.built and (forced.path / "SHA256SUMS").read_bytes() == sums
    assert [p.name for p in forced.path.parent.iterdir()] == [today.isoformat()]


def test_crash_mid_build_leaves_no_visible_file(data, extract_dir):
    """A dataset that fails half-way: no directory for the date, no partial file, and the previous
    extract of that date (if any) untouched."""
    today = clock.today()

    def failing(on):
        yield {"id": 1}
        raise RuntimeError("磁盘已满")

    extracts.register_extract_dataset("zz-failing", "故障", columns=(("id", "编号"),), rows=failing, order=99)
    try:
        with pytest.raises(RuntimeError):
            extracts.extract_build(as_of=today)
        assert extracts.extract_get(today) is None
        assert list(extract_dir.iterdir()) == []
        # A complete extract survives a failed forced rebuild.
        extracts._datasets.pop("zz-failing")
        good = extracts.extract_build(as_of=today)
        sums = (good.path / "SHA256SUMS").read_bytes()
        extracts.register_extract_dataset("zz-failing", "故障", columns=(("id", "编号"),), rows=failing)
        with pytest.raises(RuntimeError):
            extracts.extract_build(as_of=today, force=True)
        assert (good.path / "SHA256SUMS").read_bytes() == sums
        assert [p.name for p in extract_dir.iterdir()] == [today.isoformat()]
    finally:
        extracts._datasets.pop("zz-failing", None)


def test_download_page_and_files(data, client):
    today = clock.today()
    extract = extracts.extract_build(as_of=today)
    page = client.get("/downloads/")
    assert page.status_code == 200
    html = page.content.decode()
    assert today.isoformat() in html and "SHA256SUMS" in html
    for f in extract.files:
        assert f.sha256 in html
    assert "王建国" not in html
    name = next(f.name for f in extract.files if f.dataset == "black-list" and f.format == "csv")
    r = client.get(f"/downloads/{today.isoformat()}/{name}")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    body = b"".join(r.streaming_content)
    assert hashlib.sha256(body).hexdigest() == next(f.sha256 for f in extract.files if f.name == name)
    assert client.get(f"/downloads/{today.isoformat()}/SHA256SUMS").status_code == 200
    assert client.get(f"/downloads/{today.isoformat()}/..%2Fmanifest.json").status_code == 404
    assert client.get("/downloads/2001-01-01/SHA256SUMS").status_code == 404
    assert client.get("/").content.decode().count("/downloads/") >= 1


def test_sweep_enqueues_yesterday_once_and_task_builds_it(data, time_machine):
    time_machine.move_to(clock.now() + timedelta(days=1))
    first = sweeps.run(now=clock.now())
    assert first == {"公开数据包排队": 1}
    assert sweeps.run(now=clock.now()) == {"公开数据包排队": 0}  # one waiting copy at most
    as_of = clock.today() - timedelta(days=1)
    result = extract_build_task.call(as_of=as_of.isoformat())
    assert result["built"] and result["files"] == 8
    assert len(_read(extracts.extract_get(as_of), "black-list", "csv")) == 3
    assert sweeps.run(now=clock.now()) == {}


def test_command(data):
    today = clock.today()
    out = io.StringIO()
    call_command("extract", "--date", today.isoformat(), stdout=out)
    assert "已生成" in out.getvalue() and "black-list" in out.getvalue()
    out = io.StringIO()
    call_command("extract", "--date", today.isoformat(), stdout=out)
    assert "已存在" in out.getvalue()
