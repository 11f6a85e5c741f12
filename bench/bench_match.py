"""Matching by name (POST /api/v1/match, ADR 0041): latency over 1M subjects with 1M former names on
PostgreSQL (target p95 < 50 ms a query), precision/recall on 1,000 labelled name variants
(target recall ≥ 0.98 at precision ≥ 0.95), and batch screening of 100k rows with a name and no
identifier (target < 60 s: wall clock of ``screening_compute``, 90% names as registered, 5% former
names, 5% variants).

Data: a database of its own (``jc_bench_match``, ``BENCH_DB`` to override), migrated, then filled by
COPY with subjects named by the demo's generators (``subjects.generators``: companies as
``jointcredit demo --size large`` names them, persons, 个体工商户), one to two former names per
company (``SubjectNameChange``, 1M rows) and legacy 组织机构代码 aliases — built once, reused.

Labelled set: 1,000 companies drawn deterministically; each is queried by a variant of its name, in
rotation — 繁体, 全角 and ASCII brackets, 有限责任公司 ↔ 有限公司, a district prefix (济南市历下区),
a branch (…历下分公司), a homophone typo in the 字号, spaces and punctuation, a former name, and two
of these combined. A query is right when its top candidate is that company. Precision = right /
answered (top candidate at or above the threshold), recall = right / asked; reported at several
thresholds. 100 names of companies that do not exist are asked too (false answers reported).

Latency: ``measures.matching.subject_match`` in-process, one query after another (entries
included), over the labelled queries; the reference is the bare name search (psycopg, the very
statement ``subjects.candidates.name_search_sql`` builds — threshold, current and former names —
no Django, no scoring) of the same query, run right after it (interleaved, so both see the same
load). Where the time of a query
goes is printed from Django's ``execute_wrapper`` (median ms per statement kind; the rest is Python).

Screening: the reference is the bare SQL of the same work through psycopg — the exact-name lookups
of the name-only rows (1,000 names a query, current then former names) and the name searches of the
names that are not exact, in the same batches. Peak RSS of this process is reported after it.
Load average is reported with the figures.

    .venv/bin/python -m bench match [--quick]     (quick: 50k subjects, 200 variants)
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench import harness as h

TARGET_P95_MS = 50.0
TARGET_RECALL, TARGET_PRECISION = 0.98, 0.95
SIZES = {"large": 1_000_000, "small": 50_000}
VARIANTS = {"large": 1_000, "small": 200}
SCREENING_ROWS = {"large": 100_000, "small": 5_000}
TARGET_SCREENING_S = 60.0
HOMOPHONES = dict(
    zip(
        "宏远恒通鑫源华信金泰瑞丰博纳安达众诚永盛德润天成嘉禾鸿运君海明和康新锐景正阳同立",
        "弘源衡同新元化新今太锐峰搏那按大中成勇胜得闰田诚佳和宏云军还名禾抗鑫瑞井政洋通力",
        strict=True,
    )
)


def _setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-match-not-secret")
    os.environ.setdefault("JOINTCREDIT_AUDIT_KEY", "bench-match-audit-key-" + "x" * 32)
    src = Path(__file__).resolve().parents[1] / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django

    django.setup()


def _database(size: str) -> str:
    import psycopg

    name = os.environ.get("BENCH_DB", "jc_bench_match" + ("" if size == "large" else f"_{size}"))
    with psycopg.connect(f"{h.PG_SERVER}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return f"{h.PG_SERVER}/{name}"


def _fill(n: int) -> None:
    """COPY ``n`` subjects (80% companies, 15% persons, 5% 个体工商户), ~1.4 former names per company
    up to n rows, and a legacy 组织机构代码 alias for 30% of the companies — once."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from jointcredit.common import clock
    from jointcredit.common.bulk import bulk_insert
    from jointcredit.subjects import generators as gen
    from jointcredit.subjects.models import Subject, SubjectAlias, SubjectNameChange

    call_command("migrate", verbosity=0)
    if Subject.objects.count() >= n:
        return
    h.note(f"生成 {n:,} 个主体、{n:,} 条曾用名（COPY）……")
    t0 = time.monotonic()
    rng = random.Random(20261205)
    now = clock.now()
    seen: set[str] = set()
    names: list[tuple[int, str]] = []
    aliases: list[tuple[int, str]] = []

    def unique(make) -> str:
        while True:
            code = make()
            if code not in seen:
                seen.add(code)
                return code

    def rows():
        for i in range(1, n + 1):
            r = rng.random()
            if r < 0.80:
                code = unique(lambda: gen.uscc(rng))
                name, sector = gen.company_name(rng, i)
                names.append((i, name))
                if rng.random() < 0.3:
                    aliases.append((i, code[8:17]))
                yield (i, "legal", "uscc", code, name, "", gen.person_name(rng), "370102", sector,
                       gen.address(rng), now, now)  # fmt: skip
            elif r < 0.95:
                code = unique(lambda: gen.resident_id(rng))
                yield (i, "natural", "resident_id", code, gen.person_name(rng), "", "", code[:6], "",
                       gen.address(rng), now, now)  # fmt: skip
            else:
                code = unique(lambda: gen.uscc(rng, org_type="2"))
                yield (i, "individual_business", "uscc", code, gen.person_name(rng) + "小吃店", "", "",
                       "370102", "餐饮业", gen.address(rng), now, now)  # fmt: skip

    cols = ["id", "kind", "id_type", "identifier", "name", "operator_id_number", "legal_representative",
            "region_code", "industry", "address", "created_at", "updated_at"]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS subject_name_trgm")
        cursor.execute("DROP INDEX IF EXISTS subject_old_name_trgm")
    with transaction.atomic():
        bulk_insert(Subject._meta.db_table, cols, rows())

        def former():
            count = 0
            while count < n:
                for sid, current in names:
                    if count >= n:
                        return
                    old = gen.company_name(rng, n + count + 1)[0]
                    yield (sid, old, current, now, "基准数据")
                    count += 1

        bulk_insert(
            SubjectNameChange._meta.db_table,
            ["subject_id", "old_name", "new_name", "changed_at", "source"],
            former(),
        )
        bulk_insert(
            SubjectAlias._meta.db_table,
            ["subject_id", "id_type", "value", "source"],
            ((sid, "org_code", code, "基准数据") for sid, code in aliases),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('subjects_subject', 'id'), "
            "(SELECT max(id) FROM subjects_subject))"
        )
        h.note(f"  装载 {time.monotonic() - t0:.0f} 秒，建三元组索引……")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS subject_name_trgm ON subjects_subject "
            "USING gin (UPPER(name::text) gin_trgm_ops)"
        )
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS subject_old_name_trgm ON subjects_subjectnamechange "
            "USING gin (UPPER(old_name::text) gin_trgm_ops)"
        )
        for table in ("subjects_subject", "subjects_subjectnamechange", "subjects_subjectalias"):
            cursor.execute(f"ANALYZE {table}")
    h.note(f"  完成，共 {time.monotonic() - t0:.0f} 秒")


def _variant(name: str, kind: str, rng: random.Random) -> str:
    import opencc

    if kind == "traditional":
        return opencc.OpenCC("s2t.json").convert(name)
    if kind == "width":
        half = name.replace("（", "(").replace("）", ")")
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in half)
    if kind == "form":
        if name.endswith("有限责任公司"):
            return name[: -len("有限责任公司")] + "有限公司"
        if name.endswith("股份有限公司"):
            return name
        return name[: -len("有限公司")] + "有限责任公司" if name.endswith("有限公司") else name
    if kind == "district":
        for prefix in ("历下区", "济南", "山东"):
            if name.startswith(prefix):
                return "济南市历下区" + name[len(prefix) :]
        return "济南市历下区" + name
    if kind == "branch":
        return name + "历下分公司"
    if kind == "typo":
        spots = [i for i, c in enumerate(name[:8]) if c in HOMOPHONES]
        if not spots:
            return name
        i = rng.choice(spots)
        return name[:i] + HOMOPHONES[name[i]] + name[i + 1 :]
    if kind == "punctuation":
        cut = max(2, len(name) // 2)
        return f" {name[:cut]} · {name[cut:]} "
    raise ValueError(kind)


KINDS = ["traditional", "width", "form", "district", "branch", "typo", "punctuation", "former", "combined"]


def _labelled(count: int) -> list[tuple[str, int, str]]:
    """(query name, expected subject id, variant kind), deterministic."""
    from jointcredit.subjects.models import Subject, SubjectNameChange

    rng = random.Random(97)
    top = Subject.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    out: list[tuple[str, int, str]] = []
    while len(out) < count:
        s = Subject.objects.filter(pk__gte=rng.randrange(1, top + 1), kind="legal").order_by("pk").first()
        if s is None:
            continue
        kind = KINDS[len(out) % len(KINDS)]
        if kind == "former":
            old = SubjectNameChange.objects.filter(subject=s).values_list("old_name", flat=True).first()
            if old is None:
                continue
            out.append((_variant(old, rng.choice(["traditional", "form", "width"]), rng), s.pk, kind))
        elif kind == "combined":
            a, b = rng.sample(["traditional", "width", "form", "district", "typo", "punctuation"], 2)
            out.append((_variant(_variant(s.name, a, rng), b, rng), s.pk, f"{a}+{b}"))
        else:
            out.append((_variant(s.name, kind, rng), s.pk, kind))
    return out


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1)))))
    return ordered[k]


def _reference_search(conn, core: str) -> float:
    """The bare name search: psycopg, the statement the matcher sends for one core, nothing else (ms)."""
    from jointcredit.measures.matching import CANDIDATES_PER_SOURCE
    from jointcredit.subjects.candidates import name_search_sql

    t0 = time.perf_counter()
    sql, params, searches = name_search_sql([core], kind=None, limit=CANDIDATES_PER_SOURCE)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        for _ in range(2 * searches):
            cursor.nextset()
        cursor.fetchall()
    return (time.perf_counter() - t0) * 1000


def _statement_kind(sql: str) -> str:
    if "pg_trgm" in sql:
        return "名称检索（三元组）"
    if "lists_listentry" in sql:
        return "名单条目"
    if "subjects_subject" in sql:
        return "候选主体装载"
    return "其他"


def _timed_queries(labelled: list[tuple[str, int, str]], db_url: str):
    """Each labelled query through ``subject_match`` and, right after it, the bare reference search
    of its core: results, total ms, reference ms, and ms per statement kind."""
    import psycopg
    from django.db import connection

    from jointcredit.measures.matching import match_query_validate, subject_match
    from jointcredit.subjects.names import name_normalize

    results, times, reference = [], [], []
    per_kind: dict[str, list[float]] = defaultdict(list)
    current: dict[str, float] = defaultdict(float)

    def wrapper(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            current[_statement_kind(sql)] += (time.perf_counter() - t0) * 1000

    bare = psycopg.connect(db_url, autocommit=True, cursor_factory=psycopg.ClientCursor)
    with bare, connection.execute_wrapper(wrapper):
        for q, expected, kind in labelled:
            current.clear()
            t0 = time.perf_counter()
            found = subject_match(match_query_validate(name=q, threshold=0.0, limit=5))
            total = (time.perf_counter() - t0) * 1000
            times.append(total)
            for key, ms in current.items():
                per_kind[key].append(ms)
            per_kind["Python（归一、评分、ORM 构造）"].append(total - sum(current.values()))
            top = found.candidates[0] if found.candidates else None
            results.append((kind, expected, top.subject.pk if top else None, top.score if top else 0.0))
            reference.append(_reference_search(bare, name_normalize(q).search_text))
    return results, times, reference, per_kind


def _screening(labelled: list[tuple[str, int, str]], n: int, db_url: str) -> tuple[float, float, str]:
    """Wall clock of ``screening_compute`` over a CSV of ``n`` rows with a name and no identifier:
    90% names as registered, 5% former names as registered, 5% the labelled variants; and of the
    bare SQL of the same work (``_screening_reference``)."""
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from jointcredit.measures.screening import screening_compute
    from jointcredit.subjects.models import Subject, SubjectNameChange

    current = list(
        Subject.objects.filter(kind="legal").order_by("?").values_list("name", flat=True)[: n * 90 // 100]
    )
    former = list(SubjectNameChange.objects.order_by("?").values_list("old_name", flat=True)[: n * 5 // 100])
    variants = [q for q, _, _ in labelled]
    rows = current + former + [variants[i % len(variants)] for i in range(n - len(current) - len(former))]
    random.Random(3).shuffle(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["统一社会信用代码", "企业名称"])
    writer.writerows(["", name] for name in rows)
    upload = SimpleUploadedFile("名单.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")
    t0 = time.perf_counter()
    outcome = screening_compute(fileobj=upload, file_name=upload.name, scenario="funding")
    seconds = time.perf_counter() - t0
    reference = _screening_reference(db_url, rows)
    counts = outcome.counts()
    return (
        seconds,
        reference,
        (
            f"{len(current):,} 现名、{len(former):,} 曾用名、{n - len(current) - len(former):,} 变体；"
            f"结果 命中 {counts['hit']}、未命中 {counts['clear']}、无效（名称未匹配）{counts['invalid']}"
        ),
    )


def _screening_reference(db_url: str, names: list[str]) -> float:
    """The bare SQL of name-only screening through psycopg: the exact lookups (current, then former
    names of the rest) in the matcher's chunks, then the name searches of the names not found
    exactly, in its batches. Seconds."""
    import psycopg

    from jointcredit.measures.matching import CANDIDATES_PER_SOURCE, EXACT_NAMES_PER_QUERY
    from jointcredit.subjects.candidates import NAMES_PER_QUERY, name_search_sql
    from jointcredit.subjects.names import name_normalize

    distinct = list(dict.fromkeys(names))
    t0 = time.perf_counter()
    with psycopg.connect(db_url, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        found: set[str] = set()
        for start in range(0, len(distinct), EXACT_NAMES_PER_QUERY):
            chunk = distinct[start : start + EXACT_NAMES_PER_QUERY]
            rows = conn.execute(
                "SELECT id, identifier, id_type, name, kind, region_code, address, merged_into_id "
                "FROM subjects_subject WHERE name = ANY(%s) AND merged_into_id IS NULL",
                [chunk],
            ).fetchall()
            found |= {r[3] for r in rows}
            rest = [x for x in chunk if x not in found]
            rows = conn.execute(
                "SELECT c.old_name, s.id, s.identifier, s.name, s.kind FROM subjects_subjectnamechange c "
                "JOIN subjects_subject s ON s.id = c.subject_id "
                "WHERE c.old_name = ANY(%s) AND s.merged_into_id IS NULL",
                [rest],
            ).fetchall()
            found |= {r[0] for r in rows}
        cores = list(dict.fromkeys(name_normalize(x).search_text for x in distinct if x not in found))
        cores = [c for c in cores if len(c) >= 3]
        for start in range(0, len(cores), NAMES_PER_QUERY):
            sql, params, searches = name_search_sql(
                cores[start : start + NAMES_PER_QUERY], kind=None, limit=CANDIDATES_PER_SOURCE
            )
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                for _ in range(searches):
                    cursor.nextset()
                    cursor.nextset()
                    cursor.fetchall()
    return time.perf_counter() - t0


def main(quick: bool = False) -> None:
    size = "small" if quick else "large"
    db_url = _database(size)
    _setup_django(db_url)
    from jointcredit.measures.matching import match_query_validate, subject_match
    from jointcredit.subjects import generators as gen
    from jointcredit.subjects.models import Subject, SubjectNameChange

    _fill(SIZES[size])
    subjects, former = Subject.objects.count(), SubjectNameChange.objects.count()
    h.note(f"PostgreSQL：{subjects:,} 个主体，{former:,} 条曾用名；负载 {os.getloadavg()[0]:.1f}")
    labelled = _labelled(VARIANTS[size])
    rng = random.Random(5)
    negatives = [gen.company_name(rng, 10 * SIZES[size] + i)[0] for i in range(VARIANTS[size] // 10)]

    # warm: connection, OpenCC, plans
    for q, _, _ in labelled[:5]:
        subject_match(match_query_validate(name=q, threshold=0.0))
    load_before = os.getloadavg()[0]
    results, times, ref, per_kind = _timed_queries(labelled, db_url)
    negative_scores = []
    for q in negatives:
        found = subject_match(match_query_validate(name=q, threshold=0.0, limit=1))
        negative_scores.append(found.candidates[0].score if found.candidates else 0.0)
    load = os.getloadavg()[0]

    p50, p95, p99 = statistics.median(times), _percentile(times, 95), _percentile(times, 99)
    rp95 = _percentile(ref, 95)
    h.report("match.query.p50", p50, "ms")
    h.report("match.query.p95", p95, "ms", reference=rp95, higher_is_better=False)
    h.report("match.query.p99", p99, "ms")
    h.report("match.reference.p95", rp95, "ms")
    h.report("match.reference.p50", statistics.median(ref), "ms")
    h.note(
        "每次查询耗时去向（中位数，毫秒）："
        + "，".join(f"{k} {statistics.median(v):.1f}" for k, v in per_kind.items())
    )
    chosen = None
    for threshold in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        answered = [r for r in results if r[3] >= threshold]
        right = [r for r in answered if r[1] == r[2]]
        precision = len(right) / len(answered) if answered else 1.0
        recall = len(right) / len(results)
        false_neg = sum(1 for s in negative_scores if s >= threshold)
        h.note(
            f"阈值 {threshold:.2f}：精确率 {precision:.3f}，召回率 {recall:.3f}，"
            f"不存在的名称得到候选 {false_neg}/{len(negative_scores)}"
        )
        if threshold == 0.6:
            chosen = (precision, recall)
    assert chosen is not None
    h.report("match.precision@0.6", chosen[0], "")
    h.report("match.recall@0.6", chosen[1], "")
    by_kind: dict[str, list[bool]] = {}
    for kind, expected, got, score in results:
        by_kind.setdefault(kind.split("+")[0] if "+" in kind else kind, []).append(
            expected == got and score >= 0.6
        )
    h.note("按变体：" + "，".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())))
    misses = [(q, k) for (q, e, k), (_, _, got, s) in zip(labelled, results) if got != e or s < 0.6][:8]
    for q, k in misses:
        h.note(f"  未命中：{k} {q}")
    load_screening = os.getloadavg()[0]
    screening_seconds, screening_reference, mix = _screening(labelled, SCREENING_ROWS[size], db_url)
    h.report(
        "match.screening.seconds",
        screening_seconds,
        "s",
        reference=screening_reference,
        higher_is_better=False,
    )
    h.report("match.screening.reference.seconds", screening_reference, "s")
    h.report("match.peak_rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB")
    h.note(
        f"批量比对 {SCREENING_ROWS[size]:,} 行仅有名称：{mix}；目标 < {TARGET_SCREENING_S:.0f} 秒；"
        f"负载 {load_screening:.1f} → {os.getloadavg()[0]:.1f}"
    )
    verdict = "达标" if p95 < TARGET_P95_MS else "未达标"
    print(
        f"match p95 {p95:.1f} ms（目标 < {TARGET_P95_MS:.0f} ms：{verdict}），精确率 {chosen[0]:.3f}、"
        f"召回率 {chosen[1]:.3f}（阈值 0.6；目标召回 ≥ {TARGET_RECALL} 且精确 ≥ {TARGET_PRECISION}），"
        f"{subjects:,} 个主体 / {former:,} 条曾用名，负载 {load_before:.1f} → {load:.1f}；"
        f"批量比对 {screening_seconds:.1f} 秒（目标 < {TARGET_SCREENING_S:.0f} 秒）",
        flush=True,
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
