"""commitments.0004 repairs ``<bound method Hit.explanation …>`` stored by the old f-strings: the
commitment's eligibility is rewritten with the explanation computed again, the sealed audit row gets
an appended ``audit.correct`` row (ADR 0045)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from jointcredit.audit.models import AuditEvent
from jointcredit.audit.selectors import audit_chain_verify
from jointcredit.audit.services import audit_record
from jointcredit.commitments.models import Commitment
from jointcredit.measures.catalog import MeasureInfo
from jointcredit.measures.engine import EntryRow, Hit, RoleLink
from jointcredit.measures.explanation_repair import UNRECOVERABLE, explanation_text_repair
from jointcredit.subjects.tests.factories import CompanyFactory

BEFORE = [("commitments", "0003_backfill_status_history")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _hit(link: RoleLink | None = None) -> Hit:
    measure = MeasureInfo(
        id=14,
        code="reward-tolerance-acceptance",
        name="容缺受理",
        kind="incentive",
        legal_basis="《关于建立完善守信联合激励和失信联合惩戒制度的指导意见》（国发〔2016〕33号）",
        memorandum_id=2,
        memorandum_name="历下区关于对诚信典型实施联合激励的合作备忘录",
        memorandum_document_no="历信用办发〔2026〕4号",
        scenarios=frozenset({"licensing", "funding"}),
        reaches_subject=True,
        reach_roles=frozenset({"legal_representative"}),
        directly_responsible_roles=frozenset(),
        implementing_departments=("区行政审批服务局", "区市场监管局"),
    )
    entry = EntryRow(
        id=42,
        subject_id=7,
        list_type_code="red_moral_model",
        list_type_name="诚信道德模范（红名单）",
        color="red",
        memorandum_id=2,
        department_name="区发改局",
        authority_name=None,
        legal_basis="历下区诚信道德模范评选办法（第三条）",
        valid_from=date(2026, 3, 1),
        valid_until=date(2027, 2, 28),
        under_objection=False,
    )
    return Hit(measure, entry, link)


def _bad(hit: Hit) -> str:
    # What ``f"…{hit.explanation}"`` printed while explanation was a method.
    return f"红名单激励措施“{hit.measure.name}”：<bound method Hit.explanation of {hit!r}>"


def test_text_repair_recomputes_the_explanation_and_never_evaluates():
    own, via = (
        _hit(),
        _hit(RoleLink(9, "legal_representative", False, "91370102MA3C1B2C3D", "济南某某（有限）公司")),
    )
    for hit in (own, via):
        assert explanation_text_repair(_bad(hit)) == f"红名单激励措施“容缺受理”：{hit.explanation}"
    assert "济南某某（有限）公司（91370102MA3C1B2C3D）的法定代表人" in explanation_text_repair(_bad(via))
    hostile = "x：<bound method Hit.explanation of Hit(measure=__import__('os').system('true'))>"
    assert explanation_text_repair(hostile) == f"x：{UNRECOVERABLE}"
    assert explanation_text_repair("x：<bound method Hit.explanation of Hit(") == f"x：{UNRECOVERABLE}"


@pytest.mark.django_db(transaction=True)
def test_migration_repairs_commitments_and_appends_audit_corrections(lixia):
    hit = _hit()
    good, bad = f"红名单激励措施“容缺受理”：{hit.explanation}", _bad(hit)
    company = CompanyFactory()
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate(BEFORE)
        commitment = Commitment.objects.create(
            department=lixia["xzsp"],
            subject=company,
            subject_name=company.name,
            matter="食品经营许可证核发",
            missing_items=["健康证明"],
            signatory_name="王建国",
            signed_on=date(2026, 11, 2),
            working_days=5,
            eligibility={"basis": [bad, "信用等级 A 级（95 分）"], "grade": "A", "checked_on": "2026-11-02"},
        )
        with transaction.atomic():
            stored = audit_record(
                actor=None,
                action="commitment.create",
                obj=commitment,
                department=lixia["xzsp"],
                after={"subject": company.identifier, "basis": [bad], "working_days": 5},
            )
        untouched = Commitment.objects.create(
            department=lixia["xzsp"],
            subject=company,
            subject_name=company.name,
            matter="公共场所卫生许可",
            missing_items=["平面图"],
            signatory_name="王建国",
            signed_on=date(2026, 11, 2),
            working_days=5,
            eligibility={"basis": ["信用等级 B 级（80 分）"], "grade": "B"},
        )
    finally:
        _migrate(leaves)

    commitment.refresh_from_db()
    assert commitment.eligibility["basis"] == [good, "信用等级 A 级（95 分）"]
    assert Commitment.objects.get(pk=untouched.pk).eligibility["basis"] == ["信用等级 B 级（80 分）"]
    original = AuditEvent.objects.get(seq=stored.seq)
    assert original.after["basis"] == [bad]  # sealed rows are never rewritten
    correction = AuditEvent.objects.get(action="audit.correct")
    assert correction.object_id == str(stored.seq)
    assert correction.before == {"basis": [bad]} and correction.after["basis"] == [good]
    assert audit_chain_verify().ok
