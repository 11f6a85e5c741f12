"""认定 names the persons directly responsible (ADR 0046): from the subject's related persons in force,
through the service, the API and the decision form in the workbench; audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import ValidationFailed
from jointcredit.lists import services
from jointcredit.subjects.models import RelatedRole
from jointcredit.subjects.tests.factories import RelatedPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(black_draft, scjgj_clerk, company, today):
    entry = black_draft(company)
    return services.list_entry_notify(entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=30))


def test_decide_with_the_persons_directly_responsible(notified, scjgj_approver, company, today):
    director = RelatedPersonFactory(subject=company, role=RelatedRole.DIRECTOR)
    ended = RelatedPersonFactory(
        subject=company,
        role=RelatedRole.SUPERVISOR,
        valid_from=today - timedelta(days=900),
        valid_until=today - timedelta(days=100),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.list_entry_decide(
            entry=notified, actor=scjgj_approver, responsible_persons=[director.pk, ended.pk]
        )
    assert exc.value.details[0]["field"] == "responsible_persons" and str(ended.pk) in exc.value.message
    entry = services.list_entry_decide(
        entry=notified, actor=scjgj_approver, responsible_persons=[director.pk]
    )
    assert entry.responsible_chosen and list(entry.responsible_persons.all()) == [director]
    audit = AuditEvent.objects.get(action="list_entry.responsible_persons_set")
    assert audit.after["responsible_persons"] == [
        {"identifier": director.person.identifier, "role": "director"}
    ]


def test_decide_without_a_choice_leaves_it_unmade(notified, scjgj_approver, company):
    RelatedPersonFactory(subject=company, role=RelatedRole.DIRECTOR)
    entry = services.list_entry_decide(entry=notified, actor=scjgj_approver)
    assert not entry.responsible_chosen and not entry.responsible_persons.exists()


def test_api_and_decision_form(notified, scjgj_approver, company, api_client_for, client):
    director = RelatedPersonFactory(subject=company, role=RelatedRole.DIRECTOR)
    client.force_login(scjgj_approver)
    page = client.get(f"/staff/lists/{notified.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "负有直接责任的人员（在任关联人）" in text and director.person.name in text
    done = client.post(
        f"/staff/lists/{notified.pk}/decide/",
        {"choose_responsible": "1", "responsible_persons": [str(director.pk)]},
    )
    assert done.status_code == 302
    notified.refresh_from_db()
    assert notified.responsible_chosen and list(notified.responsible_persons.all()) == [director]
    shown = client.get(f"/staff/lists/{notified.pk}/").content.decode()
    assert f"负有直接责任的人员（认定时确定）：董事 {director.person.name}" in shown


def test_api_choice_names_the_rule(black_draft, scjgj_clerk, scjgj_approver, company, today, api_client_for):
    entry = services.list_entry_notify(
        entry=black_draft(company), actor=scjgj_clerk, notified_on=today - timedelta(days=30)
    )
    api = api_client_for(scjgj_approver)
    refused = api.post(f"/api/v1/list-entries/{entry.pk}/decide", {"responsible_persons": [999999]})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["rule"] == "in_force"
    decided = api.post(f"/api/v1/list-entries/{entry.pk}/decide", {"responsible_persons": []})
    assert decided.status_code == 200
    entry.refresh_from_db()
    assert entry.responsible_chosen and not entry.responsible_persons.exists()
