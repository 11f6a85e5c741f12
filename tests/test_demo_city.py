"""`jointcredit demo --size city` history (issue #21 §4): records and list entries by COPY, each in
its id range's partition, realistic and resumable. Run at a tiny size; PostgreSQL only (COPY)."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from jointcredit.common import clock
from jointcredit.demo import city
from jointcredit.demo.management.commands.demo import DemoContext
from jointcredit.lists import services as list_services
from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.records.models import License, Penalty
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory
from jointcredit.testing import postgres_only

pytestmark = [pytest.mark.django_db, postgres_only]


def test_city_history_is_copied_into_partitions_and_resumes(lixia, department_factory, monkeypatch):
    for code in ("yjj", "wjj", "jtj", "zjj"):
        department_factory(code, doc_abbr=code[:2])
    list_services.list_types_seed()
    for _ in range(40):
        CompanyFactory()
    for _ in range(10):
        PersonFactory()
    monkeypatch.setattr(city, "SLICE", 1_000)
    ctx = DemoContext(
        rng=random.Random(5),
        size="city",
        today=clock.today(),
        departments={d.code: d for d in lixia["fgj"].__class__.objects.all()},
    )
    city.build(ctx, records=2_500, entries=700)
    assert Penalty.objects.count() + License.objects.count() == 2_500
    assert ListEntry.objects.filter(state=EntryState.PUBLISHED).count() == 700
    city.build(ctx, records=3_000, entries=700)  # resumed: only what is missing
    assert Penalty.objects.count() + License.objects.count() == 3_000
    assert ListEntry.objects.count() == 700

    penalty = Penalty.objects.select_related("subject").order_by("id").first()
    assert penalty.subject_name == penalty.subject.name and penalty.doc_no.endswith("号")
    assert (penalty.uscc or penalty.id_number) == penalty.subject.identifier
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT department_id, doc_no FROM records_penalty GROUP BY 1, 2"
            " HAVING count(*) > 1) d"
        )
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM records_penalty_default")
        assert cur.fetchone()[0] == 0  # every row in its range
