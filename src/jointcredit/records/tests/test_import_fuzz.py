"""Hypothesis fuzzing of the importer (DESIGN.md §6): never a crash, never a partial batch."""

import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcredit.common.errors import ValidationFailed
from jointcredit.exchange.models import OutboxEvent
from jointcredit.records.models import Penalty
from jointcredit.records.services import records_import

from .factories import PENALTY_HEADER, csv_bytes, penalty_row, xlsx_bytes

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "=cmd|' /C calc'!A0",
        "+1",
        "-2",
        "@SUM(A1)",
        "2026-02-30",
        "9" * 300,
        "NULL",
        "\u0000",
        "警告;罚金",
        "个体工商户",
        "自然人",
        "00000000000000000X",
        "1e9",
        "0.1234567",
        '"',
        "a,b",
        "第一行\n第二行",
        "𠀀𠀁",
        "２０２６－０１－０１",
    ]
)


def _try(actor, dept, data: bytes, name: str, mode: str):
    before = (Penalty.objects.count(), OutboxEvent.objects.count())
    try:
        batch = records_import(
            actor=actor,
            record_type="penalty",
            department=dept,
            fileobj=io.BytesIO(data),
            name=name,
            size=len(data),
            mode=mode,
        )
    except ValidationFailed:
        # Refused: not a single row written, not a single event.
        assert (Penalty.objects.count(), OutboxEvent.objects.count()) == before
        return None
    assert batch.created_count + batch.withdrawn_count == Penalty.objects.count() - before[0]
    return batch


@FUZZ
@given(data=st.binary(max_size=2000), ext=st.sampled_from([".csv", ".xlsx", ".txt", ".exe", ""]))
def test_random_bytes_never_crash(scj_clerk, lixia, data, ext):
    _try(scj_clerk, lixia["scjgj"], data, "f" + ext, "all_or_nothing")


@FUZZ
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 6),
    edits=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(PENALTY_HEADER), NASTY), max_size=6),
    drop=st.lists(st.sampled_from(PENALTY_HEADER), max_size=3),
    dup=st.booleans(),
    encoding=st.sampled_from(["utf-8", "gbk", "utf-8-sig", "utf-16"]),
    xlsx=st.booleans(),
    mode=st.sampled_from(["all_or_nothing", "skip_bad_rows"]),
)
def test_mutated_standard_files(scj_clerk, lixia, seed, n, edits, drop, dup, encoding, xlsx, mode):
    dept = lixia["scjgj"]
    rng = random.Random(seed)
    rows = [penalty_row(rng, dept, n=seed * 10 + i) for i in range(n)]
    for idx, field, value in edits:
        rows[idx % n][field] = value
    if dup:
        rows.append(dict(rows[0]))
    header = [h for h in PENALTY_HEADER if h not in drop]
    if xlsx:
        clean = [{k: v.replace("\u0000", "") for k, v in r.items()} for r in rows]
        data, name = xlsx_bytes(clean, header), "f.xlsx"
    else:
        try:
            data, name = csv_bytes(rows, header, encoding=encoding), "f.csv"
        except UnicodeEncodeError:
            data, name = csv_bytes(rows, header), "f.csv"
    batch = _try(scj_clerk, dept, data, name, mode)
    if batch is not None and mode == "all_or_nothing":
        assert batch.rejected_count == 0 and not batch.errors
    if batch is not None and dup and rows[0]["CF_WSH"].strip() and "CF_WSH" not in drop:
        assert any(e["rule"] == "duplicate_in_file" for e in batch.errors)


def test_empty_and_header_only_files(scj_clerk, lixia):
    dept = lixia["scjgj"]
    with pytest.raises(ValidationFailed) as exc:
        _try_raw(scj_clerk, dept, b"", "f.csv")
    assert exc.value.details[0]["rule"] == "empty"
    batch = _try(scj_clerk, dept, (",".join(PENALTY_HEADER) + "\n").encode(), "f.csv", "all_or_nothing")
    assert batch.total_rows == 0 and batch.created_count == 0
    with pytest.raises(ValidationFailed) as exc:
        _try_raw(scj_clerk, dept, b"foo,bar\n1,2\n", "f.csv")
    assert {d["rule"] for d in exc.value.details} == {"header_missing"}


def _try_raw(actor, dept, data, name):
    return records_import(
        actor=actor,
        record_type="penalty",
        department=dept,
        fileobj=io.BytesIO(data),
        name=name,
        size=len(data),
    )
