"""GET /api/v1/check over 1M subjects with 100k list entries and their related persons, 32 connections.

JointCredit as production serves machine clients (`serve --production --api`, ADR 0014; gunicorn,
DEBUG off, CONN_MAX_AGE, PostgreSQL, a real token)
against ``application`` below — bare WSGI + psycopg doing the same lookups (token; the subject's
printed columns by identifier with alias/merge fallback; the subject's roles in organisations;
effective entries of the subject and those organisations, dates filtered in Python as JointCredit
does; the measure catalogue cached in process, version-checked once a second; psycopg's automatic
server-side preparation, as JointCredit's common.fastpath does) and producing the same JSON — under
the same gunicorn worker count, measured A B B A.
Targets (DESIGN.md §5, issue #15): ≥ 65% of the reference's requests/s, p99 < 25 ms — for today's
check and for the as-of check (``&date=`` 15 days back, issue #17): both are run and both ratios printed.

Dataset: ``jointcredit demo`` in a database of our own (``jc_bench_measures``, built through
``bench.harness.ensure_dataset``), topped up to 100k published entries (90% black, 10% red, 2% under
objection) with one INSERT … SELECT if the lists demo has fewer. ``--quick``: small dataset, 1k.

    .venv/bin/python -m bench.bench_check [--quick]
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench import harness as h

CONNECTIONS = 32
TARGET_RATIO = 0.65
TARGET_P99_MS = 25.0
SCENARIOS = ("market_entry", "funding", "honours", "licensing", "public_resource_trading", "inspection")
ENTRIES = {"large": 100_000, "small": 1_000}
AS_OF_DAYS_BACK = 15  # bench entries are valid from 30 days ago: the past date is inside their validity


# --- dataset ----------------------------------------------------------------------------------------


def own_dataset(quick: bool) -> str:
    """``jointcredit demo`` in a database of our own (built by ``ensure_dataset`` when missing or
    outdated): the entries added below never change what other benchmarks measure, and another
    engineer's rebuild of the shared database cannot drop ours mid-run."""
    size = h.dataset_size(quick)
    saved = os.environ.get("BENCH_DB")
    os.environ["BENCH_DB"] = "jc_bench_measures" + ("" if size == "large" else f"_{size}")
    try:
        return h.ensure_dataset(size)
    finally:
        if saved is None:
            os.environ.pop("BENCH_DB", None)
        else:
            os.environ["BENCH_DB"] = saved


def _fill(col_type: str) -> str:
    if col_type in ("boolean",):
        return "false"
    if col_type in ("integer", "smallint", "bigint"):
        return "0"
    if col_type.startswith("timestamp"):
        return "now()"
    if col_type == "date":
        return "current_date"
    if col_type == "jsonb":
        return "'{}'::jsonb"
    return "''"


def ensure_entries(db_url: str, n: int) -> dict:
    """Top the published entries up to ``n`` with entries on bench list types tied to the shipped
    memoranda (the lists demo may already provide them; idempotent)."""
    demo = h.sql(
        db_url,
        "SELECT count(*) FROM lists_listentry e JOIN lists_listtype t ON t.id = e.list_type_id "
        "WHERE e.state = 'published' AND t.code NOT LIKE 'bench-check-%%'",
    )[0][0]
    have = h.sql(
        db_url,
        "SELECT count(*) FROM lists_listentry e JOIN lists_listtype t ON t.id = e.list_type_id "
        "WHERE t.code LIKE 'bench-check-%%'",
    )[0][0]
    n = max(0, n - demo)
    if have != n:
        h.note(f"演示数据已有 {demo} 条已发布条目，补足 {n} 条（黑名单 90%、红名单 10%、异议中 2%）")
        h.manage(
            ["shell", "-c", "from jointcredit.measures.services import measures_seed_defaults as s; s()"],
            env=h.django_env(db_url),
        )
        memo = dict(h.sql(db_url, "SELECT code, id FROM measures_memorandum"))
        dept = h.sql(db_url, "SELECT id FROM accounts_department WHERE code = 'scjgj'")[0][0]
        for code, name, color, category, memo_code in (
            (
                "bench-check-black",
                "食品安全领域严重失信主体名单（基准）",
                "black",
                "black_health_safety",
                "lixia-dishonesty-2026",
            ),
            (
                "bench-check-red",
                "纳税信用A级纳税人名单（基准）",
                "red",
                "red_good_rating",
                "lixia-honesty-2026",
            ),
        ):
            h.sql(
                db_url,
                """INSERT INTO lists_listtype (code, name, color, category, legal_basis, validity_days,
                     min_repair_days, repairable, statement_working_days, memorandum_id, is_active)
                  VALUES (%s, %s, %s, %s, '《基准测试依据》第一条', 1095, 365, true, 5, %s, true)
                  ON CONFLICT (code) DO NOTHING""",
                [code, name, color, category, memo[memo_code]],
            )
        types = dict(h.sql(db_url, "SELECT code, id FROM lists_listtype WHERE code LIKE 'bench-check-%%'"))
        h.sql(db_url, "DELETE FROM lists_listentry WHERE list_type_id = ANY(%s)", [list(types.values())])
        # Columns the lists app may add later get a neutral value, so this keeps working.
        cols = h.sql(
            db_url,
            """SELECT column_name, data_type FROM information_schema.columns
                                WHERE table_name = 'lists_listentry' AND is_nullable = 'NO'
                                  AND column_default IS NULL AND column_name <> 'id'""",
        )
        given = {
            "list_type_id": (
                f"CASE WHEN rn %% 10 = 0 THEN {types['bench-check-red']} "
                f"ELSE {types['bench-check-black']} END"
            ),
            "subject_id": "id",
            "subject_name": "name",
            "department_id": str(dept),
            "state": "'published'",
            "reason": "'生产经营超过保质期的食品，情节严重'",
            "legal_basis": "'《中华人民共和国食品安全法》第一百三十五条'",
            "under_objection": "(rn %% 50 = 7)",
            "created_at": "now()",
            "updated_at": "now()",
            "decided_on": "current_date - 30",
            "valid_from": "current_date - 30",
            "valid_until": "current_date + 1000",
        }
        names = [c for c, _ in cols if c not in given] + list(given)
        values = [_fill(t) for c, t in cols if c not in given] + list(given.values())
        # Organisations and 个体工商户 mostly, some natural persons, spread deterministically.
        h.sql(
            db_url,
            f"""
            INSERT INTO lists_listentry ({", ".join(names)})
            SELECT {", ".join(values)} FROM (
              SELECT s.id, s.name, row_number() OVER () AS rn FROM (
                SELECT id, name FROM subjects_subject
                ORDER BY (kind = 'natural'), md5(identifier) LIMIT %s) s) picked""",  # noqa: S608
            [n],
        )
        h.sql(db_url, "ANALYZE lists_listentry")
    return {"entries": n}


def _probe_identifiers(db_url: str, n: int) -> list[str]:
    """A realistic mix: listed subjects, people holding roles in listed organisations, and others."""
    listed = [
        r[0]
        for r in h.sql(
            db_url,
            """
        SELECT s.identifier FROM lists_listentry e JOIN subjects_subject s ON s.id = e.subject_id
        WHERE e.state = 'published' ORDER BY md5(s.identifier) LIMIT %s""",
            [n * 4 // 10],
        )
    ]
    people = [
        r[0]
        for r in h.sql(
            db_url,
            """
        SELECT DISTINCT p.identifier FROM lists_listentry e
        JOIN subjects_relatedperson r ON r.subject_id = e.subject_id
        JOIN subjects_subject p ON p.id = r.person_id JOIN lists_listtype t ON t.id = e.list_type_id
        WHERE e.state = 'published' AND t.color = 'black' ORDER BY p.identifier LIMIT %s""",
            [n * 3 // 10],
        )
    ]
    others = [
        r[0]
        for r in h.sql(
            db_url,
            "SELECT identifier FROM subjects_subject ORDER BY md5(identifier || 'x') LIMIT %s",
            [n - len(listed) - len(people)],
        )
    ]
    mixed = []
    for group in zip(listed, people, others):
        mixed.extend(group)
    return mixed + listed[len(mixed) // 3 :] + others[len(mixed) // 3 :]


# --- the bare WSGI + psycopg reference ------------------------------------------------------------

# As measures.selectors.measure_check (subjects.selectors.subject_find): exact identifier first,
# then alias; a merged subject is followed by id.
SQL_SUBJECT = (
    "SELECT id, kind, identifier, name, merged_into_id FROM subjects_subject WHERE identifier = %s LIMIT 1"
)
SQL_ALIAS = """
SELECT s.id, s.kind, s.identifier, s.name, s.merged_into_id
FROM subjects_subjectalias a JOIN subjects_subject s ON s.id = a.subject_id
WHERE a.value = %s ORDER BY a.id LIMIT 1
"""
SQL_BY_ID = "SELECT id, kind, identifier, name, merged_into_id FROM subjects_subject WHERE id = %s"
SQL_ROLES = """
SELECT r.subject_id, r.role, r.directly_responsible, o.identifier, o.name, r.valid_from, r.valid_until,
       r.id, r.share_ratio
FROM subjects_relatedperson r JOIN subjects_subject o ON o.id = r.subject_id WHERE r.person_id = %s
"""
# As measures.selectors._ENTRIES: the subject's own published (and removed) entries UNION ALL those of the
# organisations where it holds a role, each branch an index lookup (an OR of the two scans every entry).
SQL_ENTRIES = """
(SELECT e.id, e.subject_id, t.code, t.name, t.color, t.memorandum_id, d.name, e.legal_basis, e.valid_from,
        e.valid_until, e.under_objection, e.state, e.published_at, e.removed_at, e.removal_reason,
        e.objection_periods
 FROM lists_listentry e JOIN lists_listtype t ON t.id = e.list_type_id
 JOIN accounts_department d ON d.id = e.department_id
 WHERE e.state IN ('published', 'removed') AND e.subject_id = %s)
UNION ALL
(SELECT e.id, e.subject_id, t.code, t.name, t.color, t.memorandum_id, d.name, e.legal_basis, e.valid_from,
        e.valid_until, e.under_objection, e.state, e.published_at, e.removed_at, e.removal_reason,
        e.objection_periods
 FROM lists_listentry e JOIN lists_listtype t ON t.id = e.list_type_id
 JOIN accounts_department d ON d.id = e.department_id
 WHERE e.state IN ('published', 'removed')
   AND e.subject_id IN (SELECT subject_id FROM subjects_relatedperson WHERE person_id = %s))
"""
SQL_MEASURES = """
SELECT m.id, m.code, m.name, m.kind, m.legal_basis, m.memorandum_id, mo.name, mo.document_no, m.scenarios,
       m.reaches_subject, m.reach_roles, m.directly_responsible_roles,
       COALESCE((SELECT array_agg(d.name ORDER BY d.code) FROM measures_measure_implementing_departments md
                 JOIN accounts_department d ON d.id = md.department_id WHERE md.measure_id = m.id), '{}'),
       m.version, m.effective_from, m.effective_until, mo.effective_from, mo.effective_until
FROM measures_measure m JOIN measures_memorandum mo ON mo.id = m.memorandum_id
WHERE m.is_active AND mo.is_active ORDER BY m.kind, m.code, m.version
"""
_LOCAL_TZ = ZoneInfo(
    "Asia/Shanghai"
)  # settings.TIME_ZONE: "today" is the office's date, as timezone.localdate()
_catalog = None
_catalog_checked = 0.0
_catalog_lock = threading.Lock()


def _setup():
    # Only for the pure rule functions and dataclasses (engine.py); requests never touch Django.
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
    django.setup()


def _ref_catalog(conn):
    global _catalog, _catalog_checked
    from jointcredit.measures.catalog import Catalog, MeasureInfo

    now = time.monotonic()
    if _catalog is not None and now - _catalog_checked < 1.0:
        return _catalog
    version = (conn.execute("SELECT version FROM measures_catalogversion WHERE id = 1").fetchone() or (0,))[0]
    with _catalog_lock:
        if _catalog is None or _catalog.version != version:
            catalog = Catalog(version=version)
            grouped: dict = {}
            for row in conn.execute(SQL_MEASURES).fetchall():
                info = MeasureInfo(
                    *row[:8],
                    frozenset(row[8]),
                    row[9],
                    frozenset(row[10]),
                    frozenset(row[11]),
                    tuple(row[12]),
                    *row[13:18],
                )
                for s in info.scenarios:
                    grouped.setdefault((info.memorandum_id, s), []).append(info)
            catalog.by_memo_scenario = {k: tuple(v) for k, v in grouped.items()}
            _catalog = catalog
        _catalog_checked = now
    return _catalog


def application(environ, start_response):
    from urllib.parse import parse_qs

    from bench.reference_app import _authenticate, _db, _error, _json
    from jointcredit.common.errors import DomainError
    from jointcredit.measures.engine import RoleLink, entry_as_of, hits_compute, in_force
    from jointcredit.measures.selectors import scenario_validate
    from jointcredit.subjects.identifiers import (
        INDIVIDUAL_BUSINESS_PLACEHOLDER,
        detect_and_validate,
        normalize,
    )

    conn = _db()
    path = environ.get("PATH_INFO", "")
    if path == "/api/v1/health":
        conn.execute("SELECT 1").fetchone()
        return _json(start_response, "200 OK", {"status": "ok", "database": "ok"})
    if path != "/api/v1/check":
        return _error(start_response, "404 Not Found", "not_found", "请求的资源不存在。")
    if _authenticate(conn, environ) is None:
        return _error(
            start_response,
            "401 Unauthorized",
            "unauthorized",
            "未认证：请在 Authorization 头中提供有效的 Bearer 令牌。",
        )
    q = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        scenario = scenario_validate(q.get("scenario", [""])[0])
        today = datetime.now(_LOCAL_TZ).date()
        on = date.fromisoformat(q["date"][0]) if "date" in q else today
        code = normalize(q.get("identifier", [""])[0])
        detect_and_validate(
            code.split(":", 1)[1] if code.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":") else code
        )
    except DomainError as exc:
        return _json(start_response, "422 Unprocessable Entity", exc.as_dict())
    row = conn.execute(SQL_SUBJECT, [code]).fetchone() or conn.execute(SQL_ALIAS, [code]).fetchone()
    hops = 0
    while row is not None and row[4] and hops < 5:
        row, hops = conn.execute(SQL_BY_ID, [row[4]]).fetchone(), hops + 1
    hits = []
    subject = None
    if row is not None:
        sid, kind = row[0], row[1]
        subject = {
            "id": sid,
            "kind": kind,
            "kind_label": {
                "legal": "法人及非法人组织",
                "individual_business": "个体工商户",
                "natural": "自然人",
            }[kind],
            "identifier": row[2],
            "name": row[3],
        }
        roles = [
            RoleLink(*r[:5], link_id=r[7], share=None if r[8] is None else float(r[8]))
            for r in conn.execute(SQL_ROLES, [sid]).fetchall()
            if in_force(r[5], r[6], on)
        ]
        held = {r.organisation_id for r in roles}
        entries = [
            e
            for r in conn.execute(SQL_ENTRIES, [sid, sid]).fetchall()
            if (r[1] == sid or r[1] in held) and (e := entry_as_of(r, on, today)) is not None
        ]
        hits = hits_compute(
            self_entries=[e for e in entries if e.subject_id == sid],
            role_entries=[(e, r) for r in roles for e in entries if e.subject_id == r.organisation_id],
            scenario=scenario,
            catalog=_ref_catalog(conn),
            on=on,
        )
    body = {
        "subject": subject,
        "scenario": scenario,
        "date": on.isoformat(),
        "known_at": None,
        "hits": [
            {
                **d,
                "valid_until": d["valid_until"].isoformat() if d["valid_until"] else None,
                "removed_on": d["removed_on"].isoformat() if d["removed_on"] else None,
            }
            for d in (x.as_dict() for x in hits)
        ],
    }
    return _json(start_response, "200 OK", body)


if os.environ.get("BENCH_CHECK_REFERENCE") == "1":
    _setup()


# --- driver ---------------------------------------------------------------------------------------


def _get(base: str, path: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback only
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _same_answers(django: str, ref: str, paths: list[str], token: str) -> int:
    probes = paths[:60] + [
        "/api/v1/check?identifier=ABC&scenario=funding",
        "/api/v1/check?identifier=91370102MA3C0000X0&scenario=bogus",
    ]
    hits = 0
    for p in probes:
        a, b = _get(django, p, token), _get(ref, p, token)
        if a[0] != b[0] or (a[0] == 200 and a[1] != b[1]):
            raise AssertionError(f"参考实现与 JointCredit 的响应不同：{p}\n  django={a}\n  ref={b}")
        hits += bool(a[0] == 200 and a[1]["hits"])
    return hits


def main(quick: bool = False) -> None:
    size = h.dataset_size(quick)
    db_url = own_dataset(quick)
    ensure_entries(db_url, ENTRIES[size])
    counts = h.sql(
        db_url,
        """SELECT (SELECT count(*) FROM subjects_subject), (SELECT count(*) FROM lists_listentry
        WHERE state = 'published'), (SELECT count(*) FROM subjects_relatedperson)""",
    )[0]
    env = h.django_env(db_url)
    ref_env = h.django_env(db_url, BENCH_CHECK_REFERENCE="1")
    token = h.api_token(db_url)
    identifiers = _probe_identifiers(db_url, 500 if quick else 5000)
    paths = [
        f"/api/v1/check?identifier={ident}&scenario={SCENARIOS[i % len(SCENARIOS)]}"
        for i, ident in enumerate(identifiers)
    ]
    # The as-of check (ADR 0032): the same identifiers asked for a date in the past, within the
    # entries' validity; the same three queries, the as-of rule applied in Python.
    past = (datetime.now(_LOCAL_TZ).date() - timedelta(days=AS_OF_DAYS_BACK)).isoformat()
    as_of_paths = [f"{p}&date={past}" for p in paths]
    headers = {"Authorization": f"Bearer {token}"}
    h.note(
        f"{counts[0]} 个主体，{counts[1]} 条已发布名单条目，{counts[2]} 条关联人；"
        f"{len(paths)} 个核查请求轮询，"
        f"{CONNECTIONS} 连接，gunicorn {h.WORKERS} 个 worker，每轮 {h.DURATION:.0f}s，"
        f"负载工具 {'wrk' if h.have_wrk() else 'python'}"
    )
    with (
        h.django_server(env, api=True) as django,
        h.wsgi_server("bench.bench_check:application", ref_env) as ref,
    ):
        results = {}
        for name, label, probe in (
            ("measures.check", "今日核查", paths),
            ("measures.check_as_of", f"按日核查（date={past}）", as_of_paths),
        ):
            with_hits = _same_answers(django, ref, probe, token)
            h.note(f"{label}：抽样 {min(60, len(probe))} 个请求两侧响应一致，其中 {with_hits} 个有命中措施")
            results[label] = h.compare_servers(
                name,
                ref,
                django,
                paths=probe,
                headers=headers,
                db_url=db_url,
                connections=CONNECTIONS,
                quick=quick,
            )
    for label, result in results.items():
        ratio, app_res = result.ratio, result.app
        ok = ratio is not None and ratio >= TARGET_RATIO and app_res.p99_ms < TARGET_P99_MS
        h.note(
            f"{label} 目标：≥ {TARGET_RATIO:.0%} 参考吞吐量且 p99 < {TARGET_P99_MS:.0f} ms → "
            f"{'达标' if ok else '未达标'}（{ratio:.0%}，p99 {app_res.p99_ms:.1f} ms）"
        )
    h.note(f"负载 {os.getloadavg()[0]:.1f}（1 分钟平均，{os.cpu_count()} 核）")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
