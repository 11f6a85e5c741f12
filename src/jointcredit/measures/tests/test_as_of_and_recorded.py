"""Issue #17 §2–§3: screening as of a date, the check as known at a time (ADR 0037) and recorded
checks (核查留痕), on entries made and ended by the lists services."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import PermissionDenied, ValidationFailed
from jointcredit.lists import services as lists
from jointcredit.measures.models import RecordedCheck
from jointcredit.measures.recorded import recorded_check_verify
from jointcredit.measures.screening import screening_compute
from jointcredit.measures.selectors import measure_check
from jointcredit.measures.services import recorded_check_create

pytestmark = pytest.mark.django_db
SCENARIO = "funding"
KEYS = ("measure_code", "entry_id", "via", "under_objection", "removed_on", "later_revoked")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _travel(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


def screened(identifier: str, on: date | None) -> list[dict]:
    upload = SimpleUploadedFile("ids.txt", identifier.encode())
    frame = screening_compute(fileobj=upload, file_name="ids.txt", scenario=SCENARIO, on=on).frame
    raw = frame["hits_json"][0]
    return [{k: h[k] for k in KEYS} for h in json.loads(raw)] if raw else []


def checked(identifier: str, on: date | None, known_at: datetime | None = None) -> list[dict]:
    result = measure_check(identifier=identifier, scenario=SCENARIO, on=on, known_at=known_at)
    out = []
    for h in result.hits:
        d = h.as_dict()
        d["removed_on"] = d["removed_on"].isoformat() if d["removed_on"] else None
        out.append({k: d[k] for k in KEYS})
    return out


def test_screening_answers_as_of_the_date_like_the_check(
    black_published, scjgj_approver, company, time_machine
):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    lists.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    _travel(time_machine, published_on + timedelta(days=20))
    lists.list_entry_set_objection(entry=entry, under_objection=False, actor=scjgj_approver)
    _travel(time_machine, published_on + timedelta(days=30))
    lists.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked", note="异议成立，撤销认定")
    for days in (-1, 0, 5, 12, 25, 30, 31):
        on = published_on + timedelta(days=days)
        assert screened(company.identifier, on) == checked(company.identifier, on), days
    assert screened(company.identifier, None) == [] == checked(company.identifier, None)
    hits = screened(company.identifier, published_on + timedelta(days=12))
    assert hits and all(
        h["under_objection"]
        and h["later_revoked"]
        and h["removed_on"] == (published_on + timedelta(days=30)).isoformat()
        for h in hits
    )
    assert screened(company.identifier, published_on - timedelta(days=1)) == []  # not yet published


def test_known_at_answers_what_the_system_said_then(black_published, scjgj_approver, company, time_machine):
    published_on = clock.today()
    entry = black_published()
    _travel(time_machine, published_on + timedelta(days=10))
    lists.list_entry_set_objection(entry=entry, under_objection=True, actor=scjgj_approver)
    said_on_day_5 = datetime.combine(published_on + timedelta(days=5), time(12), tzinfo=clock.now().tzinfo)
    said_on_day_12 = datetime.combine(published_on + timedelta(days=12), time(12), tzinfo=clock.now().tzinfo)
    _travel(time_machine, published_on + timedelta(days=14))
    lists.list_entry_correct(
        entry=entry,
        actor=scjgj_approver,
        valid_until=published_on + timedelta(days=13),
        note="认定期限有误，更正",
    )
    _travel(time_machine, published_on + timedelta(days=40))
    lists.list_entry_remove(entry=entry, actor=scjgj_approver, reason="corrected", note="更正后移出")
    on = published_on + timedelta(days=20)
    # Today's best knowledge: corrected validity ended before D, nothing applies on D.
    assert checked(company.identifier, on) == []
    # What the system said on day 5 about D: the entry in force, no objection, no removal known.
    then = checked(company.identifier, on, known_at=said_on_day_5)
    assert then and all(not h["under_objection"] and h["removed_on"] is None for h in then)
    # On day 12 the objection was open (and D is after that day: today's flag as of then).
    assert all(h["under_objection"] for h in checked(company.identifier, on, known_at=said_on_day_12))
    # Before publication the system knew no entry in force.
    before = datetime.combine(published_on - timedelta(days=1), time(12), tzinfo=clock.now().tzinfo)
    assert checked(company.identifier, published_on, known_at=before) == []
    # The date defaults to known_at's day.
    assert measure_check(identifier=company.identifier, scenario=SCENARIO, known_at=said_on_day_5).on == (
        published_on + timedelta(days=5)
    )
    with pytest.raises(ValidationFailed) as exc:
        measure_check(
            identifier=company.identifier, scenario=SCENARIO, known_at=clock.now() + timedelta(hours=1)
        )
    assert exc.value.details[0]["field"] == "known_at"


def test_recorded_check_is_stored_digested_audited_and_reproduced(
    black_published, scjgj_approver, company, time_machine, api_client_for
):
    published_on = clock.today()
    entry = black_published()
    api = api_client_for(scjgj_approver)
    created = api.post(
        "/api/v1/checks",
        {
            "identifier": company.identifier,
            "scenario": SCENARIO,
            "case_no": "历市监许〔2026〕101号",
            "matter_name": "食品经营许可证核发",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    plain = api.get("/api/v1/check", {"identifier": company.identifier, "scenario": SCENARIO}).json()
    assert body["answer"] == plain  # the stored answer is what GET /check says
    assert body["answer"]["hits"] and body["reproduced"] and body["digest_valid"]
    assert len(body["digest"]) == 64
    rc = RecordedCheck.objects.get(pk=body["id"])
    audit = AuditEvent.objects.get(action="recorded_check.create", object_id=str(rc.pk))
    assert audit.after["digest"] == rc.digest
    # Later changes do not break the reproduction: it reads the history as of the recorded time.
    _travel(time_machine, published_on + timedelta(days=3))
    lists.list_entry_remove(entry=entry, actor=scjgj_approver, reason="revoked", note="撤销")
    detail = api.get(f"/api/v1/checks/{rc.pk}").json()
    assert detail["reproduced"] is True and detail["differences"] == []
    # A change that leaves no history (an edit around the services) shows as a difference.
    type(entry).objects.filter(pk=entry.pk).update(legal_basis="被改动的依据")
    detail = api.get(f"/api/v1/checks/{rc.pk}").json()
    assert detail["reproduced"] is False and detail["digest_valid"] is True
    assert {d["path"].rsplit(".", 1)[-1] for d in detail["differences"]} == {"entry_legal_basis"}
    # Tampering with the stored answer breaks the digest.
    RecordedCheck.objects.filter(pk=rc.pk).update(answer={**rc.answer, "hits": []})
    rc.refresh_from_db()
    assert recorded_check_verify(rc)["digest_valid"] is False


def test_recorded_checks_are_visible_to_their_department_and_the_office(
    black_published, scjgj_approver, company, user_factory, lixia, api_client_for, office_admin
):
    black_published()
    rc = recorded_check_create(
        actor=scjgj_approver,
        identifier=company.identifier,
        scenario=SCENARIO,
        case_no="A-1",
        matter_name="财政补助资金申报",
    )
    other = user_factory(lixia["swj"])
    assert api_client_for(other).get(f"/api/v1/checks/{rc.pk}").status_code == 404
    assert api_client_for(other).get("/api/v1/checks").json()["total"] == 0
    office = api_client_for(office_admin).get("/api/v1/checks", {"department": "scjgj", "case_no": "A-1"})
    assert [i["id"] for i in office.json()["items"]] == [rc.pk]
    own = api_client_for(scjgj_approver).get("/api/v1/checks", {"identifier": company.identifier.lower()})
    assert own.json()["total"] == 1 and own.json()["items"][0]["hit_count"] == len(rc.answer["hits"])


def test_recorded_check_input_is_validated(
    company, scjgj_approver, user_factory, lixia, api_client_for, catalog
):
    api = api_client_for(scjgj_approver)
    missing = api.post(
        "/api/v1/checks",
        {"identifier": company.identifier, "scenario": SCENARIO, "case_no": " ", "matter_name": "x"},
    )
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "case_no"
    bad = api.post(
        "/api/v1/checks",
        {"identifier": "91370102MA3C1234", "scenario": SCENARIO, "case_no": "1", "matter_name": "x"},
    )
    assert bad.status_code == 422
    from jointcredit.accounts.models import Role

    viewer = user_factory(lixia["scjgj"], roles=[Role.VIEWER])
    with pytest.raises(PermissionDenied):
        recorded_check_create(
            actor=viewer, identifier=company.identifier, scenario=SCENARIO, case_no="1", matter_name="x"
        )
    assert RecordedCheck.objects.count() == 0


def test_check_page_records_and_the_recorded_pages_show_the_verification(
    black_published, scjgj_approver, company, client
):
    black_published()
    client.force_login(scjgj_approver)
    page = client.get("/staff/measures/check/", {"identifier": company.identifier, "scenario": SCENARIO})
    assert "核查留痕" in page.content.decode()
    response = client.post(
        "/staff/measures/recorded-checks/new/",
        {
            "identifier": company.identifier,
            "scenario": SCENARIO,
            "date": clock.today().isoformat(),
            "case_no": "历财补〔2026〕7号",
            "matter_name": "中小企业发展专项资金",
        },
    )
    rc = RecordedCheck.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/recorded-checks/{rc.pk}/")
    detail = client.get(response.url).content.decode()
    assert (
        "历财补〔2026〕7号" in detail and "可重现" in detail and "摘要一致" in detail and rc.digest in detail
    )
    listing = client.get(
        "/staff/measures/recorded-checks/", {"case_no": "历财补〔2026〕7号"}
    ).content.decode()
    assert "中小企业发展专项资金" in listing
    refused = client.post(
        "/staff/measures/recorded-checks/new/",
        {"identifier": company.identifier, "scenario": SCENARIO, "case_no": "", "matter_name": "x"},
    )
    assert refused.status_code == 302 and "/staff/measures/check/" in refused.url
    assert RecordedCheck.objects.count() == 1
