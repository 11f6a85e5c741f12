"""A penalty entered through the records service (set-based, no model signal) reaches grading
through the outbox feed; the regrade touches the subject and its related persons only."""

from __future__ import annotations

import random
from datetime import date

import pytest

from jointcredit.grading.feed import grading_consume_feed
from jointcredit.grading.models import SubjectGrade
from jointcredit.grading.services import grade_bulk

from .factories import company_with_people

pytestmark = pytest.mark.django_db

records_services = pytest.importorskip("jointcredit.records.services")
samples = pytest.importorskip("jointcredit.records.samples")


def test_new_penalty_regrades_subject_and_related_persons_via_feed(lixia, user_factory):
    from jointcredit.exchange.sequencer import sequence_all

    company, rep, others = company_with_people(3)
    grade_bulk()
    sequence_all()
    grading_consume_feed()  # start from the current end of the feed
    clerk = user_factory(lixia["scjgj"], roles=["clerk"])
    row = samples.penalty_row(random.Random(5), lixia["scjgj"], decided=date(2026, 11, 2),
                              CF_XDR_MC=company.name, CF_XDR_SHXYM=company.identifier,
                              CF_CFLB="罚款;吊销许可证件", CF_NR_FK="20",
                              CF_NR_ZKDX="食品经营许可证 JY13701020001234")
    record, _ = records_services.record_save(actor=clerk, record_type="penalty", data=row)
    assert record is not None
    sequence_all()
    out = grading_consume_feed()
    assert out["subjects"] == 4  # the company, its 法定代表人 and two more related persons
    g = SubjectGrade.objects.get(subject=company)
    sources = {i["source"] for i in g.explanation}
    assert {"penalty", "revocation"} <= sources and g.grade in ("C", "D")
    assert grading_consume_feed()["events"] == 0
