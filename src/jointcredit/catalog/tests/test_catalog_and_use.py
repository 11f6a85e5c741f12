"""Catalog versioning, tasks and completeness, and the use of the data (rights, portal, grading)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from jointcredit.accounts.models import Role
from jointcredit.calendar.selectors import WorkingCalendar
from jointcredit.catalog import hooks, selectors, services
from jointcredit.catalog.models import CatalogItemVersion, CatalogRecord, CollectionTask
from jointcredit.common import clock
from jointcredit.grading.inputs import collect_inputs
from jointcredit.subjects.extensions import subject_sections
from jointcredit.subjects.models import Subject

from .factories import company, person, si_arrears_row

pytestmark = pytest.mark.django_db


def test_default_catalog_is_realistic(catalog):
    assert len(catalog) >= 15
    assert len({i.department_id for i in catalog.values()}) >= 8
    assert {i.category for i in catalog.values()} == {"basic", "good", "dishonest", "other"}


def test_item_create_is_office_only_and_validates_fields(
    catalog, swj_clerk, office_admin, api_client_for, depts
):
    body = {
        "code": "gas_arrears",
        "name": "燃气欠费",
        "category": "dishonest",
        "department": "cgj",
        "frequency": "monthly",
        "disclosure": "public",
        "fields": [{"code": "QFJE", "label": "欠费金额", "type": "decimal"}],
    }
    assert api_client_for(swj_clerk).post("/api/v1/catalog/items", body).status_code == 403
    bad = body | {"fields": [{"code": "ZTMC", "label": "x"}, {"code": "1a", "label": "y", "type": "money"}]}
    resp = api_client_for(office_admin).post("/api/v1/catalog/items", bad)
    assert resp.status_code == 422
    assert {(d["field"], d["rule"]) for d in resp.json()["error"]["details"]} >= {
        ("fields[0].code", "reserved"),
        ("fields[1].code", "format"),
        ("fields[1].type", "choice"),
    }
    resp = api_client_for(office_admin).post("/api/v1/catalog/items", body)
    assert resp.status_code == 201 and resp.json()["version"] == 1


def test_changes_that_orphan_data_are_refused_renames_migrate_with_version_bump(
    catalog, rsj_clerk, office_admin, crng
):
    item = catalog["social_insurance_arrears"]
    services.submission_create(actor=rsj_clerk, item=item, rows=[si_arrears_row(crng, n) for n in (1, 2)])
    fields = [f for f in item.fields if f["code"] != "QJYS"]
    with pytest.raises(services.Conflict) as exc:
        services.item_update(actor=office_admin, item=item, changes={"fields": fields})
    assert exc.value.details[0]["rule"] == "orphan" and exc.value.details[0]["rows"] == 2
    as_text = [
        dict(f, type="choice", choices=["医疗保险"]) if f["code"] == "QJXZ" else f for f in item.fields
    ]
    with pytest.raises(services.Conflict) as exc:
        services.item_update(actor=office_admin, item=item, changes={"fields": as_text})
    assert exc.value.details[0]["rule"] == "orphan_choice"
    item.refresh_from_db()
    assert item.version == 1 and CatalogItemVersion.objects.filter(item=item).count() == 1

    renamed = [dict(f, code="QJYF") if f["code"] == "QJYS" else f for f in item.fields]
    renamed.append({"code": "BZ", "label": "备注", "type": "text"})
    item = services.item_update(
        actor=office_admin,
        item=item,
        changes={"fields": renamed},
        renames={"QJYS": "QJYF"},
        note="欠缴月数改代码",
        expected_version=1,
    )
    assert item.version == 2
    assert all("QJYF" in r.data and "QJYS" not in r.data for r in CatalogRecord.objects.filter(item=item))
    with pytest.raises(services.Conflict):
        services.item_update(actor=office_admin, item=item, changes={"name": "社保欠费"}, expected_version=1)
    # rows at the old version's codes are now refused with a clear message
    with pytest.raises(services.ValidationFailed) as exc:
        services.submission_create(actor=rsj_clerk, item=item, rows=[si_arrears_row(crng, 9)])
    assert exc.value.details[0]["rule"] == "field_unknown" and "第 2 版" in exc.value.details[0]["message"]


def test_tasks_due_dates_statuses_dashboard_and_reminders(catalog, depts, rsj_clerk, user_factory):
    today = clock.today()
    item = catalog["social_insurance_arrears"]  # monthly, 10 working days
    item.collect_from = (today - timedelta(days=100)).replace(day=1)
    item.save()
    CollectionTask.objects.all().delete()
    services.tasks_generate(today=today, items=[item])
    tasks = list(CollectionTask.objects.filter(item=item).order_by("period_end"))
    assert tasks[-1].period_start <= today <= tasks[-1].period_end
    cal = WorkingCalendar.load()
    assert tasks[0].due_date == cal.add_working_days(tasks[0].period_end, 10)
    # first period late (submitted now, after the due date), second never: missing
    services.submission_create(actor=rsj_clerk, item=item, rows=[], period=tasks[0].period)
    statuses = {t.period: t.status(today) for t in CollectionTask.objects.filter(item=item)}
    assert statuses[tasks[0].period] == "late" and statuses[tasks[1].period] == "missing"
    row = next(
        r
        for r in selectors.completeness(date_from=tasks[0].period_start, date_to=today)
        if r["department_code"] == "rsj"
    )
    assert row["late"] == 1 and row["missing"] >= 1 and row["on_time"] == 0

    # a yearly item's current period ends on 31 Dec: due in the next year — pending while unconfigured
    yearly = catalog["tax_credit_rating"]
    services.tasks_generate(today=today, items=[yearly])
    current = CollectionTask.objects.get(item=yearly, period=str(today.year))
    if not cal.is_year_configured(today.year + 1):
        assert current.due_date is None and current.status(today) == "pending_calendar"

    rsj_clerk.email = "rsj@lixia.gov.cn"
    rsj_clerk.save()
    assert services.reminders_send(now=clock.now()) >= 1
    assert any("逾期未报送" in m.subject for m in mail.outbox)
    assert services.reminders_send(now=clock.now()) == 0  # once per task
    assert hooks.overdue_todo(rsj_clerk)["count"] >= 1


def test_subject_information_by_category_filtered_by_rights(
    catalog, depts, user_factory, office_admin, crng, api_client_for
):
    cgj = user_factory(depts["cgj"], username="cgj_clerk")
    firm = company(crng)
    today = clock.today()
    rated_on, arrears_on = today - timedelta(days=230), today - timedelta(days=160)
    services.submission_create(
        actor=user_factory(depts["swj"]),
        item=catalog["tax_credit_rating"],
        rows=[firm | {"XXRQ": rated_on.isoformat(), "PJND": str(rated_on.year - 1), "XYDJ": "D"}],
    )
    services.submission_create(
        actor=user_factory(depts["swj"]),
        item=catalog["tax_arrears"],
        rows=[
            firm
            | {
                "XXRQ": arrears_on.isoformat(),
                "QSSZ": "增值税",
                "QSJE": "58000",
                "QSRQ": (arrears_on - timedelta(days=100)).isoformat(),
            }
        ],
    )
    services.submission_create(
        actor=cgj,
        item=catalog["utility_arrears"],
        rows=[
            firm
            | {
                "XXRQ": (today - timedelta(days=35)).isoformat(),
                "FYLB": "燃气费",
                "QFJE": "3200",
                "QFYS": "4",
                "GSDW": "济南港华燃气",
            }
        ],
    )
    subject = Subject.objects.get(identifier=firm["TYSHXYDM"])

    def seen(viewer):
        info = selectors.subject_catalog(subject, viewer)
        return {r["item"] for g in info["categories"] for r in g["items"]}, info["withheld"]

    other = user_factory(depts["jtj"] if "jtj" in depts else depts["czj"], username="other_viewer")
    assert seen(None) == ({"tax_credit_rating"}, 2)  # public only
    assert seen(other) == ({"tax_credit_rating", "tax_arrears"}, 1)  # + 政务共享; 授权查询 withheld
    assert seen(cgj)[0] == {"tax_credit_rating", "tax_arrears", "utility_arrears"}  # provider
    assert seen(office_admin)[1] == 0
    # the check page hook: 区财政局 lists 欠缴税款 for 财政性资金项目
    czj = user_factory(depts["czj"], username="czj_viewer")
    info = selectors.catalog_info_for(subject, "funding", czj)
    by_item = {e["item"]: e for e in info}
    assert set(by_item) == {"tax_arrears", "social_insurance_arrears"}
    assert by_item["tax_arrears"]["records"][0]["occurred_on"] == arrears_on
    assert by_item["social_insurance_arrears"]["records"] == [] and by_item["tax_arrears"]["purposes"]
    assert selectors.catalog_info_for(subject, "honours", czj) == []
    # … and the staff check page shows it next to the measures
    from django.test import Client

    page = Client()
    page.force_login(czj)
    body = page.get(
        "/staff/measures/check/", {"identifier": subject.identifier, "scenario": "funding"}
    ).content.decode()
    assert "相关公共信用信息（应用清单）" in body and by_item["tax_arrears"]["item_name"] in body
    # subject section: what the viewer may see; without a viewer public + 政务共享; public view: public only
    assert {r["item"] for r in subject_sections(subject)["catalog"]} == {"tax_credit_rating", "tax_arrears"}
    assert {r["item"] for r in subject_sections(subject, public=True)["catalog"]} == {"tax_credit_rating"}
    assert {r["item"] for r in subject_sections(subject, viewer=cgj)["catalog"]} == seen(cgj)[0]
    assert {r["item"] for r in subject_sections(subject, viewer=other)["catalog"]} == seen(other)[0]
    # … and the subject API gives each token's user its own view
    for viewer, expected in ((cgj, seen(cgj)[0]), (other, seen(other)[0])):
        body = (
            api_client_for(viewer)
            .get(f"/api/v1/subjects/{subject.identifier}", {"include": "catalog"})
            .json()
        )
        assert {r["item"] for r in body["sections"]["catalog"]} == expected


def test_public_portal_masks_persons_and_dishonesty_feeds_grading(
    catalog, depts, user_factory, crng, api_client_for
):
    fy = user_factory(depts["fy"], roles=[Role.CLERK], username="fy_clerk")
    who = person(crng)
    services.submission_create(
        actor=fy,
        item=catalog["court_dishonest_debtor"],
        rows=[
            who
            | {
                "XXRQ": "2026-08-12",
                "AH": "（2026）鲁0102执1234号",
                "ZXFY": "济南市历下区人民法院",
                "SXQX": "有履行能力而拒不履行生效法律文书确定义务",
                "LXQK": "全部未履行",
            }
        ],
    )
    subject = Subject.objects.get(identifier=who["ZJHM"])
    public = hooks.portal_public_section(subject, today=clock.today())
    assert public and who["ZJHM"] not in str(public) and who["ZTMC"] not in str(public)
    frame = collect_inputs([subject.pk], clock.today())
    assert "catalog.court_dishonest_debtor" in frame.get_column("source").to_list()
    resp = api_client_for(fy).get(f"/api/v1/catalog/subjects/{who['ZJHM']}", {"scenario": "honours"})
    assert (
        resp.status_code == 200
        and resp.json()["categories"][0]["items"][0]["item"] == "court_dishonest_debtor"
    )
