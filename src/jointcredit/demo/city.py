"""City-scale history for `jointcredit demo --size city` (issue #21 §4): 30M 双公示 records and 1M
list entries on top of the 10M subjects, written with COPY (common.bulk.insert_frame).

The rows are built a slice at a time with polars from a window of stored subjects (their kind,
identifier and name, as an import would copy them), so memory stays flat whatever the size. They
are history, loaded the way a migration from an older system loads it: no outbox events, no
status history, no audit rows (ADR 0024: bulk loads are audited per batch, not per row). Before a
slice is written the partitions for its ids exist (common.partitions.partitions_ensure_upto).
"""

from __future__ import annotations

import random
import time
from datetime import date

import polars as pl
from django.db import connection, transaction
from tqdm import tqdm

from jointcredit.common import clock, partitions
from jointcredit.common.bulk import frame_from_query, insert_frame, reserve_id_series
from jointcredit.lists.models import EntryState, ListEntry, ListType
from jointcredit.records.models import License, Penalty, RecordState
from jointcredit.subjects.models import Subject

RECORDS = 30_000_000
ENTRIES = 1_000_000
SLICE = 500_000
PENALTY_SHARE = 0.6  # penalties : licences

PENALTY_DEPTS = ["scjgj", "yjj", "sthj", "cgj", "xfjy", "wjj", "swj"]
LICENSE_DEPTS = ["xzsp", "wjj", "jtj", "zjj"]
VIOLATIONS = [
    "未按规定建立进货查验记录",
    "销售超过保质期的食品",
    "无证经营",
    "未按规定公示许可证件",
    "超标排放污染物",
]
CATEGORIES = ["警告", "罚款", "罚款;没收违法所得", "吊销许可证件", "责令停产停业"]
LICENSE_KINDS = ["普通", "特许", "认可", "核准", "登记"]
LICENSE_NAMES = [
    "食品经营许可证",
    "卫生许可证",
    "建筑工程施工许可证",
    "道路运输经营许可证",
    "烟草专卖零售许可证",
]


def build(ctx, *, records: int = RECORDS, entries: int = ENTRIES) -> None:
    """List entries, then records; resumable: counts what is there and adds the rest."""
    started = time.monotonic()
    # Entries first: the check needs them, and the records take most of the time.
    have_entries = ListEntry.objects.count()
    if have_entries < entries:
        _entries(ctx, entries - have_entries, serial=have_entries)
    have = Penalty.objects.count() + License.objects.count()
    if have < records:
        _records(ctx, records - have, serial=have)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for model in (Penalty, License, ListEntry):
                cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    ctx.log(f"  城市规模历史数据：{time.monotonic() - started:.0f}s")


def _ints(rng: random.Random, k: int, n: int) -> pl.Series:
    """``n`` random integers in [0, k), drawn by polars (a seed from the demo's generator)."""
    return pl.int_range(0, k, eager=True).sample(n, with_replacement=True, seed=rng.randrange(2**31))


def _pick(values: list, index: pl.Series, dtype=pl.String) -> pl.Series:
    return pl.Series(values, dtype=dtype).gather(index)


def _subject_windows(size: int):
    """Endless windows of stored subjects (id, kind, identifier, name), in id order, wrapping."""
    first = Subject.objects.order_by("id").values_list("id", flat=True).first() or 0
    last = Subject.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if not last:
        raise RuntimeError("没有信用主体：请先生成主体（jointcredit demo --size city 会先生成）。")
    low = first
    while True:
        frame = frame_from_query(
            "SELECT id, kind, identifier, name FROM subjects_subject WHERE id >= %s AND id < %s",
            [low, low + size],
            {"id": pl.Int64(), "kind": pl.String(), "identifier": pl.String(), "name": pl.String()},
        )
        low = first if low + size > last else low + size
        if frame.height:
            yield frame


def _dates(rng: random.Random, n: int, today: date, days: int) -> pl.Series:
    offsets = _ints(rng, days, n).alias("offset")
    return pl.DataFrame(offsets).select(pl.lit(today) - pl.duration(days=pl.col("offset"))).to_series()


def _records(ctx, total: int, *, serial: int) -> None:
    """``serial`` continues the 文书号 numbering of an earlier, interrupted build."""
    rng = ctx.rng
    today = ctx.today
    departments = {
        code: ctx.departments[code] for code in PENALTY_DEPTS + LICENSE_DEPTS if code in ctx.departments
    }
    windows = _subject_windows(SLICE // 3)
    bar = tqdm(total=total, desc="双公示记录", unit="行", mininterval=2.0)
    done = 0
    while done < total:
        n = min(SLICE, total - done)
        subjects = next(windows)
        pick = subjects[_ints(rng, subjects.height, n)]
        penalties = int(n * PENALTY_SHARE)
        for model, rows, codes in (
            (Penalty, penalties, PENALTY_DEPTS),
            (License, n - penalties, LICENSE_DEPTS),
        ):
            if rows == 0:
                continue
            part = pick.slice(0 if model is Penalty else penalties, rows)
            ids = reserve_id_series(model, rows)
            partitions.partitions_ensure_upto(model._meta.db_table, int(ids.max() or 0))  # type: ignore[arg-type]
            frame = _record_frame(model, part, ids, rng, departments, codes, today, serial)
            serial += rows
            with transaction.atomic():
                insert_frame(model._meta.db_table, frame.columns, frame)
        done += n
        bar.update(n)
    bar.close()


def _record_frame(model, subjects: pl.DataFrame, ids: pl.Series, rng, departments, codes, today, serial):
    n = subjects.height
    dept_codes = [c for c in codes if c in departments]
    dept_pick = _ints(rng, len(dept_codes), n)
    dept_ids = _pick([departments[c].pk for c in dept_codes], dept_pick, pl.Int64)
    organ_names = _pick([departments[c].organ_name for c in dept_codes], dept_pick)
    organ_codes = _pick([departments[c].uscc for c in dept_codes], dept_pick)
    abbrs = _pick([departments[c].doc_abbr for c in dept_codes], dept_pick)
    decided = _dates(rng, n, today, 3 * 365)
    now = clock.now()
    natural = pl.col("subject_kind") == "natural"
    base = pl.DataFrame(
        {
            "id": ids,
            "subject_id": subjects.get_column("id"),
            "subject_kind": subjects.get_column("kind"),
            "subject_name": subjects.get_column("name"),
            "identifier": subjects.get_column("identifier"),
            "decision_date": decided,
            "department_id": dept_ids,
            "organ_name": organ_names,
            "organ_code": organ_codes,
            "doc_abbr": abbrs,
            "serial": pl.int_range(serial + 1, serial + n + 1, eager=True),
        }
    ).with_columns(
        uscc=pl.when(natural).then(pl.lit("")).otherwise(pl.col("identifier")),
        legal_rep=pl.lit(""),
        id_type=pl.when(natural).then(pl.lit("身份证")).otherwise(pl.lit("")),
        id_number=pl.when(natural).then(pl.col("identifier")).otherwise(pl.lit("")),
        # Doc numbers unique per department: the running serial of the whole load.
        doc_no=pl.format(
            "{}{}〔{}〕C{}号",
            pl.col("doc_abbr"),
            pl.lit("罚" if model is Penalty else "许"),
            pl.col("decision_date").dt.year(),
            pl.col("serial"),
        ),
        status_code=pl.lit("1"),
        source_name=pl.col("organ_name"),
        source_code=pl.col("organ_code"),
        remark=pl.lit(""),
        legacy=pl.lit("{}"),
        state=pl.lit(RecordState.PUBLISHED),
        withdraw_reason=pl.lit(""),
        version=pl.lit(1),
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
        publication_deadline=pl.col("decision_date") + pl.duration(days=9),
        published_at=(pl.col("decision_date") + pl.duration(days=3)).cast(pl.Datetime("us", "UTC")),
        publication_end_reason=pl.lit(""),
    )
    if model is Penalty:
        violation = _pick(VIOLATIONS, _ints(rng, len(VIOLATIONS), n))
        category = _pick(CATEGORIES, _ints(rng, len(CATEGORIES), n))
        typed = base.with_columns(
            violation_type=violation,
            facts=pl.format("当事人{}，经查证属实。", violation),
            basis=pl.lit("《中华人民共和国食品安全法》第一百二十六条"),
            categories=category,
            content=category,
            fine=_ints(rng, 50, n) / 10,
            licence_affected=pl.lit(""),
            tier=pl.lit("general"),
            public_until=pl.col("decision_date") + pl.duration(days=365),
            repairable_from=pl.col("decision_date") + pl.duration(days=90),
        )
    else:
        name = _pick(LICENSE_NAMES, _ints(rng, len(LICENSE_NAMES), n))
        typed = base.with_columns(
            doc_name=name,
            category=_pick(LICENSE_KINDS, _ints(rng, len(LICENSE_KINDS), n)),
            certificate_name=name,
            licence_no=pl.format("JY{}", pl.col("serial")),
            content=pl.lit("准予许可"),
            valid_from=pl.col("decision_date"),
        )
    return typed.drop("doc_abbr", "serial", "identifier")


def _entries(ctx, total: int, *, serial: int) -> None:
    rng = ctx.rng
    types = list(ListType.objects.filter(is_active=True).values_list("id", "color", "legal_basis"))
    if not types:
        ctx.log("  没有名单类型，跳过名单条目。")
        return
    dept_ids = [d.pk for d in ctx.departments.values() if d.is_initiating]
    windows = _subject_windows(SLICE)
    bar = tqdm(total=total, desc="名单条目", unit="行", mininterval=2.0)
    done = 0
    now = clock.now()
    while done < total:
        n = min(SLICE, total - done)
        subjects = next(windows)
        pick = subjects[_ints(rng, subjects.height, n)]
        t = _ints(rng, len(types), n)
        decided = _dates(rng, n, ctx.today, 3 * 365)
        frame = (
            pl.DataFrame(
                {
                    "id": reserve_id_series(ListEntry, n),
                    "list_type_id": _pick([x[0] for x in types], t, pl.Int64),
                    "subject_id": pick.get_column("id"),
                    "subject_name": pick.get_column("name"),
                    "subject_kind": pick.get_column("kind"),
                    "department_id": _pick(dept_ids, _ints(rng, len(dept_ids), n), pl.Int64),
                    "legal_basis": _pick([x[2] or "相关规定" for x in types], t),
                    "decided_on": decided,
                    "serial": pl.int_range(serial + done + 1, serial + done + n + 1, eager=True),
                }
            )
            .with_columns(
                state=pl.lit(EntryState.PUBLISHED),
                reason=pl.lit("经依法认定，列入名单"),
                document_no=pl.format("城名〔{}〕{}号", pl.col("decided_on").dt.year(), pl.col("serial")),
                valid_from=pl.col("decided_on"),
                valid_until=pl.col("decided_on") + pl.duration(days=3 * 365),
                published_at=(pl.col("decided_on") + pl.duration(days=1)).cast(pl.Datetime("us", "UTC")),
                notice_no=pl.lit(""),
                statement_content=pl.lit(""),
                statement_handling=pl.lit(""),
                statement_outcome=pl.lit(""),
                removal_reason=pl.lit(""),
                removal_note=pl.lit(""),
                under_objection=pl.lit(False),
                responsible_chosen=pl.lit(False),  # no choice at 认定 (ADR 0046)
                objection_periods=pl.lit("[]"),
                created_at=pl.lit(now),
                updated_at=pl.lit(now),
            )
            .drop("serial")
        )
        with transaction.atomic():
            insert_frame(ListEntry._meta.db_table, frame.columns, frame)
        done += n
        bar.update(n)
    bar.close()
