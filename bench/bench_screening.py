"""Batch screening (批量比对) of 1M identifiers, with validation, against 100k list entries: < 5 s.

End to end = wall clock of ``jointcredit screen FILE --scenario funding --output result.csv`` in a
fresh process: reading the CSV, validating every identifier, building the set of identifiers with
measures, joining, storing the result (Parquet + Screening row + audit) and writing the result CSV.
The input mixes identifiers of listed subjects, people holding roles in listed organisations, other
known subjects, unknown-but-valid codes and 1% malformed ones, in random order.

Uses the same database as ``bench_check`` (its own demo dataset with 100k published entries).

    .venv/bin/python -m bench.bench_screening [--quick]
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time

from bench import harness as h
from bench.bench_check import ENTRIES, ensure_entries, own_dataset

TARGET_SECONDS = 5.0
ROWS = {"large": 1_000_000, "small": 50_000}


def _input_file(db_url: str, n: int, path: str) -> dict:
    from jointcredit.subjects import generators as gen

    rng = random.Random(20261126)
    known = [
        r[0]
        for r in h.sql(
            db_url, "SELECT identifier FROM subjects_subject ORDER BY md5(identifier) LIMIT %s", [n * 9 // 10]
        )
    ]
    rows = list(known)
    rows += [gen.uscc(rng) for _ in range(n - len(rows) - n // 100)]
    for _ in range(n // 100):
        code = rng.choice(known)
        rows.append(code[:-1] + ("0" if code[-1] != "0" else "1"))  # wrong check character
    rng.shuffle(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["统一社会信用代码/证件号码"])
        writer.writerows([r] for r in rows)
    return {"rows": len(rows), "bytes": os.path.getsize(path)}


def main(quick: bool = False) -> None:
    size = h.dataset_size(quick)
    db_url = own_dataset(quick)
    env = h.django_env(db_url)
    ensure_entries(db_url, ENTRIES[size])
    entries = h.sql(db_url, "SELECT count(*) FROM lists_listentry WHERE state = 'published'")[0][0]
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "ids.csv"), os.path.join(tmp, "result.csv")
        info = _input_file(db_url, ROWS[size], src)
        h.note(f"输入 {info['rows']} 行（{info['bytes'] / 1048576:.1f} MB），已发布名单条目 {entries} 条")
        runs, cpu = [], []
        for _ in range(1 if quick else 2):
            t0, c0 = time.perf_counter(), os.times()
            line = h.manage(
                ["screen", src, "--scenario", "funding", "--output", out, "--no-progress"], env=env
            )
            runs.append(time.perf_counter() - t0)
            c1 = os.times()
            # CPU of the CLI process (user+sys, database excluded): steadier than wall clock on a
            # shared 2-core machine.
            cpu.append(c1.children_user - c0.children_user + c1.children_system - c0.children_system)
            h.note(line.strip())
        with open(out, encoding="utf-8-sig") as f:
            result_rows = sum(1 for _ in f) - 1
    if result_rows != info["rows"]:
        raise AssertionError(f"结果行数 {result_rows} 与输入行数 {info['rows']} 不一致")
    best = min(runs)
    h.report("measures.screening", best, "s")
    h.report("measures.screening.rows_per_s", info["rows"] / best, "rows/s")
    h.report("measures.screening.cpu", min(cpu), "s")
    h.note(f"负载 {os.getloadavg()[0]:.1f}（1 分钟平均，{os.cpu_count()} 核）")
    h.note(
        f"目标：{ROWS['large']} 行 < {TARGET_SECONDS:.0f} s → "
        f"{'达标' if best < TARGET_SECONDS or quick else '未达标'}（各次 "
        + ", ".join(f"{r:.2f}s" for r in runs)
        + "）"
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
