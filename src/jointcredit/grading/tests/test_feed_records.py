"""A penalty entered through the records service (set-based, no model signal) reaches grading
through the outbox feed; the regrade touches the subject and its related persons only."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from jointcredit.common import clock
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
    row = samples.penalty_row(
        random.Random(5),
        lixia["scjgj"],
        decided=clock.today() - timedelta(days=30),  # a recent penalty: no decay yet
        CF_XDR_MC=company.name,
        CF_XDR_SHXYM=company.identifier,
        CF_CFLB="罚款;吊销许可证件",
        CF_NR_FK="20",
        CF_NR_ZKDX="食品经营许可证 JY13701020001234",
    )
    record, _ = records_services.record_save(actor=clerk, record_type="penalty", data=row)
    assert record is not None
    sequence_all()
    out = grading_consume_feed()
    assert out["subjects"] == 4  # the company, its 法定代表人 and two more related persons
    g = SubjectGrade.objects.get(subject=company)
    sources = {i["source"] for i in g.explanation}
    assert {"penalty", "revocation"} <= sources and g.grade in ("C", "D")
    assert grading_consume_feed()["events"] == 0


def test_repaired_penalty_is_relieved(lixia, user_factory):
    """A penalty whose 信用修复 was approved keeps counting (it happened) but with the rule set's
    repair relief, like a black entry removed as repaired."""
    from datetime import timedelta

    from jointcredit.casework.testing import pdf
    from jointcredit.grading.services import grade_recompute_for
    from jointcredit.records.models import Penalty
    from jointcredit.repairs import services as repairs

    company, _, _ = company_with_people(1)
    clerk = user_factory(lixia["scjgj"], roles=["clerk"])
    approver = user_factory(lixia["scjgj"], roles=["approver", "clerk"])
    decided = clock.today() - timedelta(days=120)  # 一般 tier: repairable after 3 months
    row = samples.penalty_row(
        random.Random(7),
        lixia["scjgj"],
        decided=decided,
        CF_XDR_MC=company.name,
        CF_XDR_SHXYM=company.identifier,
        CF_CFLB="罚款",
        CF_NR_FK="2",
        CF_NR="罚款人民币贰万元",
    )
    record, _ = records_services.record_save(actor=clerk, record_type="penalty", data=row)
    penalty = Penalty.objects.get(pk=record.pk)

    def penalty_item():
        grade_recompute_for([company.pk])
        g = SubjectGrade.objects.get(subject=company)
        return next(i for i in g.explanation if i["source"] == "penalty"), g.score

    before, score_before = penalty_item()
    assert before["repaired"] is False and before["points"] < 0
    r = repairs.repair_file(
        verified_identifier=company.identifier,
        target_type="penalty",
        target_id=penalty.pk,
        correction="已缴清罚款并完成整改，经复查合格。",
        commitment_signatory="张伟",
        commitment_accepted=True,
        proofs=[pdf()],
        contact_name="李明",
        contact_email="liming@example.com",
        contact_phone="0531-88888888",
    )
    repairs.repair_accept(actor=clerk, repair=r)
    repairs.repair_approve(actor=approver, repair=r, decision="准予修复")
    after, score_after = penalty_item()
    assert after["repaired"] is True and "已信用修复" in after["label"]
    assert after["points"] == pytest.approx(before["points"] * 0.5)  # default repair_relief 0.5
    assert score_after > score_before
