"""Import of N related-person role rows (关联人登记信息, CSV) into PostgreSQL through the one import
pipeline (ADR 0046), versus a bare ``COPY`` of the same rows into the same tables, in the same run.

Data: N/5 companies, each with 法定代表人, 董事长, 监事, a natural-person 股东 (40 %) and a company
股东 (60 %, another company of the file) — 200,000 rows name 40,000 companies and 120,000 persons.

App side = wall clock of ``relations.services.related_import`` in a fresh process (reading with the
bounded reader, validating every row — check digits, roles, dates, shares, duplicates —, resolving
or creating the companies and persons with ``subjects_resolve``, comparing with the periods on file,
COPY of the periods, the batch row and its audit row), and that process's peak RSS. Reference =
the rows the import wrote (its subjects and periods), dumped after the import and loaded back with
bare ``COPY … FROM STDIN`` into the same tables with the same indexes in one transaction: storing
them with no reading, validation or resolution. A second import of the same file as a full snapshot
(nothing changes: every row compared with its period on file) is reported too.

Runs on the helper's own database (``BENCH_RELATED_DB``, default ``jc_related``); the subject and
related-person tables are truncated between runs. Run it once: ``make bench BENCH=related``.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import harness as h

DEFAULT_ROWS = 200_000
QUICK_ROWS = 10_000
ROLES_PER_COMPANY = 5
HEADER = ["QY_MC", "QY_TYSHXYDM", "GLR_MC", "GLR_LB", "GLR_ZJLX", "GLR_ZJHM", "GLR_SF", "CGBL", "RZQ", "RZZ"]
TABLES = ("subjects_subject", "subjects_relatedperson")

CHILD = r"""
import json, os, sys, time
import django
django.setup()
from jointcredit.accounts.models import Department, User
from jointcredit.importing.pipeline import Phases, peak_rss_mb
from jointcredit.relations.services import related_import

dept, _ = Department.objects.get_or_create(code="scjgj", defaults={"name": "区市场监管局"})
user, _ = User.objects.get_or_create(
    username="bench_registrar", defaults={"department": dept, "roles": ["clerk"]}
)
path, snapshot = sys.argv[1], sys.argv[2] == "1"
phases = Phases()
t0 = time.perf_counter()
with open(path, "rb") as f:
    batch = related_import(
        actor=user, fileobj=f, name=os.path.basename(path), size=os.path.getsize(path),
        full_snapshot=snapshot, source="cli", phases=phases,
    )
seconds = time.perf_counter() - t0
print(json.dumps({
    "seconds": seconds, "peak_mb": peak_rss_mb(), "created": batch.created_count,
    "unchanged": batch.unchanged_count, "phases": phases.summary(),
}))
"""


def generate(path: Path, rows: int) -> None:
    sys.path.insert(0, str(h.ROOT / "src"))
    from jointcredit.subjects import generators as gen

    rng = random.Random(46)
    companies = rows // ROLES_PER_COMPANY
    usccs: set[str] = set()
    ids: set[str] = set()
    while len(usccs) < companies:
        usccs.add(gen.uscc(rng))
    while len(ids) < companies * 3:
        ids.add(gen.resident_id(rng))
    codes, people = sorted(usccs), sorted(ids)
    rng.shuffle(codes)
    rng.shuffle(people)
    names = [gen.company_name(rng)[0] + str(i) for i in range(companies)]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i, code in enumerate(codes):
            rep, director, supervisor = people[3 * i : 3 * i + 3]
            owner = (i + 1) % companies
            start = f"20{10 + i % 15:02d}-0{1 + i % 9}-15"
            writer.writerow(
                [
                    names[i],
                    code,
                    gen.person_name(rng),
                    "自然人",
                    "居民身份证",
                    rep,
                    "法定代表人",
                    "",
                    start,
                    "",
                ]
            )
            writer.writerow(
                [names[i], code, gen.person_name(rng), "自然人", "居民身份证", director, "董事长", "", "", ""]
            )
            writer.writerow(
                [names[i], code, gen.person_name(rng), "自然人", "居民身份证", supervisor, "监事", "", "", ""]
            )
            writer.writerow(
                [names[i], code, gen.person_name(rng), "自然人", "居民身份证", rep, "股东", "40", start, ""]
            )
            writer.writerow(
                [names[i], code, names[owner], "企业", "统一社会信用代码", codes[owner], "股东", "60", "", ""]
            )


def reset(db_url: str) -> None:
    h.sql(db_url, "TRUNCATE subjects_relatedperson, relations_relatedimportbatch, subjects_subject CASCADE")


def app_import(db_url: str, path: Path, *, snapshot: bool = False) -> dict:
    env = h.django_env(db_url, DJANGO_SETTINGS_MODULE="jointcredit.config.settings")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), "1" if snapshot else "0"],
        env=env,
        cwd=h.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"关联人导入失败：\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def capture(db_url: str) -> dict[str, bytes]:
    import psycopg

    data = {}
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        for table in TABLES:
            buf = bytearray()
            with cur.copy(f"COPY {table} TO STDOUT (FORMAT csv)") as copy:  # noqa: S608 - fixed table names
                for chunk in copy:
                    buf += chunk
            data[table] = bytes(buf)
    return data


def copy_reference(db_url: str, data: dict[str, bytes]) -> float:
    import psycopg

    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        t0 = time.perf_counter()
        for table in TABLES:
            with cur.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:  # noqa: S608 - fixed table names
                copy.write(data[table])
        conn.commit()
        return time.perf_counter() - t0


def main(quick: bool = False) -> None:
    rows = int(os.environ.get("BENCH_RELATED_ROWS", QUICK_ROWS if quick else DEFAULT_ROWS))
    db_url = f"{h.PG_SERVER}/{os.environ.get('BENCH_RELATED_DB', 'jc_related')}"
    h.manage(["migrate", "--noinput"], env=h.django_env(db_url))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "关联人登记信息.csv"
        h.note(f"生成 {rows:,} 行关联人登记信息 CSV …")
        generate(path, rows)
        h.note(f"文件 {path.stat().st_size / 1048576:.1f} MB，负载 {os.getloadavg()[0]:.1f}")
        reset(db_url)
        first = app_import(db_url, path)
        if first["created"] != rows:
            raise RuntimeError(f"导入结果不完整：新增 {first['created']} 条任职，应为 {rows}")
        h.note(f"导入各阶段：{first['phases']}")
        again = app_import(db_url, path, snapshot=True)
        h.note(f"再次导入（全量快照，无变化 {again['unchanged']:,} 行）：{again['phases']}")
        data = capture(db_url)
        reset(db_url)
        reference = copy_reference(db_url, data)
        reset(db_url)
    h.note(f"负载 {os.getloadavg()[0]:.1f}（2 核共享机器）")
    h.report("bare COPY of the same subjects and periods", rows / reference, "rows/s")
    h.report(
        "related-person import (read, validate, resolve, compare, write)",
        rows / first["seconds"],
        "rows/s",
        reference=rows / reference,
    )
    h.report(
        "same file again as a full snapshot (all unchanged)",
        rows / again["seconds"],
        "rows/s",
        reference=rows / reference,
    )
    h.report("peak RSS of the import process", first["peak_mb"], "MB", higher_is_better=False)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
