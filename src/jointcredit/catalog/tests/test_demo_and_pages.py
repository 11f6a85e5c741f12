from __future__ import annotations

import random

import pytest

from jointcredit.accounts.models import Department
from jointcredit.catalog import demo, selectors
from jointcredit.catalog.models import CatalogItem, CatalogRecord, Submission
from jointcredit.common import clock

from .factories import csv_upload, si_arrears_row

pytestmark = pytest.mark.django_db


def test_demo_builds_catalog_usages_and_submissions(lixia):
    from jointcredit.demo.management.commands.demo import Command, DemoContext

    Department.objects.all().delete()
    cmd = Command()
    departments = cmd._departments()
    cmd._users(departments)
    ctx = DemoContext(rng=random.Random(5), size="small", today=clock.today(), departments=departments)
    cmd._subjects(ctx, 200)
    demo.build(ctx)
    assert CatalogItem.objects.count() >= 15
    assert CatalogItem.objects.values("department").distinct().count() >= 8
    assert CatalogRecord.objects.count() > 50
    assert Submission.objects.filter(status="rejected").exists()
    rows = selectors.completeness()
    assert sum(r["on_time"] for r in rows) > 0 and sum(r["rows"] for r in rows) > 0


def test_staff_pages_item_form_file_dashboard_subject(client, catalog, rsj_clerk, crng):
    client.force_login(rsj_clerk)
    assert "社会保险费欠缴" in client.get("/staff/catalog/").content.decode()
    page = client.get("/staff/catalog/items/social_insurance_arrears/")
    assert page.status_code == 200 and "QJXZ" in page.content.decode() and "零报告" in page.content.decode()
    row = si_arrears_row(crng, 1)
    r = client.post("/staff/catalog/items/social_insurance_arrears/submit/", row)
    assert r.status_code == 302 and "新增 1" in client.get(r["Location"]).content.decode()
    bad = client.post(
        "/staff/catalog/items/social_insurance_arrears/submit/",
        {"file": csv_upload([si_arrears_row(crng, 2, QJYS="abc")]), "mode": "all_or_nothing"},
    )
    report = client.get(bad["Location"]).content.decode()
    assert "QJYS" in report and "已拒绝" in report
    assert client.get("/staff/catalog/dashboard/").status_code == 200
    assert client.get("/staff/catalog/tasks/?status=missing").status_code == 200
    assert client.get("/staff/catalog/usages/?scenario=funding").status_code == 200
    subject_page = client.get(f"/staff/catalog/subjects/{row['TYSHXYDM']}/?scenario=funding")
    assert subject_page.status_code == 200 and "社会保险费欠缴" in subject_page.content.decode()
