from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from jointcredit.common import clock
from jointcredit.common.errors import PermissionDenied, ValidationFailed
from jointcredit.grading import services
from jointcredit.grading.engine import Rules, grade_compute
from jointcredit.grading.inputs import _providers, register_grade_input
from jointcredit.grading.models import GradeHistory, SubjectGrade
from jointcredit.grading.selectors import grade_a_proposals, ruleset_active
from jointcredit.lists.models import EntryState, RemovalReason

from .factories import CompanyFactory, PersonFactory, company_with_people, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return clock.today()


@pytest.fixture
def extra_input():
    """A provider registered by “another app” (e.g. catalog 失信信息), removed after the test."""
    rows: list[tuple] = []

    def provider(subject_ids, on):
        return [r for r in rows if subject_ids is None or r[0] in subject_ids]

    register_grade_input("test.extra", provider)
    yield rows
    _providers.pop("test.extra", None)


def _grade(subject):
    return SubjectGrade.objects.get(subject=subject)


def test_clean_company_is_b_with_empty_explanation(lixia):
    company = CompanyFactory()
    result = services.grade_recompute_for([company.pk])
    assert result.touched == 1 and result.created == 1
    g = _grade(company)
    assert (g.grade, g.score, g.explanation) == ("B", 85, [])


def test_black_entry_gives_d_and_reaches_legal_representative(lixia, today):
    company, rep, others = company_with_people(3)
    e = entry(company, department=lixia["scjgj"], on=today)
    services.grade_recompute_for([company.pk])
    g = _grade(company)
    assert g.grade == "D" and g.score == 45
    item = g.explanation[0]
    assert (
        item["source"] == "black_entry" and item["points"] == -40 and item["ref"] == f"lists.listentry:{e.pk}"
    )
    rep_grade = _grade(rep)
    assert rep_grade.score == 75 and rep_grade.explanation[0]["source"] == "related_black"
    # a shareholder not marked directly responsible is not reached
    assert _grade(others[0]).score == 85


def test_incremental_touches_subject_and_related_persons_only(lixia, today):
    company, rep, others = company_with_people(3)
    CompanyFactory.create_batch(5)
    result = services.grade_recompute_for([company.pk])
    assert result.touched == 4
    assert set(result.subject_ids) == {company.pk, rep.pk, *(p.pk for p in others)}
    # from the person's side: the person plus every company where they hold a role
    other_company = CompanyFactory()
    from jointcredit.subjects.models import RelatedPerson

    RelatedPerson.objects.create(subject=other_company, person=rep, role="director")
    assert services.grade_recompute_for([rep.pk]).touched == 3


def test_penalty_input_with_decay_fine_and_revocation(lixia, today, extra_input):
    company = CompanyFactory()
    old = today - timedelta(days=365)
    extra_input.append(
        (company.pk, "penalty", "records.penalty:1", "罚款 5 万元", old, "罚款;警告", 5.0, False, False)
    )
    extra_input.append((company.pk, "revocation", "records.penalty:1", "吊销", old, "", 0.0, False, False))
    services.grade_recompute_for([company.pk])
    g = _grade(company)
    # penalty: −(5 + 5×0.5) × ½ = −3.75; revocation −15 × ½ = −7.5 → 85 − 11.25 = 73.75 → 74 (C)
    assert g.score == 74 and g.grade == "C"
    points = {i["source"]: i["points"] for i in g.explanation}
    assert points == {"penalty": -3.75, "revocation": -7.5}
    assert g.explanation[0]["decay"] == 0.5


def test_unknown_source_uses_extra_points_and_is_flagged(lixia, office_admin, extra_input):
    company = CompanyFactory()
    today = clock.today()
    extra_input.append(
        (company.pk, "catalog.dishonesty", "catalog:1", "欠缴社保", today, "", 0.0, False, True)
    )
    services.grade_recompute_for([company.pk])
    assert _grade(company).explanation[0]["configured"] is False
    services.grading_ruleset_publish(
        actor=office_admin, changes={"extra_source_points": {"catalog.dishonesty": -20}}
    )
    services.grade_recompute_for([company.pk])
    g = _grade(company)
    assert g.score == 65 and g.explanation[0]["configured"] is True


def test_repaired_black_entry_is_relieved_and_revoked_never_counts(lixia, today):
    a, b = CompanyFactory(), CompanyFactory()
    e1 = entry(a, department=lixia["scjgj"], on=today)
    e1.state, e1.removal_reason, e1.removed_at = EntryState.REMOVED, RemovalReason.REPAIRED, clock.now()
    e1.save()
    e2 = entry(b, department=lixia["scjgj"], on=today)
    e2.state, e2.removal_reason, e2.removed_at = EntryState.REMOVED, RemovalReason.REVOKED, clock.now()
    e2.save()
    services.grade_recompute_for([a.pk, b.pk], expand=False)
    assert _grade(a).score == 65 and _grade(a).explanation[0]["repaired"] is True
    assert _grade(b).score == 85


def test_history_only_on_change(lixia, today):
    company = CompanyFactory()
    services.grade_recompute_for([company.pk])
    services.grade_recompute_for([company.pk])
    assert GradeHistory.objects.filter(subject=company).count() == 1
    entry(company, code="red_moral_model", department=lixia["fgj"], on=today)
    services.grade_recompute_for([company.pk])
    rows = list(GradeHistory.objects.filter(subject=company).order_by("id"))
    assert [(r.previous_grade, r.grade, r.score) for r in rows] == [("", "B", 85), ("B", "A", 95)]


def test_bulk_equals_incremental(lixia, today, extra_input):
    companies = [company_with_people(2) for _ in range(4)]
    entry(companies[0][0], department=lixia["scjgj"], on=today)
    entry(companies[1][1], code="black_other", department=lixia["fgj"], on=today)
    entry(companies[2][0], code="red_moral_model", department=lixia["fgj"], on=today)
    extra_input.append(
        (companies[3][0].pk, "penalty", "p:1", "x", today - timedelta(days=40), "罚款", 30.0, False, False)
    )
    run = services.grade_bulk()
    bulk = dict(SubjectGrade.objects.values_list("subject_id", "score"))
    assert run.subjects == len(bulk) and run.created == len(bulk)
    SubjectGrade.objects.all().delete()
    ids = list(bulk)
    services.grade_recompute_for(ids, expand=False)
    assert dict(SubjectGrade.objects.values_list("subject_id", "score")) == bulk
    # a second bulk run with nothing changed writes nothing
    again = services.grade_bulk()
    assert (again.created, again.changed) == (0, 0)


def test_signal_regrades_after_commit(lixia, today, django_capture_on_commit_callbacks):
    company, rep, _ = company_with_people(1)
    services.grade_recompute_for([company.pk])
    with django_capture_on_commit_callbacks(execute=True):
        entry(company, department=lixia["scjgj"], on=today)
    assert _grade(company).grade == "D"
    assert _grade(rep).grade == "B" and _grade(rep).score == 75


def test_ruleset_publish_is_office_only_validated_and_audited(lixia, office_admin, user_factory):
    from jointcredit.audit.models import AuditEvent

    clerk = user_factory(lixia["scjgj"])
    with pytest.raises(PermissionDenied):
        services.grading_ruleset_publish(actor=clerk, changes={"base_score": 90})
    with pytest.raises(ValidationFailed) as exc:
        services.grading_ruleset_publish(actor=office_admin, changes={"threshold_a": 70, "threshold_b": 75})
    assert exc.value.details[0]["rule"] == "order"
    with pytest.raises(ValidationFailed):
        services.grading_ruleset_publish(actor=office_admin, changes={"repair_relief": 2})
    before = ruleset_active().version
    rs = services.grading_ruleset_publish(actor=office_admin, changes={"base_score": 88}, note="调整基础分")
    assert rs.version == before + 1 and ruleset_active().pk == rs.pk
    assert AuditEvent.objects.filter(action="grading_ruleset.publish", object_id=str(rs.pk)).exists()


def test_grade_a_proposals_exclude_already_listed(lixia, today):
    a, b = CompanyFactory(), CompanyFactory()
    entry(a, code="red_moral_model", department=lixia["fgj"], on=today)
    entry(b, code="red_good_rating", department=lixia["fgj"], on=today)
    services.grade_recompute_for([a.pk, b.pk])
    assert _grade(a).grade == _grade(b).grade == "A"
    assert [g.subject_id for g in grade_a_proposals().items] == [a.pk]


def test_engine_black_cap(lixia):
    rules = Rules.of(ruleset_active())
    rows = pl.DataFrame(
        [
            (1, "black_entry", "x", "x", clock.today(), "", 0.0, False, True),
            (1, "honour", "h", "h", clock.today(), "", 0.0, False, True),
        ]
        + [(1, "red_entry", f"r{i}", "r", clock.today(), "", 0.0, False, True) for i in range(6)],
        schema=list(__import__("jointcredit.grading.inputs", fromlist=["SCHEMA"]).SCHEMA.items()),
        orient="row",
    )
    out = grade_compute(
        scope=pl.Series([1, 2]), inputs=rows, links=pl.DataFrame(), rules=rules, on=clock.today()
    )
    first = out.row(0, named=True)
    assert first["score"] == 110 and first["grade"] == "D"
    assert out.row(1, named=True)["grade"] == "B"


def test_person_subject_grades_too(lixia):
    person = PersonFactory()
    services.grade_recompute_for([person.pk])
    assert _grade(person).grade == "B"


def test_grade_command_bulk_and_incremental(lixia):
    from io import StringIO

    from django.core.management import call_command

    company, rep, _ = company_with_people(2)
    out = StringIO()
    call_command("grade", stdout=out)
    assert "subjects_per_second=" in out.getvalue()
    out = StringIO()
    call_command("grade", "--subjects", company.identifier, stdout=out)
    assert "touched=3" in out.getvalue()
    out = StringIO()
    call_command("grade", "--feed", stdout=out)
    assert "事件流" in out.getvalue()
