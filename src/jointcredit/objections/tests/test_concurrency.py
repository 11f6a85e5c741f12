"""Races on PostgreSQL (real concurrent transactions; skipped on SQLite): two approvers deciding one
objection or one repair at once, two filings of one entry at once — exactly one wins."""

from __future__ import annotations

import pytest
from django.db import connection  # noqa: F401 - evaluated by the postgres_only skip condition

from jointcredit.accounts.models import Role
from jointcredit.casework.models import SyncReceipt
from jointcredit.casework.testing import pdf
from jointcredit.common.errors import Conflict
from jointcredit.lists.models import ListEntry
from jointcredit.objections import services
from jointcredit.objections.models import Objection
from jointcredit.repairs import services as repairs
from jointcredit.repairs.models import RepairApplication
from jointcredit.testing import postgres_only, race

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_approvers_decide_one_objection(
    black_published, scjgj_clerk, scjgj_approver, user_factory, lixia, contact
):
    second = user_factory(lixia["scjgj"], roles=[Role.APPROVER])
    entry = black_published()
    o = services.objection_file(
        actor=scjgj_clerk, target_type="list_entry", target_id=entry.pk, statement="有误", **contact
    )
    services.objection_accept(actor=scjgj_clerk, objection=o)
    services.objection_review(actor=scjgj_clerk, objection=o)
    actors = [scjgj_approver, second]

    def decide(i):
        fresh = Objection.objects.get(pk=o.pk)
        if i == 0:
            return services.objection_uphold(actor=actors[i], objection=fresh, decision="驳回")
        return services.objection_correct(actor=actors[i], objection=fresh, decision="撤销")

    results = race(decide)
    wins = [r for r in results if isinstance(r, Objection)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].details[0]["current_state"] == wins[0].state
    entry = ListEntry.objects.get(pk=entry.pk)
    assert (entry.state == "removed") == (wins[0].state == "corrected")


def test_two_filings_of_one_entry(black_published, contact):
    entry = black_published()
    results = race(
        lambda i: services.objection_file(
            verified_identifier=entry.subject.identifier,
            target_type="list_entry",
            target_id=entry.pk,
            statement=f"异议 {i}",
            **contact,
        )
    )
    assert sum(isinstance(r, Objection) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert Objection.objects.count() == 1


def test_two_approvers_decide_one_repair(
    old_black, scjgj_clerk, scjgj_approver, user_factory, lixia, contact
):
    second = user_factory(lixia["scjgj"], roles=[Role.APPROVER])
    entry = old_black()
    r = repairs.repair_file(
        actor=scjgj_clerk,
        target_type="list_entry",
        target_id=entry.pk,
        correction="已整改",
        commitment_signatory="张伟",
        commitment_accepted=True,
        proofs=[pdf()],
        **contact,
    )
    repairs.repair_accept(actor=scjgj_clerk, repair=r)
    actors = [scjgj_approver, second]

    def decide(i):
        fresh = RepairApplication.objects.get(pk=r.pk)
        if i == 0:
            return repairs.repair_approve(actor=actors[i], repair=fresh)
        return repairs.repair_reject(actor=actors[i], repair=fresh, reason="不予修复")

    results = race(decide)
    wins = [x for x in results if isinstance(x, RepairApplication)]
    losses = [x for x in results if isinstance(x, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    entry = ListEntry.objects.get(pk=entry.pk)
    assert (entry.state == "removed") == (wins[0].state == "approved")
    assert SyncReceipt.objects.filter(source_type="repair").count() == 0  # no pushes in this world
