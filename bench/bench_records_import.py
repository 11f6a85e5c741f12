"""Import of N generated 行政处罚 rows (CSV) into PostgreSQL with full validation, versus a bare
``COPY`` of the same rows into the same tables, in the same run. Target (DESIGN.md §5): ≥ 0.6.

App side = wall clock of ``jointcredit import penalties FILE --department bench`` in a fresh process:
reading (polars), validating every row (identifier check digits, dates, vocabularies, amounts,
required fields by 相对人类别, organ, duplicates), creating the subjects, working days for the
deadlines, COPY of the records, their publication history and their ``record.published`` outbox
events, one transaction. Reference (DESIGN.md §5, issue #15) = the rows the import wrote — its
subjects, batch row, records, their publication-history rows (ADR 0036) and one outbox row per
published record — dumped once after the first import and loaded back with
bare ``COPY … FROM STDIN (FORMAT csv)`` into the same tables with the same indexes, in one
transaction: what storing those rows costs with no reading, validation or resolution at all.
Besides wall time, each side's CPU (client process + its PostgreSQL backend) is reported as rows per
CPU second: on a shared 2-core machine the import's long wall time absorbs other engineers' load.

Memory (issue #16 §3, DESIGN.md §5): after the ratio runs, one more import of ``MEMORY_ROWS`` (1M)
rows in a fresh process; its peak RSS is reported against the target (< 1,500 MB). ``--quick``
measures the quick file instead.

Runs on its own database (``jc_bench_records``, created and migrated when missing); between runs
the records, events and subjects are truncated so every run does the same work. Runs are
interleaved A B B A (the import first: its rows are the reference's input).

    .venv/bin/python -m bench.bench_records_import [--quick] [--rows 1000000] [--memory-rows 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench import harness as h

DEFAULT_ROWS = 200_000
QUICK_ROWS = 20_000
MEMORY_ROWS = 1_000_000  # the import whose peak RSS is held to the target
PEAK_RSS_TARGET_MB = 1_500
DEPT_USCC = "11370102MB2851607T"  # a valid 机构编制 USCC of our own, region 历下区

CASES = [
    ("警告;罚款", "0.5", "", "", "未按规定公示食品经营许可证", "《中华人民共和国食品安全法》第一百二十六条"),
    ("罚款", "3", "", "", "销售超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    ("警告", "", "", "", "未按规定建立进货查验记录", "《中华人民共和国食品安全法》第一百二十六条"),
    ("罚款;没收违法所得", "12", "1.234", "", "无证经营", "《无证无照经营查处办法》第十三条"),
    (
        "吊销许可证件",
        "",
        "",
        "食品经营许可证 JY13701020012345",
        "严重违法经营",
        "《中华人民共和国食品安全法》第一百三十五条",
    ),
]


def generate(path: Path, rows: int, seed: int = 4) -> None:
    """Realistic rows: ~rows/3 companies and rows/20 persons, each with several decisions over 2 years."""
    sys.path.insert(0, str(h.ROOT / "src"))
    from jointcredit.records.samples import PENALTY_HEADER
    from jointcredit.subjects import generators as gen

    rng = random.Random(seed)
    companies = [
        (gen.uscc(rng), gen.company_name(rng, i)[0], gen.person_name(rng)) for i in range(max(10, rows // 3))
    ]
    persons = [(gen.resident_id(rng), gen.person_name(rng)) for _ in range(max(5, rows // 20))]
    start = date(2024, 12, 2)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PENALTY_HEADER)
        for i in range(rows):
            cats, fine, conf, zkdx, wfxw, yj = CASES[i % len(CASES)]
            decided = start + timedelta(days=rng.randrange(700))
            if i % 10 == 9:
                pid, pname = persons[rng.randrange(len(persons))]
                subject = [pname, "自然人", "", "", "身份证", pid]
            else:
                code, name, rep = companies[rng.randrange(len(companies))]
                subject = [name, "法人及非法人组织", code, rep, "", ""]
            w.writerow(
                subject
                + [
                    f"济历市监罚〔{decided.year}〕{i + 1}号",
                    wfxw,
                    f"经查，当事人于{decided:%Y年%m月%d日}{wfxw}。",
                    yj,
                    cats,
                    f"{cats.replace(';', '、')}",
                    fine,
                    conf,
                    zkdx,
                    decided.isoformat(),
                    "",
                    "",
                    "济南市历下区市场监督管理局",
                    DEPT_USCC,
                    "1",
                    "济南市历下区市场监督管理局",
                    DEPT_USCC,
                    "",
                ]
            )


def ensure_database() -> str:
    db_url = f"{h.PG_SERVER}/{os.environ.get('BENCH_RECORDS_DB', 'jc_bench_records')}"
    name = db_url.rsplit("/", 1)[1]
    if not h.sql(f"{h.PG_SERVER}/postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [name]):
        h.sql(f"{h.PG_SERVER}/postgres", f'CREATE DATABASE "{name}"')
    env = h.django_env(db_url)
    h.note("迁移基准数据库 …")
    h.manage(["migrate", "--no-input"], env=env)
    h.sql(
        db_url,
        "INSERT INTO accounts_department (code, name, organ_name, doc_abbr, uscc, is_initiating, "
        "is_cooperating, is_credit_office, is_active, created_at) VALUES ('bench', "
        "'济南市历下区市场监督管理局', '济南市历下区市场监督管理局', '历市监', %s, true, true, false, true, "
        "now()) "
        "ON CONFLICT (code) DO NOTHING",
        [DEPT_USCC],
    )
    return db_url


def reset(db_url: str) -> None:
    h.sql(
        db_url,
        "TRUNCATE records_penalty, records_recordhistory, records_recordpublicationchange, "
        "records_importbatch, exchange_outboxevent, "
        "subjects_subjectnamechange, subjects_subjectalias, subjects_subject CASCADE",
    )
    h.sql(db_url, "DROP TABLE IF EXISTS bench_raw")


# CPU seconds of each side (client process + PostgreSQL backend), per run: on a 2-core machine shared
# with other engineers, wall time mostly measures their load; CPU is what the work costs.
CPU: dict[str, list[tuple[float, float]]] = {"copy": [], "app": []}
PEAK_RSS_MB: list[float] = []


def _backend_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# What the import writes, in load order (the records point at the batch and the subjects). Since
# ADR 0036 that includes one publication-history row per new record: the same rows on both sides.
WRITTEN = [
    "subjects_subject",
    "records_importbatch",
    "records_penalty",
    "records_recordpublicationchange",
    "exchange_outboxevent",
]


def capture(db_url: str, folder: Path) -> dict[str, Path]:
    """Dump the rows the import wrote (``COPY (SELECT *) TO STDOUT``), one CSV per table."""
    import psycopg

    files = {}
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        for table in WRITTEN:
            files[table] = folder / f"{table}.csv"
            with files[table].open("wb") as fh, cur.copy(f"COPY {table} TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    fh.write(chunk)
    return files


def copy_reference(db_url: str, files: dict[str, Path]) -> float:
    """Bare COPY of the captured rows into the same (emptied) tables, one transaction."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        pid = conn.info.backend_pid
        db0, client0 = _backend_cpu(pid) or 0.0, time.process_time()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for table in WRITTEN:
                with cur.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy, files[table].open("rb") as fh:
                    while chunk := fh.read(8 << 20):
                        copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - t0
        CPU["copy"].append((time.process_time() - client0, (_backend_cpu(pid) or 0.0) - db0))
        return seconds


def app_import(db_url: str, path: Path) -> float:
    """Wall time of the CLI; its CPU (process + its PostgreSQL backend, sampled every 50 ms while it
    runs: the backend exits with the process) goes to ``CPU["app"]``."""
    import resource
    import subprocess

    env = h.django_env(db_url)
    name = db_url.rsplit("/", 1)[1]
    before = {
        r[0]
        for r in h.sql(
            f"{h.PG_SERVER}/postgres", "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
        )
    }
    seen: dict[int, float] = {}
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [h.JOINTCREDIT, "import", "penalties", str(path), "--department", "bench", "--verbosity", "0"],
        env=env,
        cwd=h.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    polls = 0
    while proc.poll() is None:
        if polls % 10 == 0:
            pids = {
                r[0]
                for r in h.sql(
                    f"{h.PG_SERVER}/postgres", "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
                )
            } - before
            seen.update({pid: seen.get(pid, 0.0) for pid in pids})
        for pid in seen:
            cpu = _backend_cpu(pid)
            if cpu is not None:
                seen[pid] = cpu
        polls += 1
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"jointcredit import 失败（退出码 {proc.returncode}）：\n{err.decode()[-2000:]}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (children.ru_utime - children0.ru_utime) + (children.ru_stime - children0.ru_stime)
    CPU["app"].append((client, sum(seen.values())))
    PEAK_RSS_MB.append(children.ru_maxrss / 1024)  # the largest child so far: the import (Linux: KB)
    return seconds


def main(quick: bool = False, rows: int | None = None, memory_rows: int | None = None) -> None:
    rows = rows or int(os.environ.get("BENCH_RECORDS_ROWS", QUICK_ROWS if quick else DEFAULT_ROWS))
    memory_rows = memory_rows or int(
        os.environ.get("BENCH_RECORDS_MEMORY_ROWS", rows if quick else MEMORY_ROWS)
    )
    db_url = ensure_database()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "penalties.csv"
        h.note(f"生成 {rows:,} 行处罚信息 CSV …")
        generate(path, rows)
        h.note(f"文件 {path.stat().st_size / 1048576:.1f} MB")

        files: dict[str, Path] = {}

        def ref():
            reset(db_url)
            return copy_reference(db_url, files)

        def app():
            reset(db_url)
            seconds = app_import(db_url, path)
            stored = h.sql(db_url, "SELECT count(*) FROM records_penalty")[0][0]
            events = h.sql(db_url, "SELECT count(*) FROM exchange_outboxevent")[0][0]
            if stored != rows or events != rows:
                raise RuntimeError(f"导入结果不完整：{stored} 条记录、{events} 个事件，应为 {rows}")
            if not files:
                files.update(capture(db_url, Path(tmp)))
            return seconds

        load_before = os.getloadavg()
        runs = h.interleaved({"app": app, "copy": ref}, rounds=2)
        load_after = os.getloadavg()
        peak_mb = max(PEAK_RSS_MB)
        memory_peak_mb = peak_mb
        if memory_rows != rows:
            big = Path(tmp) / "penalties-memory.csv"
            h.note(f"内存：生成 {memory_rows:,} 行处罚信息 CSV …")
            generate(big, memory_rows)
            reset(db_url)
            h.note(f"内存：导入 {memory_rows:,} 行（{big.stat().st_size / 1048576:.0f} MB）…")
            app_import(db_url, big)
            stored = h.sql(db_url, "SELECT count(*) FROM records_penalty")[0][0]
            if stored != memory_rows:
                raise RuntimeError(f"导入结果不完整：{stored} 条记录，应为 {memory_rows}")
            memory_peak_mb = PEAK_RSS_MB[-1]  # RUSAGE_CHILDREN: the largest child so far, this import
            CPU["app"].pop()  # the CPU ratio compares the runs of ``rows`` rows only
            big.unlink()
        reset(db_url)
    copy_s, app_s = min(runs["copy"]), min(runs["app"])
    h.note(
        f"COPY {[round(s, 2) for s in runs['copy']]} s；导入 {[round(s, 2) for s in runs['app']]} s（取最快）"
    )
    h.note(
        "负载（1/5/15 分钟平均）：运行前 "
        + " ".join(f"{x:.2f}" for x in load_before)
        + "，运行后 "
        + " ".join(f"{x:.2f}" for x in load_after)
    )
    for side, label in (("copy", "COPY"), ("app", "导入")):
        h.note(
            f"{label} CPU（客户端 + 数据库后端）：" + "，".join(f"{c:.2f} + {d:.2f} s" for c, d in CPU[side])
        )
    copy_cpu = min(c + d for c, d in CPU["copy"])
    app_cpu = min(c + d for c, d in CPU["app"])
    h.report("records.import.copy", rows / copy_s, "rows/s")  # bare COPY of the same rows
    h.report("records.import", rows / app_s, "rows/s", reference=rows / copy_s)
    # Steadier under others' load: rows per CPU second of each side (client + its backend).
    h.report("records.import.cpu", rows / app_cpu, "rows/CPU-s", reference=rows / copy_cpu)
    h.report(f"records.import.peak_rss.{rows}", peak_mb, "MB", higher_is_better=False)
    # DESIGN.md §5: < 1.5 GB for 1M rows (ratio = target / peak: ≥ 1.0 is within the target).
    h.note(f"导入 {memory_rows:,} 行的峰值内存，目标 < {PEAK_RSS_TARGET_MB:,} MB")
    h.report(
        f"records.import.peak_rss.{memory_rows}",
        memory_peak_mb,
        "MB",
        reference=PEAK_RSS_TARGET_MB,
        higher_is_better=False,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--rows", type=int, default=None, help=f"行数（默认 {DEFAULT_ROWS:,}；1000000 为完整规模）"
    )
    parser.add_argument(
        "--memory-rows", type=int, default=None, help=f"测峰值内存的导入行数（默认 {MEMORY_ROWS:,}）"
    )
    args = parser.parse_args()
    main(quick=args.quick, rows=args.rows, memory_rows=args.memory_rows)
