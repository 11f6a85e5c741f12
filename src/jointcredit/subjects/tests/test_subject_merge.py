"""主体合并 (subjects.services.subject_merge, POST /subjects/{identifier}/merge, the staff page): the
duplicate's entries, records, related persons, aliases … are found through the subject that stays."""

from __future__ import annotations

import random

import pytest
from django.apps import apps

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.exchange.models import OutboxEvent
from jointcredit.grading.models import Honour
from jointcredit.measures.selectors import measure_check
from jointcredit.measures.services import measures_seed_defaults
from jointcredit.measures.tests.factories import black_list_type, entry
from jointcredit.records.models import Penalty
from jointcredit.records.samples import penalty_row
from jointcredit.records.services import record_save
from jointcredit.subjects import generators as gen
from jointcredit.subjects.extensions import merge_keeps, merge_steps
from jointcredit.subjects.models import RelatedPerson, RelatedRole, Subject, SubjectAlias
from jointcredit.subjects.selectors import subject_find
from jointcredit.subjects.services import subject_contact_add, subject_merge

from .factories import CompanyFactory, PersonFactory, RelatedPersonFactory

pytestmark = pytest.mark.django_db

REASON = "同一企业以错误的统一社会信用代码重复登记（见营业执照）"


@pytest.fixture
def duplicate(lixia, office_admin, user_factory):
    """A company registered twice: the duplicate carries a published black-list entry, a 行政处罚
    decided under its identifier, its 法定代表人, a legacy 工商注册号 alias, a contact and an honour."""
    measures_seed_defaults()
    rng = random.Random(20270315)
    survivor = CompanyFactory(name="济南泉城食品有限公司")
    dup = CompanyFactory(name="济南泉城食品有限公司（重复）")
    scj = lixia["scjgj"]
    clerk = user_factory(scj, roles=[Role.CLERK])
    black = entry(subject=dup, list_type=black_list_type(), department=scj)
    penalty, _ = record_save(
        actor=clerk,
        record_type="penalty",
        data=penalty_row(rng, scj, n=41, CF_XDR_SHXYM=dup.identifier, CF_XDR_MC=dup.name),
    )
    rep = RelatedPersonFactory(
        subject=dup, role=RelatedRole.LEGAL_REPRESENTATIVE, person__name="王建国"
    ).person
    SubjectAlias.objects.create(subject=dup, id_type="business_reg_no", value="370102000765432")
    subject_contact_add(actor=clerk, subject=dup, email="quancheng@example.cn", source="企业登记信息")
    Honour.objects.create(
        subject=dup, title="泉城诚信经营示范店", department=scj, awarded_on=black.decided_on
    )
    return {"survivor": survivor, "dup": dup, "entry": black, "penalty": penalty, "rep": rep, "clerk": clerk}


def test_merge_moves_what_the_check_and_the_subject_page_read(duplicate, office_admin):
    survivor, dup = duplicate["survivor"], duplicate["dup"]
    assert measure_check(identifier=survivor.identifier, scenario="funding").hits == []

    merge = subject_merge(actor=office_admin, source=dup, target=survivor, reason=REASON)

    assert merge.moved["list_entries"] == 1 and merge.moved["records"] == 1
    assert merge.moved["related_persons"] == 1 and merge.moved["honours"] == 1
    dup.refresh_from_db()
    assert dup.merged_into == survivor  # the duplicate keeps existing
    # The check by the survivor's identifier, by the old one and by the old alias finds the entry.
    for ident in (survivor.identifier, dup.identifier, "370102000765432"):
        result = measure_check(identifier=ident, scenario="funding")
        assert result.subject == survivor, ident
        assert [h.entry.id for h in result.hits] == [duplicate["entry"].id], ident
    # The duplicate's 法定代表人 is now the survivor's: the check reaches him through it.
    hits = measure_check(identifier=duplicate["rep"].identifier, scenario="market_entry").hits
    assert hits and all(h.entry.id == duplicate["entry"].id for h in hits)
    assert Penalty.objects.get(pk=duplicate["penalty"].pk).subject_id == survivor.pk
    assert SubjectAlias.objects.get(value=dup.identifier).subject == survivor
    assert subject_find(dup.identifier) == survivor
    assert subject_find(dup.identifier, follow_merges=False) == dup


def test_merge_is_audited_and_announced_to_the_feed(duplicate, office_admin):
    survivor, dup = duplicate["survivor"], duplicate["dup"]
    subject_merge(actor=office_admin, source=dup, target=survivor, reason=REASON)
    row = AuditEvent.objects.get(action="subject.merge")
    assert row.object_id == str(dup.pk) and row.actor == office_admin
    assert row.before == {
        "identifier": dup.identifier,
        "name": dup.name,
        "kind": "legal",
        "merged_into": None,
    }
    assert row.after["merged_into"] == survivor.identifier and row.after["reason"] == REASON
    assert row.after["moved"]["list_entries"] == 1 and row.after["moved"]["contacts"] == 1
    event = OutboxEvent.objects.get(kind="list_entry.changed", aggregate_id=str(duplicate["entry"].pk))
    assert event.payload["subject_identifier"] == survivor.identifier
    assert event.payload["changes"] == {"subject_identifier": [dup.identifier, survivor.identifier]}


def test_merging_a_duplicate_person_moves_the_roles_it_holds(lixia, office_admin):
    """A person filed twice (a mistyped ID number): the company role held by the duplicate moves to
    the real person, so the company's black-list entry reaches the real person's ID."""
    measures_seed_defaults()
    person, typo = PersonFactory(name="李秀英"), PersonFactory(name="李秀英")
    company = CompanyFactory()
    RelatedPersonFactory(subject=company, person=typo, role=RelatedRole.LEGAL_REPRESENTATIVE)
    entry(subject=company, list_type=black_list_type(), department=lixia["scjgj"])
    assert measure_check(identifier=person.identifier, scenario="market_entry").hits == []

    subject_merge(actor=office_admin, source=typo, target=person, reason="身份证号录入错误形成的重复登记")

    assert RelatedPerson.objects.get(subject=company).person == person
    assert measure_check(identifier=person.identifier, scenario="market_entry").hits
    assert measure_check(identifier=typo.identifier, scenario="market_entry").subject == person


@pytest.mark.parametrize(
    ("case", "error", "field", "rule"),
    [
        ("self", ValidationFailed, "into", "distinct"),
        ("person_into_company", ValidationFailed, "into", "kind"),
        ("no_reason", ValidationFailed, "reason", "required"),
        ("source_merged", Conflict, "identifier", "merged"),
        ("target_merged", Conflict, "into", "merged"),
    ],
)
def test_merge_refusals_name_the_field(office_admin, case, error, field, rule):
    a, b, c = CompanyFactory(), CompanyFactory(), CompanyFactory()
    source, target, reason = a, b, REASON
    if case == "self":
        target = a
    elif case == "person_into_company":
        source = PersonFactory()
    elif case == "no_reason":
        reason = "  "
    elif case == "source_merged":
        subject_merge(actor=office_admin, source=a, target=c, reason=REASON)
    elif case == "target_merged":
        subject_merge(actor=office_admin, source=b, target=c, reason=REASON)
    audited = AuditEvent.objects.filter(action="subject.merge").count()
    with pytest.raises(error) as exc:
        subject_merge(actor=office_admin, source=source, target=target, reason=reason)
    detail = exc.value.details[0]
    assert (detail["field"], detail["rule"]) == (field, rule)
    assert AuditEvent.objects.filter(action="subject.merge").count() == audited


def test_only_the_office_merges(lixia, user_factory):
    a, b = CompanyFactory(), CompanyFactory()
    admin = user_factory(lixia["scjgj"], roles=[Role.DEPARTMENT_ADMIN, Role.APPROVER, Role.CLERK])
    with pytest.raises(PermissionDenied):
        subject_merge(actor=admin, source=a, target=b, reason=REASON)
    assert Subject.objects.get(pk=a.pk).merged_into_id is None


def test_every_relation_to_subject_is_moved_or_deliberately_kept():
    """A new model pointing at Subject must say what a merge does with its rows: a merge step in its
    app (``register_merge_step``) or ``register_merge_keep`` with the reason."""
    handled_here = {
        "subjects.SubjectAlias",
        "subjects.SubjectContact",
        "subjects.RelatedPerson",
        "subjects.Subject",  # merged_into: earlier duplicates are re-pointed
        "subjects.SubjectNameChange",  # the duplicate's own name history stays with it
    }
    covered = handled_here | set(merge_keeps()) | {m for step in merge_steps() for m in step.models}
    subject_model = apps.get_model("subjects", "Subject")
    related = {
        model._meta.label
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if f.concrete and f.is_relation and f.related_model is subject_model
    }
    assert related - covered == set()
    assert {m for step in merge_steps() for m in step.models} <= related


# --- HTTP API ------------------------------------------------------------------------------------


def test_api_merge_then_survivor_answers_for_both(
    duplicate, office_admin, api_client_for, user_factory, lixia
):
    survivor, dup = duplicate["survivor"], duplicate["dup"]
    r = api_client_for(office_admin).post(
        f"/api/v1/subjects/{dup.identifier}/merge", {"into": survivor.identifier, "reason": REASON}
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (
        body["merged"]["identifier"] == dup.identifier and body["into"]["identifier"] == survivor.identifier
    )
    assert body["moved"]["list_entries"] == 1 and body["moved"]["records"] == 1

    viewer = api_client_for(user_factory(lixia["czj"], roles=[Role.VIEWER]))
    for ident in (survivor.identifier, dup.identifier):
        check = viewer.get("/api/v1/check", {"identifier": ident, "scenario": "funding"}).json()
        assert check["subject"]["identifier"] == survivor.identifier
        assert [h["entry_id"] for h in check["hits"]] == [duplicate["entry"].pk]
        page = viewer.get(f"/api/v1/subjects/{ident}", {"include": "records"}).json()
        assert page["identifier"] == survivor.identifier
        assert [e["id"] for e in page["entries"]] == [duplicate["entry"].pk]
        assert [r["id"] for r in page["sections"]["records"]] == [duplicate["penalty"].pk]
        assert duplicate["rep"].identifier in {p["identifier"] for p in page["related_persons"]}


@pytest.mark.parametrize("roles", [[Role.CLERK], [Role.APPROVER], [Role.DEPARTMENT_ADMIN], [Role.VIEWER]])
def test_api_merge_is_office_only(lixia, user_factory, api_client_for, roles):
    a, b = CompanyFactory(), CompanyFactory()
    client = api_client_for(user_factory(lixia["scjgj"], roles=roles))
    r = client.post(f"/api/v1/subjects/{a.identifier}/merge", {"into": b.identifier, "reason": REASON})
    assert r.status_code == 403 and "信用办" in r.json()["error"]["message"]
    anonymous = api_client_for(None).post(
        f"/api/v1/subjects/{a.identifier}/merge", {"into": b.identifier, "reason": REASON}
    )
    assert anonymous.status_code == 401
    assert Subject.objects.get(pk=a.pk).merged_into_id is None


def test_api_merge_errors(office_admin, api_client_for):
    client = api_client_for(office_admin)
    a, b, c, person = CompanyFactory(), CompanyFactory(), CompanyFactory(), PersonFactory()

    def post(source, into, reason=REASON):
        return client.post(f"/api/v1/subjects/{source}/merge", {"into": into, "reason": reason})

    def first(r):
        d = r.json()["error"]["details"][0]
        return d["field"], d["rule"]

    assert first(post(a.identifier, a.identifier)) == ("into", "distinct")
    assert first(post(person.identifier, a.identifier)) == ("into", "kind")
    assert first(post(a.identifier, b.identifier, reason="")) == ("reason", "required")
    r = post(a.identifier, "91370102MA3C0000XX")
    assert r.status_code == 422 and first(r)[0] == "into"
    r = post(a.identifier, gen.uscc(random.Random(5)))
    assert r.status_code == 404 and "into" in r.json()["error"]["message"]
    assert post(a.identifier, c.identifier).status_code == 200
    r = post(a.identifier, b.identifier)  # a is merged already: its identifier leads to c
    assert r.status_code == 409 and first(r) == ("identifier", "merged")
    assert r.json()["error"]["details"][0]["merged_into"] == c.identifier
    r = post(b.identifier, a.identifier)
    assert (
        r.status_code == 409
        and first(r) == ("into", "merged")
        and c.identifier in r.json()["error"]["message"]
    )


# --- staff page -----------------------------------------------------------------------------------


def test_staff_page_confirms_with_both_subjects_then_merges(client, duplicate, office_admin):
    survivor, dup = duplicate["survivor"], duplicate["dup"]
    client.force_login(office_admin)
    detail = client.get(f"/staff/subjects/{dup.identifier}/").content.decode()
    assert f"/staff/subjects/{dup.identifier}/merge/" in detail
    url = f"/staff/subjects/{dup.identifier}/merge/"
    assert "保留的主体" in client.get(url).content.decode()

    confirm = client.post(url, {"into": survivor.identifier, "reason": REASON}).content.decode()
    assert "请确认合并" in confirm and dup.name in confirm and survivor.name in confirm
    assert Subject.objects.get(pk=dup.pk).merged_into_id is None  # nothing merged before confirming

    done = client.post(url, {"into": survivor.identifier, "reason": REASON, "confirm": "1"})
    assert done.status_code == 302 and done["Location"].endswith(f"/staff/subjects/{survivor.identifier}/")
    assert Subject.objects.get(pk=dup.pk).merged_into == survivor
    page = client.get(done["Location"]).content.decode()
    assert "已合并至本主体" in page and dup.identifier in page


def test_staff_page_refuses_non_office_and_shows_errors(client, lixia, user_factory, office_admin):
    a, person = CompanyFactory(), PersonFactory()
    client.force_login(user_factory(lixia["scjgj"], roles=[Role.DEPARTMENT_ADMIN, Role.APPROVER]))
    url = f"/staff/subjects/{a.identifier}/merge/"
    r = client.post(url, {"into": person.identifier, "reason": REASON, "confirm": "1"})
    assert r.status_code == 403 and "仅信用办管理员" in r.content.decode()
    client.force_login(office_admin)
    body = client.post(url, {"into": person.identifier, "reason": REASON, "confirm": "1"}).content.decode()
    assert "自然人只能与自然人合并" in body
    assert Subject.objects.get(pk=a.pk).merged_into_id is None
