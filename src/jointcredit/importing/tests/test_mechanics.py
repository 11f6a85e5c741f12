"""The mechanics behind every bulk import: ``common.bulk``'s set-based helpers (array literals,
frame lookups, id reservation, COPY of a frame) and ``importing.pipeline``'s phase timings."""

from __future__ import annotations

import logging

import polars as pl
import pytest
from django.db import connection

from jointcredit.common.bulk import (
    frame_where_in,
    insert_frame,
    pg_array,
    reserve_id_series,
    rows_where_in,
)
from jointcredit.importing.pipeline import Phases
from jointcredit.subjects.models import Subject
from jointcredit.subjects.tests.factories import CompanyFactory
from jointcredit.testing import postgres_only

AWKWARD = ['a"b', "c\\d", "{x,y}", "NULL", " sp ", "济南", "'q'", "", '\\"', 'a\\\\"b', "x;y", "(1)"]


@pytest.mark.django_db
@postgres_only
def test_array_literal_round_trips_awkward_text_and_integers():
    literal, element = pg_array(pl.Series(AWKWARD + [None]))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{element}[]", [literal])
        assert cursor.fetchone()[0] == AWKWARD  # nulls dropped, every other value intact
        literal, element = pg_array(pl.Series([3, None, 1, 2]))
        cursor.execute(f"SELECT %s::{element}[]", [literal])
        assert (element, cursor.fetchone()[0]) == ("bigint", [3, 1, 2])
        literal, element = pg_array(pl.Series([], dtype=pl.String))
        cursor.execute(f"SELECT %s::{element}[]", [literal])
        assert cursor.fetchone()[0] == []


@pytest.mark.django_db
def test_lookups_as_rows_and_as_frame_agree():
    subjects = [CompanyFactory(name=name) for name in ("甲公司", 'He said "hi"', "back\\slash")]
    merged = CompanyFactory(merged_into=subjects[0])
    wanted = [s.identifier for s in [*subjects, merged]] + ["NOSUCHIDENTIFIER"]
    schema = {"identifier": pl.String, "id": pl.Int64, "name": pl.String, "merged_into_id": pl.Int64}
    frame = frame_where_in(Subject, schema, "identifier", pl.Series(wanted))
    rows = rows_where_in(Subject, list(schema), "identifier", wanted)
    assert sorted(frame.rows()) == sorted(rows)
    assert dict(frame.select("identifier", "merged_into_id").rows())[merged.identifier] == subjects[0].pk
    assert dict(frame.select("identifier", "merged_into_id").rows())[subjects[1].identifier] is None
    assert frame_where_in(Subject, schema, "identifier", pl.Series(["NOPE"])).height == 0
    assert frame_where_in(Subject, schema, "identifier", pl.Series([], dtype=pl.String)).schema == pl.Schema(
        schema
    )


@pytest.mark.django_db
def test_reserved_ids_are_distinct_and_usable_for_copy():
    ids = reserve_id_series(Subject, 5)
    assert ids.len() == 5 and ids.n_unique() == 5 and ids.dtype == pl.Int64
    assert reserve_id_series(Subject, 0).len() == 0
    frame = pl.DataFrame(
        {
            "id": ids,
            "kind": ["legal"] * 5,
            "id_type": ["uscc"] * 5,
            "identifier": [f"TESTIDENT{i}" for i in range(5)],
            "name": ["", "x", 'q"', "a,b", "\\"],
            "operator_id_number": [""] * 5,
            "legal_representative": [""] * 5,
            "region_code": [""] * 5,
            "industry": [""] * 5,
            "address": [""] * 5,
        }
    )
    now = "2026-11-26 08:00:00+00:00" if connection.vendor == "postgresql" else "2026-11-26 08:00:00"
    frame = frame.with_columns(pl.lit(now).alias("created_at"), pl.lit(now).alias("updated_at"))
    assert insert_frame(Subject._meta.db_table, frame.columns, frame) == 5
    stored = dict(Subject.objects.filter(pk__in=ids.to_list()).values_list("identifier", "name"))
    assert stored == dict(zip(frame.get_column("identifier").to_list(), frame.get_column("name").to_list()))
    # The sequence moved past them: a later ordinary insert never collides.
    assert CompanyFactory().pk not in ids.to_list()


def test_phases_accumulate_and_log(caplog):
    phases = Phases()
    with phases("read", 10):
        pass
    with phases("write"):
        pass
    with phases("read"):
        pass
    phases.add("commit", 0.25)
    assert list(phases.seconds) == ["read", "write", "commit"] and phases.rows == {"read": 10}
    assert phases.seconds["commit"] == 0.25 and phases.total >= 0
    text = phases.summary()
    assert text.startswith("read ") and "(10 行)" in text and "commit 0.25 s" in text and "合计" in text
    with caplog.at_level(logging.INFO, logger="jointcredit.importing"):
        phases.log("测试导入")
    assert caplog.records[-1].getMessage().startswith("测试导入：read ")
    assert caplog.records[-1].phases["commit"] == 0.25
