import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from jointcredit.accounts.models import Delegation, DelegationScope, Role
from jointcredit.exchange.models import OutboxEvent
from jointcredit.records.models import Penalty, RecordState
from jointcredit.subjects import generators as gen

from .factories import csv_bytes, license_row, penalty_row, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client_for, scj_clerk):
    return api_client_for(scj_clerk)


def test_post_one_penalty_then_same_doc_no_updates(api, lixia, rrng):
    row = penalty_row(rrng, lixia["scjgj"], n=7)
    r = api.post("/api/v1/records/penalties", row)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["state"] == "published" and body["display_status"] == "public" and body["version"] == 1
    row["CF_NR_FK"] = "0.6"
    r2 = api.post("/api/v1/records/penalties", row)
    assert r2.status_code == 201 and r2.json()["id"] == body["id"] and r2.json()["version"] == 2
    detail = api.get(f"/api/v1/records/penalties/{body['id']}").json()
    assert detail["fields"]["CF_NR_FK"] == "0.6"
    assert [h["action"] for h in detail["history"]] == ["updated"]


def test_post_invalid_names_field_and_rule(api, lixia, rrng):
    row = penalty_row(rrng, lixia["scjgj"], CF_NR_FK="-1", CF_JDRQ="2099-01-01")
    r = api.post("/api/v1/records/penalties", row)
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert {(d["field"], d["rule"]) for d in details} >= {
        ("CF_NR_FK", "non_negative"),
        ("CF_JDRQ", "not_future"),
    }
    assert all("第" not in d["message"][:2] for d in details)


def test_other_department_cannot_write(api_client_for, user_factory, lixia, rrng):
    tax_clerk = user_factory(lixia["swj"], roles=[Role.CLERK])
    r = api_client_for(tax_clerk).post(
        "/api/v1/records/penalties?department=scjgj", penalty_row(rrng, lixia["scjgj"])
    )
    assert r.status_code == 403
    viewer = user_factory(lixia["scjgj"], roles=[Role.VIEWER])
    assert (
        api_client_for(viewer)
        .post("/api/v1/records/penalties", penalty_row(rrng, lixia["scjgj"]))
        .status_code
        == 403
    )
    assert Penalty.objects.count() == 0


def test_organ_must_be_own_department_or_one_it_acts_for(api_client_for, user_factory, lixia, rrng):
    xzsp = lixia["xzsp"]
    Delegation.objects.create(department=xzsp, on_behalf_of=lixia["scjgj"], scope=DelegationScope.LICENSE)
    clerk = user_factory(xzsp, roles=[Role.CLERK])
    api = api_client_for(clerk)
    ok = api.post("/api/v1/records/licenses", license_row(rrng, lixia["scjgj"], n=1))
    assert ok.status_code == 201 and ok.json()["department"] == "scjgj"
    other = api.post("/api/v1/records/licenses", license_row(rrng, lixia["swj"], n=2))
    assert other.status_code == 403 and "区税务局" in other.json()["error"]["message"]
    unknown = license_row(rrng, lixia["scjgj"], n=3, XK_XKJGDM=gen.uscc(rrng, registry="1", org_type="1"))
    bad = api.post("/api/v1/records/licenses", unknown)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["rule"] == "organ"


def test_import_endpoint_report_shape_and_rejection(api, lixia, rrng):
    dept = lixia["scjgj"]
    rows = [penalty_row(rrng, dept, n=i) for i in range(1, 4)]
    r = api.upload("/api/v1/records/penalties/imports", {"file": upload(csv_bytes(rows))})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["accepted"], body["rejected"], body["errors"]) == (3, 0, [])
    assert api.get(f"/api/v1/records/imports/{body['batch_id']}").json()["created"] == 3
    rows.append(dict(rows[0]))  # duplicate 文书号 inside the file
    bad = api.upload("/api/v1/records/penalties/imports", {"file": upload(csv_bytes(rows))})
    assert bad.status_code == 422
    j = bad.json()
    assert j["error"]["code"] == "validation_failed" and j["accepted"] == 0 and j["rejected"] == 1
    assert j["errors"][0] == {
        "row": 5,
        "field": "CF_WSH",
        "rule": "duplicate_in_file",
        "message": j["errors"][0]["message"],
    }
    assert "第 2 行重复" in j["errors"][0]["message"]
    skip = api.upload(
        "/api/v1/records/penalties/imports", {"file": upload(csv_bytes(rows)), "mode": "skip_bad_rows"}
    )
    assert skip.status_code == 201 and skip.json()["unchanged"] == 3 and skip.json()["rejected"] == 1


def test_upload_type_and_size_checked(api, settings):
    r = api.upload("/api/v1/records/penalties/imports", {"file": upload(b"MZ\x90\x00", "x.exe")})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "type"
    settings.JOINTCREDIT_IMPORT_MAX_BYTES = 10
    r = api.upload("/api/v1/records/penalties/imports", {"file": upload(b"CF_WSH\n" + b"x" * 20)})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["rule"] == "size"


def test_withdraw_and_publish_transitions_emit_events(api, lixia, rrng):
    draft = api.post("/api/v1/records/penalties?draft=true", penalty_row(rrng, lixia["scjgj"], n=1)).json()
    assert draft["state"] == "draft"
    assert OutboxEvent.objects.filter(kind="record.published").count() == 0
    pub = api.post(f"/api/v1/records/penalties/{draft['id']}/publish")
    assert pub.status_code == 200 and pub.json()["state"] == "published"
    assert OutboxEvent.objects.filter(kind="record.published", aggregate_id=str(draft["id"])).count() == 1
    assert api.post(f"/api/v1/records/penalties/{draft['id']}/publish").status_code == 409
    assert api.post(f"/api/v1/records/penalties/{draft['id']}/withdraw", {"reason": ""}).status_code == 422
    w = api.post(f"/api/v1/records/penalties/{draft['id']}/withdraw", {"reason": "经行政复议撤销原处罚决定"})
    assert w.json()["state"] == "withdrawn" and w.json()["display_status"] == "withdrawn"
    ev = OutboxEvent.objects.get(kind="record.withdrawn")
    assert ev.payload["reason"] == "经行政复议撤销原处罚决定"


def test_reimport_with_status_2_withdraws(api, lixia, rrng):
    dept = lixia["scjgj"]
    rows = [penalty_row(rrng, dept, n=1)]
    api.upload("/api/v1/records/penalties/imports", {"file": upload(csv_bytes(rows))})
    rows[0] |= {"CF_ZT": "2", "BZ": "法院判决撤销"}
    r = api.upload("/api/v1/records/penalties/imports", {"file": upload(csv_bytes(rows))})
    assert r.json()["withdrawn"] == 1
    p = Penalty.objects.get()
    assert p.state == RecordState.WITHDRAWN and p.withdraw_reason == "法院判决撤销"
    rows[0]["CF_NR"] = "改动"
    rows[0]["CF_ZT"] = "1"
    r = api.upload("/api/v1/records/penalties/imports", {"file": upload(csv_bytes(rows))})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "withdrawn"


def test_export_neutralises_formulas_csv_and_xlsx(api, lixia, rrng):
    dept = lixia["scjgj"]
    api.post(
        "/api/v1/records/penalties",
        penalty_row(rrng, dept, n=1, BZ="=cmd|' /C calc'!A0", CF_SY="@SUM(1+1)*cmd|' /C calc'!A0"),
    )
    r = api.get("/api/v1/records/penalties/export", {"format": "csv", "department": "scjgj"})
    assert r.status_code == 200
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["BZ"] == "'=cmd|' /C calc'!A0" and rows[0]["CF_SY"].startswith("'@")
    assert rows[0]["CF_XDR_LB"] == "法人及非法人组织"
    x = api.get("/api/v1/records/penalties/export", {"format": "xlsx", "date_from": "2026-01-01"})
    ws = load_workbook(io.BytesIO(x.content)).active
    values = [c.value for c in ws[2]]
    assert "'=cmd|' /C calc'!A0" in values


def test_timeliness_api(api, lixia, rrng):
    api.post("/api/v1/records/penalties", penalty_row(rrng, lixia["scjgj"], n=1, decided=date(2026, 3, 2)))
    r = api.get("/api/v1/records/timeliness", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert r.status_code == 200
    row = r.json()["rows"][0]
    assert row["department_code"] == "scjgj" and row["late"] == 1 and row["late_working_days_max"] > 100


def test_public_search_masks_natural_persons(api, api_client_for, lixia, rrng):
    row = penalty_row(rrng, lixia["scjgj"], n=1, person=True)
    api.post("/api/v1/records/penalties", row)
    r = api_client_for(None).get("/api/public/v1/records/penalties", {"q": row["CF_XDR_MC"]})
    assert r.status_code == 200
    item = r.json()["items"][0]
    assert item["subject_name"] == row["CF_XDR_MC"][0] + "*" * (len(row["CF_XDR_MC"]) - 1)
    assert item["id_number"] == row["CF_XDR_ZJHM"][:6] + "********" + row["CF_XDR_ZJHM"][-4:]
    assert row["CF_XDR_ZJHM"] not in r.content.decode()
