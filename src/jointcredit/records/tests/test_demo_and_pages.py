import random

import pytest
from django.test import Client

from jointcredit.accounts.models import Department
from jointcredit.common import clock
from jointcredit.records import demo, selectors
from jointcredit.records.models import License, Penalty, RecordState
from jointcredit.records.services import record_save

from .factories import csv_bytes, penalty_row, upload

pytestmark = pytest.mark.django_db


def test_demo_builds_two_years_with_late_and_overdue(lixia):
    from jointcredit.demo.management.commands.demo import Command, DemoContext

    Department.objects.all().delete()
    cmd = Command()
    departments = cmd._departments()
    ctx = DemoContext(rng=random.Random(3), size="small", today=clock.today(), departments=departments)
    cmd._subjects(ctx, 200)
    demo.build(ctx)
    assert Penalty.objects.count() > 200 and License.objects.count() > 100
    today = clock.today()
    rows = selectors.timeliness_report(date_from=today.replace(year=today.year - 2), date_to=today)
    assert sum(r["late"] for r in rows) > 0 and sum(r["on_time"] for r in rows) > sum(r["late"] for r in rows)
    assert sum(r["overdue_unpublished"] for r in rows) > 0
    assert Penalty.objects.filter(state=RecordState.WITHDRAWN).exclude(withdraw_reason="").exists()


def test_staff_pages_list_detail_form_import_timeliness(client, scj_clerk, lixia, rrng):
    client.force_login(scj_clerk)
    row = penalty_row(rrng, lixia["scjgj"], n=1)
    assert client.get("/staff/records/?type=penalty").status_code == 200
    r = client.post("/staff/records/penalty/new/", row)
    assert r.status_code == 302
    p = Penalty.objects.get()
    page = client.get(f"/staff/records/penalty/{p.pk}/")
    assert page.status_code == 200 and p.doc_no in page.content.decode()
    bad = client.post("/staff/records/penalty/new/", row | {"CF_NR_FK": "abc", "CF_WSH": "x2"})
    assert (
        bad.status_code == 200 and "CF_NR_FK" in bad.content.decode() and "不是数字" in bad.content.decode()
    )
    imp = client.post(
        "/staff/records/penalty/import/",
        {"file": upload(csv_bytes([penalty_row(rrng, lixia["scjgj"], n=2)])), "mode": "all_or_nothing"},
    )
    assert imp.status_code == 302
    report = client.get(imp["Location"])
    assert "新增 1" in report.content.decode()
    t = client.get("/staff/records/timeliness/?date_from=2026-01-01&date_to=2026-12-31")
    assert t.status_code == 200 and "区市场监管局" in t.content.decode()
    x = client.get("/staff/records/timeliness/?date_from=2026-01-01&date_to=2026-12-31&format=xlsx")
    assert x["Content-Type"].startswith("application/vnd.openxmlformats")
    w = client.post(f"/staff/records/penalty/{p.pk}/withdraw/", {"reason": "原决定被撤销"})
    assert w.status_code == 302
    p.refresh_from_db()
    assert p.state == RecordState.WITHDRAWN


def test_public_pages_mask_and_hide_withdrawn(scj_clerk, lixia, rrng):
    row = penalty_row(rrng, lixia["scjgj"], n=1, person=True)
    record, _ = record_save(actor=scj_clerk, record_type="penalty", data=row)
    c = Client()
    page = c.get("/gs/", {"type": "penalty", "q": row["CF_XDR_MC"]}).content.decode()
    assert row["CF_XDR_ZJHM"] not in page and record.doc_no in page
    # Found by the full name, which is echoed nowhere (not even in the search box): privacy policy.
    assert row["CF_XDR_MC"] not in page and row["CF_XDR_MC"][0] + "*" in page
    # Found by the full ID too, masked; a fragment of the name finds nothing.
    by_id = c.get("/gs/", {"type": "penalty", "q": row["CF_XDR_ZJHM"]}).content.decode()
    assert record.doc_no in by_id and row["CF_XDR_ZJHM"] not in by_id
    by_fragment = c.get("/gs/", {"type": "penalty", "q": row["CF_XDR_MC"][:2]}).content.decode()
    assert record.doc_no not in by_fragment
    detail = c.get(f"/gs/penalty/{record.pk}/")
    assert detail.status_code == 200 and row["CF_XDR_ZJHM"][-4:] in detail.content.decode()
    assert row["CF_XDR_ZJHM"] not in detail.content.decode()
    from jointcredit.records.services import record_withdraw

    record_withdraw(actor=scj_clerk, record=record, reason="撤销")
    assert c.get(f"/gs/penalty/{record.pk}/").status_code == 404


def test_cli_import_with_progress_and_rejection(tmp_path, lixia, rrng):
    from django.core.management import CommandError, call_command

    from jointcredit.cli import _translate

    assert _translate(["import", "penalties", "f.csv", "--department", "scjgj"])[:2] == [
        "import_records",
        "penalties",
    ]
    good = tmp_path / "p.csv"
    good.write_bytes(csv_bytes([penalty_row(rrng, lixia["scjgj"], n=i) for i in range(1, 4)], encoding="gbk"))
    call_command("import_records", "penalties", str(good), "--department", "scjgj", verbosity=0)
    assert Penalty.objects.count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([penalty_row(rrng, lixia["scjgj"], n=9, CF_JDRQ="2026-13-01")]))
    with pytest.raises(CommandError, match="导入被拒绝"):
        call_command("import_records", "penalties", str(bad), "--department", "scjgj", verbosity=0)
    assert Penalty.objects.count() == 3


@pytest.mark.parametrize("record_type,fmt", [("penalty", "xlsx"), ("license", "csv")])
def test_the_import_template_imports_as_it_is(client, scj_clerk, lixia, record_type, fmt):
    """导入模板: national header + one example row; the file downloaded imports without a change."""
    client.force_login(scj_clerk)
    page = client.get(f"/staff/records/{record_type}/import/").content.decode()
    assert f"/staff/records/{record_type}/import/template.{fmt}" in page
    r = client.get(f"/staff/records/{record_type}/import/template.{fmt}")
    assert r.status_code == 200 and "%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF" in r["Content-Disposition"]
    body = r.content
    if fmt == "csv":
        assert body.startswith("\ufeff".encode()) and body.decode("utf-8-sig").startswith("XK_XDR_MC,")
    imp = client.post(
        f"/staff/records/{record_type}/import/",
        {"file": upload(body, name=f"模板.{fmt}"), "mode": "all_or_nothing"},
    )
    assert imp.status_code == 302, imp.content.decode()[:2000]
    assert "新增 1" in client.get(imp["Location"]).content.decode()
    assert client.get(f"/staff/records/{record_type}/import/template.pdf").status_code == 404
