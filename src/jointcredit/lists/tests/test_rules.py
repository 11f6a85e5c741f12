"""Who may do what, validity and overlap rules, seed list types."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from jointcredit.accounts.models import Role
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.lists import selectors, services
from jointcredit.lists.defaults import DEFAULT_LIST_TYPES
from jointcredit.lists.models import EntryState, ListType
from jointcredit.subjects import generators as gen
from jointcredit.subjects.models import Subject

pytestmark = pytest.mark.django_db


def test_seed_ships_five_black_categories_and_five_red_sources(types):
    colors = [lt.color for lt in types.values()]
    assert colors.count("black") == 5 and colors.count("red") == 5
    assert {s["code"] for s in DEFAULT_LIST_TYPES} <= set(types)
    assert list(types["black_health_safety"].initiating_departments.values_list("code", flat=True)) == [
        "scjgj"
    ]
    # Default memoranda of the measures seed apply: punishment for black, incentive for red.
    assert types["black_health_safety"].memorandum.code == "lixia-dishonesty-2026"
    assert types["red_moral_model"].memorandum.code == "lixia-honesty-2026"
    # Running the seed again changes nothing and never overwrites the office's edits.
    ListType.objects.filter(code="red_media").update(validity_days=200)
    assert services.list_types_seed() == {"created": 0, "linked": 0}
    assert ListType.objects.get(code="red_media").validity_days == 200


def test_only_initiating_departments_create_entries(types, swj_clerk, company):
    with pytest.raises(
        PermissionDenied, match="不是“严重危害人民群众身体健康和生命安全的严重失信主体名单”的认定部门"
    ):
        services.list_entry_create(
            actor=swj_clerk,
            list_type="black_health_safety",
            identifier=company.identifier,
            name=company.name,
            reason="x",
        )


def test_viewer_cannot_create(types, user_factory, lixia, company):
    viewer = user_factory(lixia["scjgj"], roles=[Role.VIEWER])
    with pytest.raises(PermissionDenied, match="经办权限"):
        services.list_entry_create(
            actor=viewer,
            list_type="black_health_safety",
            identifier=company.identifier,
            name=company.name,
            reason="x",
        )


def test_clerk_cannot_decide_publish_or_remove(black_draft, scjgj_clerk, today):
    entry = services.list_entry_notify(
        entry=black_draft(), actor=scjgj_clerk, notified_on=today - timedelta(days=30)
    )
    with pytest.raises(PermissionDenied, match="审批权限"):
        services.list_entry_decide(entry=entry, actor=scjgj_clerk)
    with pytest.raises(PermissionDenied):
        services.list_entry_remove(entry=entry, actor=scjgj_clerk, reason="revoked")


def test_other_departments_approver_cannot_decide(black_draft, scjgj_clerk, swj_approver, today):
    entry = services.list_entry_notify(
        entry=black_draft(), actor=scjgj_clerk, notified_on=today - timedelta(days=30)
    )
    with pytest.raises(PermissionDenied, match="区市场监管局"):
        services.list_entry_decide(entry=entry, actor=swj_approver)
    entry.refresh_from_db()
    assert entry.state == EntryState.NOTIFIED


def test_valid_until_bounded_by_list_type_validity(red_draft, today):
    decided = today - timedelta(days=10)
    with pytest.raises(ValidationFailed) as exc:
        red_draft(decided_on=decided, valid_until=decided + timedelta(days=366))
    assert exc.value.details[0] == {
        "field": "valid_until",
        "rule": "max_validity",
        "message": exc.value.message,
    }
    assert "365" in exc.value.message


@pytest.mark.parametrize(
    ("decided", "until", "field", "rule"),
    [
        (-10, -20, "valid_until", "after_decided_on"),
        (5, None, "decided_on", "not_future"),
        (-400, -40, "valid_until", "not_past"),
    ],
)
def test_dates_in_order(red_draft, today, decided, until, field, rule):
    with pytest.raises(ValidationFailed) as exc:
        red_draft(
            decided_on=today + timedelta(days=decided),
            valid_until=None if until is None else today + timedelta(days=until),
        )
    assert (exc.value.details[0]["field"], exc.value.details[0]["rule"]) == (field, rule)


def test_red_needs_decided_on(red_draft):
    with pytest.raises(ValidationFailed) as exc:
        red_draft(decided_on=None)
    assert exc.value.details[0]["field"] == "decided_on"


def test_overlapping_entry_of_same_type_is_refused(red_published, red_draft, today):
    first = red_published()
    with pytest.raises(Conflict) as exc:
        red_draft(decided_on=today - timedelta(days=5))
    assert exc.value.code == "overlapping_entry" and exc.value.details[0]["entry_id"] == first.pk


def test_open_black_draft_blocks_a_second_draft_of_same_type(black_draft):
    black_draft()
    with pytest.raises(Conflict, match="重叠"):
        black_draft()


def test_removed_entry_does_not_block_a_new_one(red_published, red_draft, swj_approver, today):
    first = red_published()
    services.list_entry_remove(entry=first, actor=swj_approver, reason="corrected", note="认定日期有误")
    assert red_draft(decided_on=today - timedelta(days=3)).state == EntryState.DRAFT


def test_unknown_subject_is_registered_with_kind_from_identifier(types, scjgj_clerk):
    code = gen.uscc(random.Random(501), registry="9", org_type="2")
    entry = services.list_entry_create(
        actor=scjgj_clerk,
        list_type="black_market_order",
        identifier=code,
        name="历下区王芳小吃店",
        reason="无证照经营，经责令改正拒不改正",
    )
    subject = Subject.objects.get(identifier=code)
    assert subject.kind == "individual_business" and entry.subject == subject


def test_malformed_identifier_is_rejected(types, scjgj_clerk):
    with pytest.raises(ValidationFailed) as exc:
        services.list_entry_create(
            actor=scjgj_clerk,
            list_type="black_health_safety",
            identifier="91370102MA3C0000",
            name="某公司",
            reason="x",
        )
    assert exc.value.details[0]["field"] == "identifier"


def test_unknown_list_type(types, scjgj_clerk, company):
    with pytest.raises(ValidationFailed) as exc:
        services.list_entry_create(
            actor=scjgj_clerk,
            list_type="no_such",
            identifier=company.identifier,
            name=company.name,
            reason="x",
        )
    assert exc.value.details[0]["field"] == "list_type"


def test_effective_selector_one_query(
    black_published, red_published, person, company, django_assert_num_queries, today
):
    black = black_published()
    from jointcredit.subjects.tests.factories import CompanyFactory

    other = CompanyFactory()
    red_published(other)
    with django_assert_num_queries(1):
        found = list(selectors.entries_effective_for_subjects([company.pk, person.pk, other.pk], today))
        _ = [(e.list_type.code, e.department.name, e.list_type.memorandum) for e in found]
    assert {e.pk for e in found} == {black.pk, other.list_entries.get().pk}
    assert (
        list(selectors.entries_effective_for_subjects([company.pk], black.valid_until + timedelta(days=1)))
        == []
    )


def test_draft_update_only_before_notice(black_draft, scjgj_clerk, today):
    entry = services.list_entry_update(
        entry=black_draft(), actor=scjgj_clerk, reason="更正后的事由：使用过期原料"
    )
    assert entry.reason.startswith("更正后")
    services.list_entry_notify(entry=entry, actor=scjgj_clerk)
    with pytest.raises(Conflict):
        services.list_entry_update(entry=entry, actor=scjgj_clerk, reason="再改")
