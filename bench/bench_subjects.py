"""GET /api/v1/subjects/{identifier} over the large demo data (1M subjects), 32 connections.

JointCredit as production serves machine clients (`jointcredit serve --production --api`, the API
process of ADR 0014; `BENCH_API=0` for the web process): gunicorn, DEBUG off,
CONN_MAX_AGE, PostgreSQL, a real API token) against ``bench/reference_app.py`` (bare WSGI + psycopg,
same lookups, same JSON) under the same gunicorn worker count, measured A B B A in the same run.
Target (DESIGN.md §5, issue #15): ≥ 65% of the reference's requests/s through Django's pipeline.
"""

from __future__ import annotations

import json
import urllib.request

from bench import harness as h

CONNECTIONS = 32
SAMPLE = 5000
TARGET = 0.65


def _identifiers(db_url: str, n: int) -> list[str]:
    # Deterministic spread over the whole table and every kind (organisations have related persons).
    rows = h.sql(db_url, "SELECT identifier FROM subjects_subject ORDER BY md5(identifier) LIMIT %s", [n])
    return [r[0] for r in rows]


def _get(base: str, path: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback only
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _same_answers(django: str, ref: str, paths: list[str], token: str) -> None:
    """Both sides must do the same work: identical status and JSON for a sample and for bad input."""
    probes = paths[:25] + [
        "/api/v1/subjects/91370102MA3C0000X0",
        "/api/v1/subjects/370102199001011234",
        "/api/v1/subjects/ABC",
    ]
    for p in probes:
        a, b = _get(django, p, token), _get(ref, p, token)
        if a[0] != b[0] or (a[0] == 200 and a[1] != b[1]):
            raise AssertionError(f"参考实现与 JointCredit 的响应不同：{p}\n  django={a}\n  ref={b}")


def main(quick: bool = False) -> None:
    db_url = h.ensure_dataset(h.dataset_size(quick))
    meta = h.dataset_meta(db_url)
    env = h.django_env(db_url)
    token = h.api_token(db_url)
    paths = [f"/api/v1/subjects/{i}" for i in _identifiers(db_url, 500 if quick else SAMPLE)]
    headers = {"Authorization": f"Bearer {token}"}
    h.note(
        f"{meta.get('subjects')} 个主体，{len(paths)} 个不同标识轮询，{CONNECTIONS} 连接，"
        f"gunicorn {h.WORKERS} 个 worker，每轮 {h.DURATION:.0f}s，"
        f"负载工具 {'wrk' if h.have_wrk() else 'python'}"
    )
    with (
        h.django_server(env, api=True) as django,
        h.wsgi_server("bench.reference_app:application", env) as ref,
    ):
        _same_answers(django, ref, paths, token)
        # Warm-up with the same identifiers on both sides (shared buffers are shared anyway), then A B B A.
        result = h.compare_servers(
            "subjects.detail",
            ref,
            django,
            paths=paths,
            headers=headers,
            db_url=db_url,
            connections=CONNECTIONS,
            quick=quick,
        )
    ratio = result.ratio
    verdict = "达标" if ratio is not None and ratio >= TARGET else "未达标"
    h.note(f"目标：≥ {TARGET:.0%} 参考实现吞吐量 → {verdict}（{ratio:.0%}）")
    if meta.get("demo_rate_line"):
        h.note(f"数据集构建：{meta['demo_rate_line']}（demo 总耗时 {meta.get('seconds')}s）")
