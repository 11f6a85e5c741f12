"""应查未查: grants to subjects under an effective black-list entry on the decision date, with or
without a recorded check (核查留痕) by the granting department before the decision."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.common.errors import PermissionDenied
from jointcredit.measures.services import recorded_check_create
from jointcredit.measures.unchecked import UncheckedFilter, unchecked_grants
from jointcredit.records.samples import license_row
from jointcredit.records.services import record_save
from jointcredit.subjects.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def _travel(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


@pytest.fixture
def granted(black_published, company, user_factory, lixia, time_machine):
    """Black-listed (published) on day P; 区行政审批服务局 licenses it on P+2 without a recorded
    check and on P+5 after one; a licence decided before P and one to a clean company do not count."""
    published_on = clock.today()
    black_published()
    clerk = user_factory(lixia["xzsp"], roles=[Role.CLERK])
    _travel(time_machine, published_on + timedelta(days=5))
    rc = recorded_check_create(
        actor=clerk,
        identifier=company.identifier,
        scenario="licensing",
        case_no="XK-5",
        matter_name="食品经营许可",
    )
    _travel(time_machine, published_on + timedelta(days=10))
    rng = random.Random(17)
    clean = CompanyFactory()
    for n, (subject, days) in enumerate(((company, 2), (company, 5), (company, -3), (clean, 2)), start=1):
        row = license_row(
            rng,
            lixia["xzsp"],
            n=n,
            decided=published_on + timedelta(days=days),
            XK_XDR_SHXYM=subject.identifier,
            XK_XDR_MC=subject.name,
        )
        record_save(actor=clerk, record_type="license", data=row)
    return {"published_on": published_on, "recorded_check": rc, "clerk": clerk}


def test_report_lists_grants_under_a_black_entry_with_the_check_status(granted, office_admin, company):
    lines = unchecked_grants(actor=office_admin, filters=UncheckedFilter())
    p = granted["published_on"]
    assert [(line["decision_date"], line["checked"], line["status_label"]) for line in lines] == [
        (p + timedelta(days=5), True, "已核查留痕"),
        (p + timedelta(days=2), False, "应查未查"),
    ]
    assert {line["subject_identifier"] for line in lines} == {company.identifier}
    assert lines[0]["recorded_check_id"] == granted["recorded_check"].pk
    assert lines[0]["department_name"] == "区行政审批服务局" and lines[0]["source"] == "licence"
    only = unchecked_grants(actor=office_admin, filters=UncheckedFilter(unchecked_only=True))
    assert [line["decision_date"] for line in only] == [p + timedelta(days=2)]
    assert unchecked_grants(actor=office_admin, filters=UncheckedFilter(department="swj")) == []
    with pytest.raises(PermissionDenied):
        unchecked_grants(actor=granted["clerk"], filters=UncheckedFilter())


def test_report_api_page_and_csv(granted, office_admin, api_client_for, client):
    api = api_client_for(office_admin)
    body = api.get("/api/v1/reports/unchecked-grants", {"unchecked_only": "true"}).json()
    assert body["total"] == 1 and body["items"][0]["status_label"] == "应查未查"
    assert api_client_for(granted["clerk"]).get("/api/v1/reports/unchecked-grants").status_code == 403
    bad = api.get("/api/v1/reports/unchecked-grants", {"source": "tenders"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "source"
    export = api.get("/api/v1/reports/unchecked-grants/export", {"format": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("来源,授予部门,文书号") and text.count("应查未查") == 1
    client.force_login(office_admin)
    page = client.get("/staff/measures/unchecked-grants/").content.decode()
    assert "应查未查" in page and "已核查留痕 #" in page
    client.force_login(granted["clerk"])
    assert client.get("/staff/measures/unchecked-grants/").status_code == 403
