"""Memoranda and measures in force on the check's date (issue #20 §2, ADR 0045): a check dated
before a memorandum took effect does not apply it, after it ended neither; editing a measure in
force makes a new version and the old one still answers for earlier dates — in the check, the as-of
check, screening and recorded checks alike."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, ValidationFailed
from jointcredit.measures.models import Measure, Memorandum
from jointcredit.measures.recorded import recorded_check_verify
from jointcredit.measures.screening import screening_compute
from jointcredit.measures.seed import PUNISHMENT_MEMORANDUM
from jointcredit.measures.selectors import measure_check
from jointcredit.measures.services import measure_update, memorandum_update, recorded_check_create
from jointcredit.subjects.tests.factories import CompanyFactory

from .factories import black_list_type, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(catalog):
    company = CompanyFactory()
    e = entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    e.valid_from = clock.today() - timedelta(days=200)
    e.save(update_fields=["valid_from"])
    return company


def _codes(identifier: str, on) -> list[str]:
    return [h.measure.code for h in measure_check(identifier=identifier, scenario="funding", on=on).hits]


def _screened(identifier: str, on) -> str:
    upload = io.BytesIO(f"{identifier}\n".encode())
    frame = screening_compute(fileobj=upload, file_name="ids.txt", scenario="funding", on=on).frame
    return frame["status"][0]


def test_memorandum_applies_only_between_its_effective_dates(listed, office_admin):
    today = clock.today()
    took_effect, ended = today - timedelta(days=60), today - timedelta(days=10)
    memo = Memorandum.objects.get(code=PUNISHMENT_MEMORANDUM)
    memorandum_update(
        actor=office_admin, memorandum=memo, data={"effective_from": took_effect, "effective_until": ended}
    )
    ident = listed.identifier
    assert _codes(ident, took_effect - timedelta(days=1)) == []  # before it took effect
    assert _codes(ident, took_effect) == ["punish-funding"]  # both ends count
    assert _codes(ident, ended) == ["punish-funding"]
    assert _codes(ident, ended + timedelta(days=1)) == []  # after it ended
    assert _codes(ident, today) == []
    # Screening applies the same rule.
    assert _screened(ident, took_effect - timedelta(days=1)) == "clear"
    assert _screened(ident, took_effect + timedelta(days=1)) == "hit"
    assert _screened(ident, today) == "clear"
    memo.refresh_from_db()
    assert memo.version == 2
    audit = AuditEvent.objects.filter(action="memorandum.update").latest("seq")
    assert audit.before["effective_from"] is None and audit.after["effective_until"] == ended.isoformat()


def test_editing_a_measure_in_force_makes_a_new_version(listed, office_admin, user_factory, catalog):
    today = clock.today()
    clerk = user_factory(catalog["czj"], roles=["clerk"])
    ident = listed.identifier
    recorded = recorded_check_create(
        actor=clerk,
        identifier=ident,
        scenario="funding",
        case_no="财金〔2026〕1号",
        matter_name="专项资金申报",
    )
    old = Measure.objects.get(code="punish-funding")
    current = measure_update(
        actor=office_admin, measure=old, data={"scenarios": ["policy_benefit"], "name": "限制申请财政性资金"}
    )
    old.refresh_from_db()
    assert (old.version, old.effective_until, old.superseded_by_id) == (
        1,
        today - timedelta(days=1),
        current.pk,
    )
    assert (current.version, current.effective_from, current.superseded_by_id) == (2, today, None)
    assert current.name == "限制申请财政性资金" and old.name == "限制申请财政性资金项目"
    # Yesterday the old version bit in funding; today the new one bites in policy_benefit only.
    yesterday = today - timedelta(days=1)
    assert _codes(ident, yesterday) == ["punish-funding"]
    assert _codes(ident, today) == []
    assert [h.measure.version for h in measure_check(identifier=ident, scenario="policy_benefit").hits] == [2]
    assert _screened(ident, yesterday) == "hit" and _screened(ident, today) == "clear"
    assert AuditEvent.objects.filter(action="measure.revise", object_id=str(current.pk)).exists()
    # History is not edited, and the recorded check made yesterday's way still has its answer.
    with pytest.raises(Conflict):
        measure_update(actor=office_admin, measure=old, data={"name": "改写历史"})
    with pytest.raises(ValidationFailed):
        measure_update(actor=office_admin, measure=current, data={"name": "x", "effective_from": yesterday})
    assert recorded.answer["hits"][0]["measure_code"] == "punish-funding"
    assert recorded_check_verify(recorded)["digest_valid"]


def test_a_measure_not_yet_in_force_is_edited_in_place_and_applies_from_its_date(
    listed, office_admin, api_client_for
):
    today = clock.today()
    later = today + timedelta(days=30)
    api = api_client_for(office_admin)

    def patch(path, body):
        return api.client.patch(path, json.dumps(body), content_type="application/json", **api.headers)

    r = patch("/api/v1/measures/punish-funding", {"effective_from": today.isoformat()})
    assert r.status_code == 200, r.content
    r = api.post(
        "/api/v1/measures",
        {
            "memorandum": PUNISHMENT_MEMORANDUM,
            "code": "punish-funding-later",
            "name": "暂停拨付财政补助",
            "kind": "punishment",
            "scenarios": ["funding"],
            "effective_from": later.isoformat(),
        },
    )
    assert (
        r.status_code == 201 and r.json()["version"] == 1 and r.json()["effective_from"] == later.isoformat()
    )
    assert _codes(listed.identifier, today) == ["punish-funding"]
    assert _codes(listed.identifier, later) == ["punish-funding", "punish-funding-later"]
    r = patch("/api/v1/measures/punish-funding-later", {"name": "暂停拨付财政补助资金"})
    assert r.json()["version"] == 1  # not in force yet: no history to keep
    versions = api.get("/api/v1/measures/punish-funding/versions").json()
    assert [v["version"] for v in versions] == [1] and versions[0]["current"]
    bad = patch(
        "/api/v1/measures/punish-funding", {"effective_until": (today - timedelta(days=400)).isoformat()}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["rule"] == "order"
