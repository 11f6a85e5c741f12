"""The public privacy rule (subjects.privacy): what a query matches, what may be echoed."""

import pytest

from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER, IdType
from jointcredit.subjects.models import Subject, SubjectKind
from jointcredit.subjects.privacy import name_match, public_identifier, public_name, public_query


@pytest.fixture
def people(db, rng):
    person_id = gen.resident_id(rng)
    person = Subject.objects.create(
        kind=SubjectKind.NATURAL, id_type=IdType.RESIDENT_ID, identifier=person_id, name="欧阳澍霖"
    )
    company = Subject.objects.create(
        kind=SubjectKind.LEGAL, id_type=IdType.USCC, identifier=gen.uscc(rng), name="济南欧阳科技有限公司"
    )
    shop = Subject.objects.create(
        kind=SubjectKind.INDIVIDUAL_BUSINESS,
        id_type=IdType.USCC,
        identifier=f"{INDIVIDUAL_BUSINESS_PLACEHOLDER}:{gen.resident_id(rng)}",
        name="历下区老街小吃店",
    )
    return person, company, shop


def test_persons_match_by_full_name_only(people):
    person, company, _ = people
    assert set(Subject.objects.filter(name_match("欧阳"))) == {company}
    assert set(Subject.objects.filter(name_match("欧阳澍霖"))) == {person}
    assert not Subject.objects.filter(name_match("澍霖")).exists()


def test_echo_masks_a_persons_id_and_full_name(people):
    person, company, _ = people
    spaced = public_query(f" {person.identifier[:6]} {person.identifier[6:]} ")
    assert spaced.personal_id and spaced.sensitive and spaced.link == ""
    assert spaced.echo == person.identifier[:6] + "********" + person.identifier[-4:]
    by_name = public_query("欧阳澍霖")
    assert by_name.person_name and by_name.echo == "欧***" and by_name.link == ""
    assert public_query("欧阳澍霖 处罚").echo == "欧*** 处*"
    for q in ("欧阳", company.name, company.identifier):
        query = public_query(q)
        assert not query.sensitive and query.echo == query.link == q


def test_shown_masked(people):
    person, company, shop = people
    assert public_name(person) == "欧***" and public_name(company) == company.name
    assert public_identifier(company) == company.identifier
    operator_id = shop.identifier.split(":", 1)[1]
    assert operator_id not in public_identifier(shop) and operator_id[-4:] in public_identifier(shop)
    assert person.identifier not in public_identifier(person)
