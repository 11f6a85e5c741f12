"""common.fastpath: compiled hot-path queries give exactly what the ORM gives, on both backends."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jointcredit.common.fastpath import CompiledQuery
from jointcredit.subjects.models import RelatedPerson, Subject
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_instance_and_rows_match_the_orm():
    company, person = CompanyFactory(), PersonFactory()
    RelatedPerson.objects.create(
        subject=company, person=person, role="legal_representative", directly_responsible=True
    )
    by_identifier = CompiledQuery(lambda code: Subject.objects.filter(identifier=code).order_by()[:1])
    found = by_identifier.instance(company.identifier)
    assert found == company and found.name == company.name and found.created_at == company.created_at
    assert not found._state.adding and found._state.db == "default"
    assert by_identifier.instance(person.identifier + "0") is None

    related = CompiledQuery(
        lambda sid: RelatedPerson.objects.filter(subject_id=sid).values_list(
            "role", "person__identifier", "directly_responsible"
        ),
        arg_types=(int,),
    )
    # Converters applied: a real bool on SQLite too, not 1.
    assert related.rows(company.id) == [("legal_representative", person.identifier, True)]
    assert related.rows(person.id) == []


def test_rewritten_arguments_are_refused():
    fragment = CompiledQuery(lambda q: Subject.objects.filter(name__icontains=q))
    with pytest.raises(ValueError, match="改写"):
        fragment.rows("历下")


def test_queries_stay_visible_to_query_capture():
    company = CompanyFactory()
    by_identifier = CompiledQuery(lambda code: Subject.objects.filter(identifier=code).order_by()[:1])
    with CaptureQueriesContext(connection) as ctx:
        assert by_identifier.instance(company.identifier) == company
    assert len(ctx.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
def test_reused_cursor_follows_reconnects_and_errors():
    """The prepared-statement path keeps one cursor per connection: after Django closes the
    connection (CONN_MAX_AGE, failed health check) and after a failed statement it must still
    answer correctly."""
    company = CompanyFactory()
    by_identifier = CompiledQuery(
        lambda code: Subject.objects.filter(identifier=code).values_list("name")[:1]
    )
    assert by_identifier.row(company.identifier) == (company.name,)
    connection.close()  # what close_old_connections does to an obsolete connection
    assert by_identifier.row(company.identifier) == (company.name,)
    broken = CompiledQuery(
        lambda code: Subject.objects.filter(identifier=code).extra(where=["no_such_column = 1"])
    )
    with pytest.raises(Exception):  # noqa: B017,PT011 - unknown column; the class depends on the backend
        broken.rows(company.identifier)
    assert by_identifier.row(company.identifier) == (company.name,)
