"""The ``--size large`` tail of the lists demo writes published entries straight to the table: every
column the model requires must be in its row (a NOT NULL column added later broke it silently)."""

import random
from types import SimpleNamespace

import pytest

from jointcredit.common import clock
from jointcredit.lists.demo import _bulk_tail
from jointcredit.lists.models import ListEntry
from jointcredit.lists.services import list_types_seed
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_bulk_tail_writes_complete_published_entries(lixia):
    list_types_seed()
    companies = [c.pk for c in CompanyFactory.create_batch(405)]
    persons = [p.pk for p in PersonFactory.create_batch(103)]
    ctx = SimpleNamespace(
        rng=random.Random(5), today=clock.today(), companies=companies, persons=persons, log=lambda *_: None
    )
    _bulk_tail(ctx, target=6)
    entries = list(ListEntry.objects.all())
    assert len(entries) == 6
    assert all(e.state == "published" and e.objection_periods == [] for e in entries)
    assert not any(e.responsible_chosen for e in entries)
