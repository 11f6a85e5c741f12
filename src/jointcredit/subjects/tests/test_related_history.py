"""Related persons keep their history (ADR 0046): periods, ending a role, holding it again, rights,
corporate shareholders, and the roles the subject detail and the check answer with on a date."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.subjects import generators as gen
from jointcredit.subjects.models import RelatedPerson, RelatedRole, Subject
from jointcredit.subjects.services import related_person_add, related_person_end
from jointcredit.subjects.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.CLERK])


def _add(actor, company, person_id, **kw):
    kw.setdefault("person_name", "王建国")
    kw.setdefault("role", RelatedRole.LEGAL_REPRESENTATIVE)
    return related_person_add(actor=actor, subject=company, person_identifier=person_id, **kw)


def test_ended_role_is_history_and_the_role_can_be_held_again(registrar):
    today = clock.today()
    company, person_id = CompanyFactory(), gen.resident_id(random.Random(7))
    first = _add(registrar, company, person_id, valid_from=today - timedelta(days=800))
    related_person_end(
        actor=registrar, link=first, valid_until=today - timedelta(days=100), reason="工商变更登记"
    )
    again = _add(registrar, company, person_id, valid_from=today - timedelta(days=10))
    assert again.pk != first.pk
    periods = RelatedPerson.objects.filter(subject=company).order_by("valid_from")
    assert [(p.valid_until, p.end_reason) for p in periods] == [
        (today - timedelta(days=100), "工商变更登记"),
        (None, ""),
    ]
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions.count("subject.related_person_set") == 2 and "subject.related_person_end" in actions


def test_overlapping_period_of_the_same_role_is_a_conflict(registrar):
    today = clock.today()
    company, person_id = CompanyFactory(), gen.resident_id(random.Random(8))
    link = _add(registrar, company, person_id, valid_from=today - timedelta(days=800))
    related_person_end(actor=registrar, link=link, valid_until=today - timedelta(days=100), reason="换届")
    with pytest.raises(Conflict) as exc:
        _add(registrar, company, person_id, valid_from=today - timedelta(days=200))
    assert "重叠" in exc.value.message


def test_open_role_is_updated_in_place(registrar):
    company, person_id = CompanyFactory(), gen.resident_id(random.Random(9))
    link = _add(registrar, company, person_id)
    same = _add(registrar, company, person_id, directly_responsible=True)
    assert same.pk == link.pk and same.directly_responsible
    assert RelatedPerson.objects.filter(subject=company).count() == 1


def test_end_before_start_and_ending_twice_are_refused(registrar):
    today = clock.today()
    link = _add(
        registrar, CompanyFactory(), gen.resident_id(random.Random(10)), valid_from=today - timedelta(days=5)
    )
    with pytest.raises(ValidationFailed) as exc:
        related_person_end(actor=registrar, link=link, valid_until=today - timedelta(days=6), reason="变更")
    assert exc.value.details[0]["field"] == "valid_until"
    related_person_end(actor=registrar, link=link, valid_until=today - timedelta(days=1), reason="变更")
    with pytest.raises(Conflict):
        related_person_end(actor=registrar, link=link, valid_until=today - timedelta(days=1), reason="变更")


def test_only_registration_authorities_record_related_persons(user_factory, lixia):
    company = CompanyFactory()
    for department, roles in ((lixia["swj"], [Role.CLERK]), (lixia["scjgj"], [Role.VIEWER])):
        with pytest.raises(PermissionDenied):
            _add(user_factory(department, roles=roles), company, gen.resident_id(random.Random(11)))
    assert _add(
        user_factory(lixia["xzsp"], roles=[Role.APPROVER]), company, gen.resident_id(random.Random(11))
    )


def test_company_shareholder_is_a_subject(registrar):
    company, owner_code = CompanyFactory(), gen.uscc(random.Random(12))
    link = _add(
        registrar,
        company,
        owner_code,
        person_name="济南控股有限公司",
        person_kind="legal",
        role=RelatedRole.SHAREHOLDER,
        share_ratio=Decimal("60"),
    )
    owner = Subject.objects.get(identifier=owner_code)
    assert owner.kind == "legal" and link.person == owner and link.share_ratio == Decimal("60.00")
    with pytest.raises(ValidationFailed):
        _add(
            registrar,
            company,
            owner_code,
            person_name="济南控股有限公司",
            person_kind="legal",
            role="director",
        )


def test_api_lists_history_ends_a_role_and_answers_as_of(api_client_for, registrar, user_factory, lixia):
    today = clock.today()
    api = api_client_for(registrar)
    company = CompanyFactory()
    person_id = gen.resident_id(random.Random(13))
    url = f"/api/v1/subjects/{company.identifier}/related-persons"
    added = api.post(
        url,
        {
            "person_identifier": person_id,
            "person_name": "李娜",
            "role": "principal",
            "valid_from": (today - timedelta(days=300)).isoformat(),
        },
    )
    assert added.status_code == 201, added.content
    link_id = RelatedPerson.objects.get(subject=company).pk
    ended = api.post(
        f"{url}/{link_id}/end",
        {"valid_until": (today - timedelta(days=30)).isoformat(), "reason": "工商变更登记"},
    )
    assert ended.status_code == 200, ended.content
    assert ended.json()["valid_until"] == (today - timedelta(days=30)).isoformat()
    listed = api.get(url, {"state": "ended"}).json()
    assert [(i["name"], i["end_reason"]) for i in listed["items"]] == [("李娜", "工商变更登记")]
    assert api.get(url, {"state": "in_force"}).json()["total"] == 0
    detail = api.get(f"/api/v1/subjects/{company.identifier}").json()
    assert detail["related_persons"] == []
    then = api.get(
        f"/api/v1/subjects/{company.identifier}", {"date": (today - timedelta(days=60)).isoformat()}
    ).json()
    assert [p["name"] for p in then["related_persons"]] == ["李娜"]
    other = api_client_for(user_factory(lixia["czj"], roles=[Role.CLERK]))
    refused = other.post(f"{url}/{link_id}/end", {"valid_until": today.isoformat(), "reason": "变更"})
    assert refused.status_code == 403
    assert "登记机关" in refused.json()["error"]["message"]
