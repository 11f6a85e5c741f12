"""归集 through the HTTP API and services: the same pipeline and error reporting as 双公示."""

from __future__ import annotations

import pytest

from jointcredit.audit.models import AuditEvent
from jointcredit.catalog import services
from jointcredit.catalog.models import CatalogRecord, Submission
from jointcredit.exchange.models import OutboxEvent
from jointcredit.subjects.models import Subject

from .factories import company, csv_upload, person, si_arrears_row, tax_rating_row

pytestmark = pytest.mark.django_db


def test_json_rows_create_match_subjects_and_resubmission_is_idempotent(
    catalog, swj_clerk, api_client_for, crng
):
    client = api_client_for(swj_clerk)
    rows = [tax_rating_row(crng, grade=g) for g in ("A", "B", "D")]
    existing = Subject.objects.create(
        kind="legal", id_type="uscc", identifier=rows[0]["TYSHXYDM"], name="旧名称有限公司"
    )
    resp = client.post("/api/v1/catalog/tax_credit_rating/submissions", {"rows": rows})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["status"], body["created"], body["rejected"], body["catalog_version"]) == (
        "applied",
        3,
        0,
        1,
    )
    rec = CatalogRecord.objects.get(subject=existing)
    assert rec.data == {"PJND": rows[0]["PJND"], "XYDJ": "A"} and rec.item_version == 1
    existing.refresh_from_db()
    assert existing.name == rows[0]["ZTMC"]  # 名称变更 recorded like 双公示
    assert Subject.objects.filter(identifier__in=[r["TYSHXYDM"] for r in rows]).count() == 3
    again = client.post("/api/v1/catalog/tax_credit_rating/submissions", {"rows": rows}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    rows[2]["XYDJ"] = "C"
    third = client.post("/api/v1/catalog/tax_credit_rating/submissions", {"rows": rows}).json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    assert CatalogRecord.objects.count() == 3
    assert AuditEvent.objects.filter(action="catalog.submission").count() == 3
    assert OutboxEvent.objects.filter(kind="catalog.submission_applied").count() == 2  # no event for a no-op


def test_file_all_or_nothing_reports_row_field_rule_and_writes_nothing(
    catalog, rsj_clerk, api_client_for, crng
):
    client = api_client_for(rsj_clerk)
    good = [si_arrears_row(crng, n) for n in range(1, 4)]
    bad = [
        si_arrears_row(crng, 4, QJXZ="住房公积金"),
        si_arrears_row(crng, 5, TYSHXYDM="91370102MA3C000000"),
        si_arrears_row(crng, 6, XXRQ="2026-02-30", QJYS="三个月"),
    ]
    upload = csv_upload(good + bad, "社保欠缴.csv", encoding="gbk")
    resp = client.upload("/api/v1/catalog/social_insurance_arrears/submissions", {"file": upload})
    assert resp.status_code == 422
    body = resp.json()
    assert body["error"]["code"] == "validation_failed" and body["status"] == "rejected"
    found = {(e["row"], e["field"], e["rule"]) for e in body["errors"]}
    assert (5, "QJXZ", "choice") in found
    assert (6, "TYSHXYDM", "check_digit") in found
    assert {(7, "XXRQ", "date"), (7, "QJYS", "number")} <= found
    assert all(e["message"].startswith(f"第 {e['row']} 行：") for e in body["errors"])
    assert CatalogRecord.objects.count() == 0
    assert Submission.objects.get().status == Submission.Status.REJECTED

    upload = csv_upload(good + bad, "社保欠缴.csv")
    skipped = client.upload(
        "/api/v1/catalog/social_insurance_arrears/submissions", {"file": upload, "mode": "skip_bad_rows"}
    ).json()
    assert (skipped["created"], skipped["rejected"], skipped["status"]) == (3, 3, "applied")
    assert CatalogRecord.objects.count() == 3


def test_bad_input_unknown_item_columns_version_department(
    catalog, swj_clerk, rsj_clerk, api_client_for, crng
):
    client = api_client_for(rsj_clerk)
    resp = client.post("/api/v1/catalog/no_such_item/submissions", {"rows": []})
    assert resp.status_code == 404 and "no_such_item" in resp.json()["error"]["message"]
    row = si_arrears_row(crng) | {"QJBZ": "备注"}
    resp = client.post("/api/v1/catalog/social_insurance_arrears/submissions", {"rows": [row]})
    assert resp.status_code == 422
    detail = resp.json()["error"]["details"][0]
    assert (detail["field"], detail["rule"]) == ("QJBZ", "field_unknown") and "第 1 版" in detail["message"]
    resp = client.post(
        "/api/v1/catalog/social_insurance_arrears/submissions",
        {"rows": [si_arrears_row(crng)], "catalog_version": 3},
    )
    assert resp.status_code == 409 and resp.json()["error"]["details"][0]["current"] == 1
    # 区税务局 does not provide 社保欠缴
    resp = api_client_for(swj_clerk).post(
        "/api/v1/catalog/social_insurance_arrears/submissions", {"rows": [si_arrears_row(crng)]}
    )
    assert resp.status_code == 403 and "区人社局" in resp.json()["error"]["message"]
    assert CatalogRecord.objects.count() == 0 and Submission.objects.count() == 0


def test_subject_scope_and_person_rows(catalog, depts, user_factory, api_client_for, crng):
    tqw = user_factory(depts["tqw"], username="tqw_clerk")
    client = api_client_for(tqw)
    rows = [
        person(crng) | {"XXRQ": "2026-09-30", "FWXM": "社区文明交通劝导", "FWSC": "36.5", "XXJB": "三星"},
        company(crng) | {"XXRQ": "2026-09-30", "FWXM": "x", "FWSC": "1"},
    ]
    resp = client.post("/api/v1/catalog/volunteer_service/submissions", {"rows": rows})
    assert resp.status_code == 422
    rule = {(e["row"], e["rule"]) for e in resp.json()["errors"]}
    assert (2, "subject_scope") in rule
    ok = client.post("/api/v1/catalog/volunteer_service/submissions", {"rows": rows[:1]})
    assert ok.status_code == 201
    assert Subject.objects.get(identifier=rows[0]["ZJHM"]).kind == "natural"


def test_zero_report_and_form_service(catalog, rsj_clerk):
    item = catalog["social_insurance_arrears"]
    sub = services.submission_create(actor=rsj_clerk, item=item, rows=[], source="form")
    assert sub.status == "applied" and sub.total_rows == 0 and sub.task is not None
    sub.task.refresh_from_db()
    assert (
        sub.task.first_submitted_at is not None and sub.task.period == "2026-01"
    )  # oldest unsubmitted period
