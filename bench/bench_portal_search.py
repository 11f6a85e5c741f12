"""Portal search (信用历下) latency over the large demo data: p95 < 100 ms on PostgreSQL (issue #9).

Measured in-process against the bench database, query after query (one visitor at a time, so the
figure is the latency of one search, not a throughput): the ``subjects`` provider the search page
and ``GET /api/public/v1/search`` call, and the whole ``/search/`` page (every provider + template).

The query mix is drawn from the data itself (deterministic): full company names, 4–6 character
fragments of names, 1–2 character prefixes, very common fragments (有限公司, 餐饮管理 …), USCCs,
persons' full ID numbers and full names. p50/p95/p99 are reported per class and overall.

Run: ``make bench`` / ``python -m bench portal_search [--quick]`` (dataset via bench.harness), or
standalone ``DATABASE_URL=postgres://…/db python bench/bench_portal_search.py [--quick]`` against
any migrated database with demo data.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

TARGET_P95_MS = 100.0
COMMON = ["有限公司", "餐饮管理", "股份有限公司", "济南", "历下区", "信息技术", "商贸有限公司", "物业管理"]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1)))))
    return ordered[k]


def _setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-portal-search-not-secret")
    os.environ.setdefault("JOINTCREDIT_AUDIT_KEY", "bench-portal-search-audit-key-" + "x" * 32)
    os.environ.setdefault("JOINTCREDIT_PUBLIC_RATE", "1000000/m")
    src = Path(__file__).resolve().parents[1] / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django

    django.setup()
    from django.conf import settings

    settings.RATELIMIT_ENABLE = False
    settings.ALLOWED_HOSTS = ["*"]
    settings.CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    # in-process rendering without collectstatic (the manifest storage needs it)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _queries(n: int, seed: int = 9) -> dict[str, list[str]]:
    from jointcredit.subjects.models import Subject

    rng = random.Random(seed)
    top = Subject.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def sample(kind: str, k: int) -> list[Subject]:
        # Draw within the kind's own id span: the demo writes each kind as one run of ids, and a
        # start past the last one scans the rest of the table for nothing (minutes at 10M rows).
        ids = Subject.objects.filter(kind=kind).order_by("pk").values_list("pk", flat=True)
        low, high = ids.first() or 1, ids.reverse().first() or top
        out, tries = [], 0
        while len(out) < k and tries < k * 50:
            tries += 1
            s = Subject.objects.filter(pk__gte=rng.randrange(low, high + 1), kind=kind).order_by("pk").first()
            if s is not None:
                out.append(s)
        return out

    companies = sample("legal", n)
    persons = sample("natural", max(4, n // 4))

    def fragment(name: str) -> str:
        size = rng.randint(4, 6)
        start = rng.randrange(0, max(1, len(name) - size))
        return name[start : start + size]

    return {
        "full_name": [c.name for c in companies],
        "fragment": [fragment(c.name) for c in companies],
        "prefix_1_2": [c.name[: rng.choice((1, 2))] for c in companies],
        "common": [rng.choice(COMMON) for _ in companies],
        "uscc": [c.identifier for c in companies],
        "person_id": [p.identifier for p in persons],
        "person_name": [p.name for p in persons],
    }


def _time(fn, q: str) -> float:
    t0 = time.perf_counter()
    fn(q)
    return (time.perf_counter() - t0) * 1000


def run(db_url: str, *, quick: bool = False, out=print) -> dict:
    _setup_django(db_url)
    from django.db import connection
    from django.test import Client

    from jointcredit.portal.selectors import subject_search_public
    from jointcredit.subjects.models import Subject

    total = Subject.objects.count()
    mix = _queries(20 if quick else 120)
    client = Client()

    def provider(q: str) -> None:
        subject_search_public(q, 1, 10)

    def page(q: str) -> None:
        response = client.get("/search/", {"q": q})
        if response.status_code != 200:
            raise RuntimeError(f"/search/?q={q} → {response.status_code}")

    for q in [qs[0] for qs in mix.values() if qs]:  # warm connection, plans and caches once
        provider(q)
        page(q)
    results: dict[str, dict[str, list[float]]] = {"provider": {}, "page": {}}
    for label, fn in (("provider", provider), ("page", page)):
        for cls, qs in mix.items():
            results[label][cls] = [_time(fn, q) for q in qs]
    out(f"  · {connection.vendor}，{total} 个主体，查询 {sum(len(v) for v in mix.values())} 条/轮")
    summary = {}
    for label in ("provider", "page"):
        every = [x for xs in results[label].values() for x in xs]
        for cls, xs in results[label].items():
            out(
                f"  · {label}.{cls}: p50 {statistics.median(xs):.1f} ms，p95 {_percentile(xs, 95):.1f} ms，"
                f"max {max(xs):.1f} ms（{len(xs)} 次）"
            )
        summary[label] = {
            "p50": statistics.median(every),
            "p95": _percentile(every, 95),
            "p99": _percentile(every, 99),
        }
    return {"subjects": total, **summary}


def main(quick: bool = False) -> None:
    db_url = os.environ.get("DATABASE_URL", "")
    report = None
    try:
        from bench import harness as h
    except ImportError:  # standalone, harness not on the path
        h = None
    if h is not None and not db_url.startswith("postgres"):
        db_url = h.ensure_dataset(h.dataset_size(quick))
    if not db_url:
        raise SystemExit(
            "请设置 DATABASE_URL（已生成演示数据的数据库），"
            "或在仓库根目录运行 python -m bench portal_search。"
        )
    note = h.note if h is not None else (lambda m: print(f"  · {m}"))
    report = h.report if h is not None else None
    res = run(db_url, quick=quick, out=lambda m: note(m.removeprefix("  · ")))
    for label in ("provider", "page"):
        for pct in ("p50", "p95", "p99"):
            name = f"portal.search.{label}.{pct}"
            if report is not None:
                report(name, res[label][pct], "ms")
            else:
                print(f"{name}: {res[label][pct]:.1f} ms")
    verdict = "达标" if res["page"]["p95"] < TARGET_P95_MS else "未达标"
    print(
        f"portal.search p95 {res['page']['p95']:.1f} ms（整页）/ {res['provider']['p95']:.1f} ms（主体查询）"
        f"，目标 < {TARGET_P95_MS:.0f} ms：{verdict}（{res['subjects']} 个主体）",
        flush=True,
    )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
