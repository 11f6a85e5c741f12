"""City scale on one machine (issue #21 §4): `make bench BENCH=scale`.

Runs against the database built by `jointcredit demo --size city` (``BENCH_SCALE_DB``, default
``jc_scale``: 10M subjects, up to 30M 双公示 records, 1M list entries; whatever size the build
reached is printed first, and every figure is at that size). It does not build the data set: the
build takes hours on a shared 2-core machine and is started once, by hand.

1. disk: bytes of the records tables (all partitions, indexes, TOAST) per 10M records;
2. portal search p95 (target < 100 ms): bench_portal_search over this database;
3. ``GET /check`` throughput and p99, through the API process, against the bare WSGI + psycopg
   reference of bench_check doing the same lookups (interleaved A B B A);
4. import of ``BENCH_SCALE_IMPORT_ROWS`` (default 1M) penalty rows into the big table, against the
   same file imported into an empty table (bench_records_import's database) — throughput ratio and
   peak RSS;
5. feed read (with the import): the events that import emitted, read page by page through
   ``GET /api/v1/feed``, against the same pages read with bare psycopg (ratio).

``BENCH_SCALE_PARTS`` (default ``disk,search,check,import``) runs a subset. The import adds its rows
to the data set (it is not undone: deleting 1M rows costs as much again); a second run imports the
same file again, which is then an idempotent re-import (no-op rows).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import bench_check, bench_records_import
from bench import harness as h

DB = os.environ.get("BENCH_SCALE_DB", "jc_scale")
IMPORT_ROWS = int(os.environ.get("BENCH_SCALE_IMPORT_ROWS", "1000000"))
FEED_PAGE = 1000


def _counts(db_url: str) -> dict[str, int]:
    row = h.sql(
        db_url,
        "SELECT (SELECT count(*) FROM subjects_subject), (SELECT count(*) FROM records_penalty),"
        " (SELECT count(*) FROM records_license), (SELECT count(*) FROM lists_listentry),"
        " (SELECT count(*) FROM exchange_outboxevent)",
    )[0]
    return dict(zip(["subjects", "penalties", "licences", "entries", "events"], map(int, row), strict=True))


def _table_bytes(db_url: str, table: str) -> int:
    """A table with all its partitions, indexes and TOAST."""
    return int(
        h.sql(
            db_url,
            "SELECT coalesce((SELECT sum(pg_total_relation_size(relid))"
            " FROM pg_partition_tree(%s::regclass)), pg_total_relation_size(%s::regclass))",
            [table, table],
        )[0][0]
    )


def disk(db_url: str, counts: dict[str, int]) -> None:
    records = counts["penalties"] + counts["licences"]
    if not records:
        h.note("没有双公示记录，跳过磁盘占用")
        return
    size = _table_bytes(db_url, "records_penalty") + _table_bytes(db_url, "records_license")
    per = size / records * 10_000_000
    h.report("scale.disk_per_10M_records", per / 2**30, "GiB")
    h.note(f"双公示两表共 {size / 2**30:.2f} GiB / {records:,} 条（含索引与分区）")
    subjects = _table_bytes(db_url, "subjects_subject")
    h.note(f"信用主体表 {subjects / 2**30:.2f} GiB / {counts['subjects']:,} 个")


def portal_search(db_url: str, quick: bool) -> None:
    env = {**h.django_env(db_url), "PYTHONPATH": str(h.ROOT / "src")}
    # BENCH_SCALE_SEARCH_QUICK=1: 20 queries per class instead of 120 (the whole page counts the
    # matching 双公示 records, seconds per search at tens of millions of rows on a loaded machine).
    short = quick or os.environ.get("BENCH_SCALE_SEARCH_QUICK") == "1"
    cmd = [sys.executable, str(h.ROOT / "bench" / "bench_portal_search.py"), *(["--quick"] if short else [])]
    subprocess.run(cmd, env=env, cwd=h.ROOT, check=True)


def check(db_url: str, quick: bool) -> None:
    env = h.django_env(db_url)
    ref_env = h.django_env(db_url, BENCH_CHECK_REFERENCE="1")
    token = h.api_token(db_url)
    identifiers = bench_check._probe_identifiers(db_url, 500 if quick else 5000)
    scenarios = bench_check.SCENARIOS
    paths = [
        f"/api/v1/check?identifier={ident}&scenario={scenarios[i % len(scenarios)]}"
        for i, ident in enumerate(identifiers)
    ]
    headers = {"Authorization": f"Bearer {token}"}
    with (
        h.django_server(env, api=True) as django,
        h.wsgi_server("bench.bench_check:application", ref_env) as ref,
    ):
        hits = bench_check._same_answers(django, ref, paths, token)
        h.note(f"抽样请求两侧响应一致，其中 {hits} 个有命中措施")
        h.compare_servers(
            "scale.check", ref, django, paths=paths, headers=headers, db_url=db_url, quick=quick
        )


def _ensure_bench_department(db_url: str) -> None:
    h.sql(
        db_url,
        "INSERT INTO accounts_department (code, name, organ_name, doc_abbr, uscc, is_initiating, "
        "is_cooperating, is_credit_office, is_active, created_at) VALUES ('bench', "
        "'济南市历下区市场监督管理局', '济南市历下区市场监督管理局', '历市监', %s, true, true, false, true, "
        "now()) "
        "ON CONFLICT (code) DO NOTHING",
        [bench_records_import.DEPT_USCC],
    )


def import_and_feed(db_url: str, quick: bool) -> None:
    rows = 20_000 if quick else IMPORT_ROWS
    _ensure_bench_department(db_url)
    # The empty-table side in a database of this benchmark's own (bench_records_import reads the name).
    os.environ.setdefault("BENCH_RECORDS_DB", f"{DB}_import")
    small = bench_records_import.ensure_database()
    bench_records_import.reset(small)
    before = int(h.sql(db_url, "SELECT coalesce(max(position), 0) FROM exchange_outboxevent")[0][0])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "penalties.csv"
        bench_records_import.generate(path, rows)
        big_rows = int(h.sql(db_url, "SELECT count(*) FROM records_penalty")[0][0])
        h.note(f"导入 {rows:,} 行：空表 vs {big_rows:,} 行的处罚表（A B）")
        empty_s = bench_records_import.app_import(small, path)
        big_s = bench_records_import.app_import(db_url, path)
    peaks = bench_records_import.PEAK_RSS_MB
    h.report("scale.import_into_empty", rows / empty_s, "rows/s")
    h.report(f"scale.import_into_{big_rows // 1_000_000}M", rows / big_s, "rows/s", reference=rows / empty_s)
    if peaks:
        h.report("scale.import_peak_rss", max(peaks), "MB", reference=1500, higher_is_better=False)
    feed(db_url, after=before)


def feed(db_url: str, *, after: int) -> None:
    """Every event after ``after``, page by page: through the API and with bare psycopg."""
    import psycopg

    env = h.django_env(db_url)
    token = h.api_token(db_url)

    def through_api(base: str) -> tuple[int, float]:
        seen, cursor, t0 = 0, after, time.perf_counter()
        while True:
            req = urllib.request.Request(
                f"{base}/api/v1/feed?after={cursor}&limit={FEED_PAGE}",
                headers={"Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310 - loopback
                body = json.loads(r.read())
            if not body["events"]:
                return seen, time.perf_counter() - t0
            seen += len(body["events"])
            cursor = body["next_after"]

    def bare() -> tuple[int, float]:
        seen, cursor, t0 = 0, after, time.perf_counter()
        with psycopg.connect(db_url) as conn:
            while True:
                rows = conn.execute(
                    "SELECT position, id, kind, occurred_at, payload FROM exchange_outboxevent"
                    " WHERE position > %s ORDER BY position LIMIT %s",
                    [cursor, FEED_PAGE],
                ).fetchall()
                if not rows:
                    return seen, time.perf_counter() - t0
                json.dumps([[r[0], str(r[1]), r[2], r[3].isoformat(), r[4]] for r in rows])
                seen += len(rows)
                cursor = rows[-1][0]

    with h.django_server(env, workers=2, label="feed", api=True) as base:
        through_api(base)  # the first read sequences the events the import emitted (ADR 0004)
        runs = h.interleaved({"api": lambda: through_api(base), "bare": bare})
    api_n, api_s = min(runs["api"], key=lambda r: r[1])
    bare_n, bare_s = min(runs["bare"], key=lambda r: r[1])
    if api_n != bare_n:
        raise RuntimeError(f"事件流读取数量不一致：API {api_n}，直接查询 {bare_n}")
    h.report("scale.feed_read", api_n / api_s, "events/s", reference=bare_n / bare_s)


def main(quick: bool = False) -> None:
    db_url = f"{h.PG_SERVER}/{DB}"
    if not h.sql(f"{h.PG_SERVER}/postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [DB]):
        raise SystemExit(f"数据库 {DB} 不存在：先运行 DATABASE_URL=…/{DB} jointcredit demo --size city")
    counts = _counts(db_url)
    h.note(
        f"{DB}：主体 {counts['subjects']:,}，行政处罚 {counts['penalties']:,}，"
        f"行政许可 {counts['licences']:,}，名单条目 {counts['entries']:,}，事件 {counts['events']:,}；"
        f"负载 {os.getloadavg()[0]:.1f}"
    )
    parts = os.environ.get("BENCH_SCALE_PARTS", "disk,search,check,import").split(",")
    if "disk" in parts:
        disk(db_url, counts)
    if "search" in parts:
        portal_search(db_url, quick)
    if "check" in parts:
        check(db_url, quick)
    if "import" in parts:
        import_and_feed(db_url, quick)
    h.note(f"负载 {os.getloadavg()[0]:.1f}（1 分钟平均，{os.cpu_count()} 核）")


if __name__ == "__main__":
    main("--quick" in sys.argv)
