"""Bare WSGI + psycopg reference for ``bench_subjects``: the least a Python server can do to answer
``GET /api/v1/subjects/{identifier}`` with the same result as JointCredit.

Same work per request as the Django endpoint, without the framework:
  1. ``Authorization: Bearer jc_…`` → SHA-256 digest → active token of an active user (one query,
     joined to the user and department); ``last_used_at`` touched at most every 5 minutes;
  2. the identifier normalised and validated with the project's own rules (``subjects.identifiers``,
     pure Python: check digits, birth date) — 422 with the same error body when malformed;
  3. the subject by exact identifier (alias fallback when missing), its name history and its related
     persons joined to their subject rows;
  4. the subject's detail sections that capabilities register (subjects.extensions): one query each
     for the lists app's ``entries`` (rendered like the app: current entries, labels, dates) and the
     ``records`` (licences, penalties), ``grade`` and ``commitments`` sections, as JointCredit runs
     them (those three only with ``?include=``, which the benchmark does not ask for);
  5. the same JSON document (kind/role labels, ``entries``/``sections``), ``application/json``.

When a capability registers a subject section (e.g. the lists app's ``entries``), add the
equivalent query here so both sides keep doing the same work. One psycopg connection per worker
process, opened lazily after the fork and kept (as CONN_MAX_AGE does for Django). Also answers
``GET /api/v1/health`` (``SELECT 1``), which the harness polls.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from jointcredit.common.errors import DomainError
from jointcredit.subjects.identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER, detect_and_validate, normalize

_conn: psycopg.Connection | None = None
_TOUCH = timedelta(minutes=5)
_PREFIX = "/api/v1/subjects/"
_LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE

KIND_LABELS = {"legal": "法人及非法人组织", "individual_business": "个体工商户", "natural": "自然人"}
ROLE_LABELS = {
    "legal_representative": "法定代表人",
    "principal": "主要负责人",
    "senior_manager": "高级管理人员",
    "director": "董事",
    "shareholder": "股东",
    "licensed_professional": "注册执业人员",
}

SQL_TOKEN = """
SELECT t.id, t.last_used_at, u.id, u.department_id
FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id
LEFT JOIN accounts_department d ON d.id = u.department_id
WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active
ORDER BY t.created_at DESC LIMIT 1
"""
SQL_SUBJECT = """
SELECT id, kind, id_type, identifier, name, legal_representative, region_code, industry, merged_into_id
FROM subjects_subject WHERE identifier = %s LIMIT 1
"""
SQL_ALIAS = """
SELECT s.id, s.kind, s.id_type, s.identifier, s.name, s.legal_representative, s.region_code, s.industry,
       s.merged_into_id
FROM subjects_subjectalias a JOIN subjects_subject s ON s.id = a.subject_id WHERE a.value = %s LIMIT 1
"""
SQL_BY_ID = """
SELECT id, kind, id_type, identifier, name, legal_representative, region_code, industry, merged_into_id
FROM subjects_subject WHERE id = %s
"""
SQL_NAMES = """
SELECT old_name, new_name, changed_at FROM subjects_subjectnamechange WHERE subject_id = %s
ORDER BY changed_at DESC
"""
SQL_RELATED = """
SELECT r.role, p.identifier, p.name, r.directly_responsible, r.share_ratio, r.valid_from, r.valid_until
FROM subjects_relatedperson r JOIN subjects_subject p ON p.id = r.person_id
WHERE r.subject_id = %s ORDER BY r.role, p.name
"""

SQL_ENTRIES = """
SELECT e.id, t.code, t.name, t.color, e.state, d.name, d.code, e.decided_on, e.valid_from, e.valid_until,
       e.under_objection
FROM lists_listentry e JOIN lists_listtype t ON t.id = e.list_type_id
JOIN accounts_department d ON d.id = e.department_id
WHERE e.subject_id = %(sid)s AND e.state <> 'removed'
ORDER BY e.created_at DESC
"""
ENTRY_STATE_LABELS = {
    "draft": "拟列入",
    "notified": "已告知",
    "decided": "已认定",
    "published": "已发布",
    "removed": "已移出",
}

# The subject detail's sections (subjects.extensions providers), one query each, in the providers'
# order. Only their empty form is rendered: a section with rows answers 501, so the benchmark's answer
# check fails loudly instead of comparing different work (extend the rendering when the bench data
# gets rows).
SQL_SECTIONS = {
    "records": [
        """SELECT l.id, l.doc_no, l.decision_date, d.name FROM records_license l
           JOIN accounts_department d ON d.id = l.department_id
           WHERE l.subject_id = %(sid)s ORDER BY l.decision_date DESC LIMIT 50""",
        """SELECT p.id, p.doc_no, p.decision_date, d.name FROM records_penalty p
           JOIN accounts_department d ON d.id = p.department_id
           WHERE p.subject_id = %(sid)s ORDER BY p.decision_date DESC LIMIT 50""",
    ],
    "entries": [SQL_ENTRIES],
    "grade": [
        """SELECT grade, score, ruleset_version, computed_on, explanation FROM grading_subjectgrade
           WHERE subject_id = %(sid)s LIMIT 1""",
    ],
    "commitments": [
        """SELECT c.id, c.matter, c.kind, c.state, d.name, c.signed_on, c.deadline
           FROM commitments_commitment c
           JOIN accounts_department d ON d.id = c.department_id
           WHERE c.subject_id = %(sid)s ORDER BY c.created_at DESC LIMIT 20""",
    ],
}
SECTION_EMPTY = {"records": [], "entries": [], "grade": None, "commitments": []}
# Like subjects.api.DEFAULT_SECTIONS: without ?include= only the contract's ``entries`` are computed.
DEFAULT_SECTIONS = ("entries",)


def _db() -> psycopg.Connection:
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(
            os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1), autocommit=True
        )
    return _conn


def _json(start_response, status: str, body: object):
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _error(start_response, status: str, code: str, message: str, details=None):
    return _json(
        start_response, status, {"error": {"code": code, "message": message, "details": details or []}}
    )


def _authenticate(conn: psycopg.Connection, environ) -> int | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("jc_") or len(token) > 100:
        return None
    row = conn.execute(SQL_TOKEN, [hashlib.sha256(token.encode("utf-8")).hexdigest()]).fetchone()
    if row is None:
        return None
    token_id, last_used, user_id, _department_id = row
    now = datetime.now(UTC)
    if last_used is None or now - last_used > _TOUCH:
        conn.execute("UPDATE accounts_apitoken SET last_used_at = %s WHERE id = %s", [now, token_id])
    return user_id


def _subject(conn: psycopg.Connection, identifier: str):
    code = normalize(identifier)
    # The birth-date rule needs "today"; passed in, since the project's clock needs Django settings.
    today = datetime.now(_LOCAL_TZ).date()
    if code.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":"):
        detect_and_validate(code.split(":", 1)[1], today=today)
    else:
        detect_and_validate(code, today=today)
    row = conn.execute(SQL_SUBJECT, [code]).fetchone() or conn.execute(SQL_ALIAS, [code]).fetchone()
    hops = 0
    while row is not None and row[8] and hops < 5:
        row, hops = conn.execute(SQL_BY_ID, [row[8]]).fetchone(), hops + 1
    return code, row


def _entries(conn: psycopg.Connection, sid: int, today) -> list[dict]:
    """Current entries (not removed, not expired), the same rules as
    lists.selectors.subject_entries_section."""
    out = []
    for (
        pk,
        type_code,
        type_name,
        color,
        state,
        dept_name,
        dept_code,
        decided_on,
        valid_from,
        valid_until,
        under_objection,
    ) in conn.execute(SQL_ENTRIES, {"sid": sid}).fetchall():
        published = state == "published"
        if published and valid_until is not None and today > valid_until:
            continue
        not_started = published and valid_from is not None and today < valid_from
        out.append(
            {
                "id": pk,
                "list_type": type_code,
                "list_type_name": type_name,
                "color": color,
                "state": state,
                "state_label": "已发布（未生效）" if not_started else ENTRY_STATE_LABELS.get(state, state),
                "department": dept_name,
                "department_code": dept_code,
                "decided_on": decided_on.isoformat() if decided_on else None,
                "valid_until": valid_until.isoformat() if valid_until else None,
                "under_objection": under_objection,
                "effective": published and not not_started,
            }
        )
    return out


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    conn = _db()
    if path == "/api/v1/health":
        conn.execute("SELECT 1").fetchone()
        return _json(start_response, "200 OK", {"status": "ok", "database": "ok"})
    if not path.startswith(_PREFIX) or environ.get("REQUEST_METHOD") != "GET":
        return _error(start_response, "404 Not Found", "not_found", "请求的资源不存在。")
    if _authenticate(conn, environ) is None:
        return _error(
            start_response,
            "401 Unauthorized",
            "unauthorized",
            "未认证：请在 Authorization 头中提供有效的 Bearer 令牌。",
        )
    raw = path[len(_PREFIX) :]
    try:
        code, row = _subject(conn, raw.encode("latin-1").decode("utf-8"))
    except DomainError as exc:
        return _json(start_response, "422 Unprocessable Entity", exc.as_dict())
    if row is None:
        return _error(start_response, "404 Not Found", "not_found", f"未找到标识为“{code}”的信用主体。")
    sid, kind, id_type, identifier, name, legal_rep, region, industry, _merged = row
    names = [
        {"old_name": o, "new_name": n, "changed_at": c.isoformat()}
        for o, n, c in conn.execute(SQL_NAMES, [sid]).fetchall()
    ]
    today = datetime.now(_LOCAL_TZ).date()
    # The roles held today (ADR 0046), as subjects.selectors.subject_related_rows.
    related = [
        {
            "role": role,
            "role_label": ROLE_LABELS.get(role, role),
            "identifier": pid,
            "name": pname,
            "directly_responsible": direct,
            "share_ratio": None if share is None else float(share),
            "valid_from": start.isoformat() if start else None,
            "valid_until": end.isoformat() if end else None,
        }
        for role, pid, pname, direct, share, start, end in conn.execute(SQL_RELATED, [sid]).fetchall()
        if (start is None or start <= today) and (end is None or today <= end)
    ]
    sections = {}
    for key in DEFAULT_SECTIONS:
        if key == "entries":
            sections[key] = _entries(conn, sid, today)
            continue
        queries = SQL_SECTIONS[key]
        if any(conn.execute(q, {"sid": sid, "today": today}).fetchall() for q in queries):
            return _error(
                start_response,
                "501 Not Implemented",
                "reference_incomplete",
                f"reference_app 未实现非空的 {key} 部分",
            )
        sections[key] = SECTION_EMPTY[key]
    entries = sections.pop("entries")
    return _json(
        start_response,
        "200 OK",
        {
            "id": sid,
            "kind": kind,
            "kind_label": KIND_LABELS.get(kind, kind),
            "id_type": id_type,
            "identifier": identifier,
            "name": name,
            "names": names,
            "legal_representative": legal_rep,
            "region_code": region,
            "industry": industry,
            "related_persons": related,
            "entries": entries,
            "sections": sections,
        },
    )
