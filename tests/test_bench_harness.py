"""Smoke tests of the benchmark tooling (bench/): no timing, no database, no server."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from bench import __main__ as runner
from bench import harness, reference_app

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8001
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.21ms    3.10ms  80.00ms   90.00%
    Req/Sec     1.57k   100.00     1.80k    70.00%
  Latency Distribution
     50%    9.80ms
     75%   11.20ms
     90%   13.40ms
     99%    1.20s
  31400 requests in 10.00s, 20.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:   3140.00
Transfer/sec:      2.00MB
"""


def test_runner_discovers_benchmarks():
    assert "subjects" in runner.discover()


def test_parse_wrk_output():
    res = harness.parse_wrk(WRK_OUTPUT)
    assert res.rps == 3140.0
    assert res.requests == 31400
    assert res.p50_ms == 9.8
    assert res.p99_ms == 1200.0
    assert (res.errors, res.non2xx) == (3, 3)


def test_report_line_format(capsys):
    ratio = harness.report("x.y", 800.0, "req/s", reference=1000.0)
    assert ratio == 0.8
    assert capsys.readouterr().out == "x.y: 800.0 req/s (ratio 0.80 vs reference)\n"


class _Cursor:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return self.rows


class _FakeConn:
    """Answers the reference app's queries with one token and one company."""

    closed = False

    def __init__(self, digest):
        self.digest = digest

    def execute(self, query, params=None):
        if "accounts_apitoken t" in query:
            return _Cursor([(1, datetime.now(UTC), 7, 3)] if params == [self.digest] else [])
        if "FROM subjects_subject WHERE identifier" in query:
            return _Cursor(
                [(10, "legal", "uscc", params[0], "测试有限公司", "王伟", "370102", "商贸", None)]
                if params[0] == "91370102MA3C0000X5"
                else []
            )
        if "subjects_relatedperson" in query:
            return _Cursor([("legal_representative", "370102199001011237", "王伟", True, None, None, None)])
        return _Cursor([])


def _call(path, token="jc_abc"):
    out = {}

    def start_response(status, headers):
        out["status"] = status

    body = b"".join(
        reference_app.application(
            {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": f"Bearer {token}"},
            start_response,
        )
    )
    return out["status"], body.decode()


def test_reference_app_answers(monkeypatch):
    monkeypatch.setattr(reference_app, "_conn", _FakeConn(hashlib.sha256(b"jc_abc").hexdigest()))
    status, body = _call("/api/v1/subjects/91370102MA3C0000X5")
    assert status == "200 OK" and "法定代表人" in body and "测试有限公司" in body
    assert _call("/api/v1/subjects/ABC")[0].startswith("422")
    assert _call("/api/v1/subjects/91370102MA3C0000X5", token="jc_wrong")[0].startswith("401")
    assert _call("/api/v1/health")[0] == "200 OK"
