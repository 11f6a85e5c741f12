"""Shared helpers for the benchmarks in ``bench/bench_*.py`` (run by ``make bench`` / ``python -m bench``).

Every figure is a ratio against a reference measured in the same run on the same machine: the dev
machines and CI are small and shared, absolute numbers are noise. A benchmark module exposes
``main(quick: bool = False) -> None`` and prints one uniform line per figure through ``report``.

API (all keyword arguments unless noted)::

    from bench import harness as h

    db_url = h.ensure_dataset("large")           # PostgreSQL DB with `jointcredit demo --size large`,
                                                 # built only when missing/outdated; "small" for --quick
    h.dataset_size(quick)                        # "small" if quick else "large"
    env = h.django_env(db_url)                   # production env: DEBUG off, SECRET_KEY, CONN_MAX_AGE
    token = h.api_token(db_url, username="office")   # real token via `jointcredit token create`
    h.manage(["sweep"], env=env)                 # any `jointcredit` command, returns stdout
    h.sql(db_url, "SELECT ...", params)          # rows from the bench DB (psycopg, autocommit)

    with h.django_server(env, workers=h.WORKERS) as base:       # `jointcredit serve --production`
        ...                                                     # base = "http://127.0.0.1:PORT"
    with h.django_server(env, api=True) as base: ...            # `serve --production --api` (ADR 0014)
    with h.wsgi_server("bench.reference_app:application", env, workers=h.WORKERS) as base:
        ...                                      # any WSGI app under the same gunicorn settings;
                                                 # both wait until GET <base>/api/v1/health is 200
    res = h.load(base, paths=["/api/v1/subjects/…", …], headers={"Authorization": "Bearer …"},
                 connections=32, duration=10)    # wrk --latency (Python fallback if wrk is missing)
    res.rps, res.p50_ms, res.p99_ms, res.requests, res.errors, res.non2xx

    h.report("subjects.detail", res.rps, "req/s", reference=ref.rps)
        # → "subjects.detail: 1234.5 req/s (ratio 0.82 vs reference)"
    h.report("subjects.detail.p99", res.p99_ms, "ms")
        # → "subjects.detail.p99: 12.3 ms"

    with h.cpu_meter(base, db_url) as cpu:       # CPU seconds burnt by that server's gunicorn
        res = h.load(base, ...)                  # workers and by the DB's backends meanwhile:
    cpu.app_ms(res.requests), cpu.db_ms(res.requests)   # ms of CPU per request — far steadier
                                                 # than req/s on a shared 2-core machine

    h.timed(fn, *args) -> (result, seconds)      # wall clock of one call
    h.interleaved({"ref": fa, "app": fb}, rounds=2) -> {"ref": [r1, r2], "app": [...]}
        # runs A B B A … so that drift from other load on the machine hits both sides equally

Environment knobs: ``BENCH_DB`` (database name, default ``jc_bench``/``jc_bench_small``),
``BENCH_PG`` (server URL without database, default ``postgres://postgres@127.0.0.1:5432``),
``BENCH_REBUILD=1`` (rebuild the dataset; drops it even while others use it), ``BENCH_DURATION``
(seconds per load run), ``BENCH_WORKERS`` (gunicorn workers on both sides, default 2×cores+1 as in
production), ``BENCH_API=0`` (API benchmarks against the web process instead of the API process).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
JOINTCREDIT = str(VENV_BIN / "jointcredit")
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
WORKERS = int(os.environ.get("BENCH_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
SECRET_KEY = "bench-only-secret-key-" + "x" * 40  # noqa: S105 - throwaway key for the bench server
AUDIT_KEY = "bench-only-audit-key-" + "x" * 40  # throwaway audit chain key (required when DEBUG is off)
LOG_DIR = ROOT / "var" / "bench"


# --- output ---------------------------------------------------------------------------------


def report(
    name: str, value: float, unit: str, *, reference: float | None = None, higher_is_better: bool = True
) -> float | None:
    """Print ``name: value unit (ratio x.xx vs reference)``; return the ratio (or None).

    The ratio is value/reference when higher is better (throughput) and reference/value otherwise
    (durations), so ≥ 1.0 always means "as good as the reference"."""
    line = f"{name}: {_fmt(value)} {unit}"
    ratio = None
    if reference:
        ratio = (value / reference) if higher_is_better else (reference / value if value else 0.0)
        line += f" (ratio {ratio:.2f} vs reference)"
    print(line, flush=True)
    return ratio


def note(message: str) -> None:
    """Progress/diagnostic line (prefixed so it never looks like a result line)."""
    print(f"  · {message}", flush=True)


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def timed(fn: Callable, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def interleaved(runs: dict[str, Callable[[], object]], *, rounds: int = 2) -> dict[str, list]:
    """Run the callables A B B A A B … so slow drift of the machine's load affects both equally."""
    names = list(runs)
    out: dict[str, list] = {n: [] for n in names}
    for i in range(rounds):
        order = names if i % 2 == 0 else list(reversed(names))
        for n in order:
            out[n].append(runs[n]())
    return out


# --- database -------------------------------------------------------------------------------


def dataset_size(quick: bool) -> str:
    return "small" if quick else "large"


def database_url(size: str = "large") -> str:
    name = os.environ.get("BENCH_DB") or ("jc_bench" if size == "large" else f"jc_bench_{size}")
    return f"{PG_SERVER}/{name}"


def sql(db_url: str, query: str, params: Sequence | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def _fingerprint(size: str) -> str:
    """What the dataset depends on: the demo command, generators and every app's demo hook."""
    src = ROOT / "src" / "jointcredit"
    files = [
        src / "demo" / "management" / "commands" / "demo.py",
        src / "demo" / "generators.py",
        src / "demo" / "departments.py",
        *sorted(src.glob("*/demo.py")),
    ]
    digest = hashlib.sha256(size.encode())
    for f in files:
        if f.exists():
            digest.update(str(f.relative_to(src)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def ensure_dataset(size: str = "large", *, rebuild: bool | None = None) -> str:
    """Return the DATABASE_URL of a migrated PostgreSQL database holding ``jointcredit demo --size``.

    The database is built only when it is missing or unfinished, or with ``BENCH_REBUILD=1`` (a
    change of the demo code since the build is reported, not acted on: another run may be using
    the database). Migrations always run (cheap when up to date). A PostgreSQL advisory lock keeps
    two runs from building the same database at once."""
    import psycopg

    db_url = database_url(size)
    name = db_url.rsplit("/", 1)[1]
    rebuild = os.environ.get("BENCH_REBUILD") == "1" if rebuild is None else rebuild
    fp = _fingerprint(size)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        try:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not rebuild:
                meta = _meta(db_url)
                if meta:
                    note(
                        f"数据集 {name} 已存在（{meta.get('subjects')} 个主体，"
                        f"构建于 {meta.get('built_at')}）"
                    )
                    if meta.get("fingerprint") != fp:
                        # Never rebuild on our own: other benchmarks (other trees) may be using it.
                        note("演示数据生成代码自构建后有变化；需要时用 BENCH_REBUILD=1 重建")
                    manage(["migrate", "--noinput", "-v", "0"], env=django_env(db_url))
                    return db_url
                note(f"数据集 {name} 不完整（上次构建未完成），重建")
            if exists:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
            _build(db_url, size, fp)
        finally:
            admin.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
    return db_url


def _meta(db_url: str) -> dict | None:
    try:
        rows = sql(db_url, "SELECT data FROM bench_dataset LIMIT 1")
    except Exception:  # noqa: BLE001 - missing table = never finished building
        return None
    return rows[0][0] if rows else None


def _build(db_url: str, size: str, fp: str) -> None:
    env = django_env(db_url)
    note(f"构建数据集：migrate + jointcredit demo --size {size}（只在缺失时执行）")
    manage(["migrate", "--noinput", "-v", "0"], env=env)
    manage(["createcachetable"], env=env)
    t0 = time.perf_counter()
    out = manage(["demo", "--size", size], env=env, echo=True)
    seconds = time.perf_counter() - t0
    # As a DBA would after a bulk load: statistics and visibility map for every table.
    sql(db_url, "VACUUM ANALYZE")
    subjects = sql(db_url, "SELECT count(*) FROM subjects_subject")[0][0]
    rate = next((line.strip() for line in out.splitlines() if "行/秒" in line), "")
    data = {
        "fingerprint": fp,
        "size": size,
        "subjects": subjects,
        "seconds": round(seconds, 1),
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "demo_rate_line": rate,
    }
    sql(db_url, "CREATE TABLE bench_dataset (data jsonb NOT NULL)")
    sql(db_url, "INSERT INTO bench_dataset (data) VALUES (%s)", [json.dumps(data)])
    note(f"数据集构建完成：{subjects} 个主体，{seconds:.1f}s")


def dataset_meta(db_url: str) -> dict:
    """What ``ensure_dataset`` recorded: subjects, seconds, demo_rate_line, built_at…"""
    return _meta(db_url) or {}


# --- processes ------------------------------------------------------------------------------


def django_env(db_url: str, **extra: str) -> dict[str, str]:
    """Environment of a production deployment (as `jointcredit serve --production` runs it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOINTCREDIT_DEBUG", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": db_url,
            "SECRET_KEY": SECRET_KEY,
            "JOINTCREDIT_AUDIT_KEY": AUDIT_KEY,
            "CONN_MAX_AGE": "600",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            # The tree this harness belongs to, ahead of the editable install: a benchmark run from a
            # git worktree measures that worktree's code.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
            ),
        }
    )
    env.update(extra)
    return env


def manage(args: Sequence[str], *, env: dict[str, str], echo: bool = False) -> str:
    """Run ``jointcredit <args>``; return its stdout (raise with its stderr on failure)."""
    proc = subprocess.Popen(
        [JOINTCREDIT, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=None if echo else subprocess.PIPE,
        text=True,
    )
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if echo:
            print("    " + line.rstrip(), flush=True)
    err = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        raise RuntimeError(f"jointcredit {' '.join(args)} 失败（退出码 {proc.returncode}）：\n{err}")
    return "".join(lines)


def api_token(db_url: str, *, username: str = "office") -> str:
    return manage(["token", "create", "--user", username, "--name", "bench"], env=django_env(db_url)).strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(
    base: str, *, path: str = "/api/v1/health", timeout: float = 60, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"服务进程已退出（{proc.returncode}），见 {LOG_DIR}")
        try:
            with urllib.request.urlopen(base + path, timeout=2) as r:  # noqa: S310 - loopback only
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{base}{path} 在 {timeout}s 内未就绪：{last}")


@contextlib.contextmanager
def _gunicorn(cmd: list[str], env: dict[str, str], label: str, port: int) -> Iterator[str]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"{label}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    _SERVERS[base] = proc.pid
    try:
        wait_ready(base, proc=proc)
        # Warm every worker (imports, first DB connection) before anyone measures.
        warm(base)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        _SERVERS.pop(base, None)


_SERVERS: dict[str, int] = {}  # base URL → gunicorn master pid
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: Sequence[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / _TICK


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(p) for p in found]


@dataclass
class CpuMeter:
    app_s: float = 0.0  # CPU seconds of the server's worker processes
    db_s: float = 0.0  # CPU seconds of every PostgreSQL backend connected to the database

    def app_ms(self, requests: int) -> float:
        return self.app_s / max(requests, 1) * 1000

    def db_ms(self, requests: int) -> float:
        return self.db_s / max(requests, 1) * 1000


@contextlib.contextmanager
def cpu_meter(base: str, db_url: str | None = None) -> Iterator[CpuMeter]:
    """Measure the CPU a server started by this harness (and the DB) spends inside the block.
    Run one load at a time: the DB figure counts every backend of that database."""
    workers = _children(_SERVERS[base]) if base in _SERVERS else []
    db_name = db_url.rsplit("/", 1)[1] if db_url else None

    def backends() -> list[int]:
        if not db_name:
            return []
        return [
            r[0]
            for r in sql(
                f"{PG_SERVER}/postgres", "SELECT pid FROM pg_stat_activity WHERE datname = %s", [db_name]
            )
        ]

    meter = CpuMeter()
    pg_before = backends()
    a0, d0 = _cpu_seconds(workers), _cpu_seconds(pg_before)
    yield meter
    pg_after = set(backends()) | set(pg_before)
    meter.app_s = _cpu_seconds(workers) - a0
    # Backends that appeared during the run count from zero.
    meter.db_s = _cpu_seconds(list(pg_after)) - d0


def warm(base: str, *, path: str = "/api/v1/health", n: int = 200) -> None:
    def hit():
        for _ in range(n // 8):
            with contextlib.suppress(OSError, urllib.error.URLError):
                urllib.request.urlopen(base + path, timeout=5).read()  # noqa: S310 - loopback only

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def django_server(
    env: dict[str, str],
    *,
    workers: int = WORKERS,
    port: int | None = None,
    label: str = "django",
    api: bool = False,
):
    """`jointcredit serve --production` (gunicorn with the project's config) on a free port; with
    ``api=True`` the API process machine clients are served by (`serve --production --api`,
    ADR 0014). ``BENCH_API=0`` makes every benchmark use the web process instead."""
    port = port or free_port()
    env = {**env, "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESSLOG": env.get("GUNICORN_ACCESSLOG", "")}
    if not env["GUNICORN_ACCESSLOG"]:
        env["GUNICORN_ACCESSLOG"] = "/dev/null"
    cmd = [JOINTCREDIT, "serve", "--production", "--port", str(port)]
    if api and os.environ.get("BENCH_API", "1") != "0":
        cmd.append("--api")
        label = f"{label}-api"
    return _gunicorn(cmd, env, label, port)


def wsgi_server(
    app: str,
    env: dict[str, str],
    *,
    workers: int = WORKERS,
    port: int | None = None,
    label: str = "reference",
):
    """Any WSGI callable (``module:attr``) under gunicorn with the same worker model as production."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        app,
    ]
    return _gunicorn(cmd, env, label, port)


# --- load -----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    rps: float
    requests: int
    seconds: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    errors: int = 0  # socket errors and timeouts
    non2xx: int = 0
    tool: str = "wrk"
    raw: str = field(default="", repr=False)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


_LUA = """
local paths = {%s}
local i = 0
local hdrs = {%s}
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i], hdrs)
end
init = function(args)
  -- each wrk thread starts at a different offset so connections do not walk in lockstep
  i = math.random(#paths)
end
"""


def _lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load(
    base: str,
    *,
    paths: Sequence[str],
    headers: dict[str, str] | None = None,
    connections: int = 32,
    duration: float | None = None,
    threads: int = 2,
    timeout: float = 5,
) -> LoadResult:
    """GET ``paths`` (round-robin) with ``connections`` keep-alive connections for ``duration`` s."""
    duration = duration or DURATION
    headers = headers or {}
    if not have_wrk():
        return _py_load(base, paths=paths, headers=headers, connections=connections, duration=duration)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(
            _LUA
            % (
                ", ".join(_lua_str(p) for p in paths),
                ", ".join(f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in headers.items()),
            )
        )
        script = f.name
    try:
        proc = subprocess.run(
            [
                "wrk",
                "--latency",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{int(duration)}s",
                f"--timeout={int(timeout)}s",
                "-s",
                script,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script)
    return parse_wrk(proc.stdout)


def parse_wrk(out: str) -> LoadResult:
    """Parse ``wrk --latency`` output (requests/s, 50/75/90/99 % latency, errors, non-2xx)."""
    import re

    def ms(v: str, unit: str) -> float:
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    pct = {int(p): ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    requests, secs = int(m.group(1)), ms(m.group(2), m.group(3)) / 1000
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = int(m2.group(1)) if (m2 := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return LoadResult(
        rps=rps,
        requests=requests,
        seconds=secs,
        p50_ms=pct.get(50, 0.0),
        p75_ms=pct.get(75, 0.0),
        p90_ms=pct.get(90, 0.0),
        p99_ms=pct.get(99, 0.0),
        errors=errors,
        non2xx=non2xx,
        raw=out,
    )


def _py_load(
    base: str, *, paths: Sequence[str], headers: dict[str, str], connections: int, duration: float
) -> LoadResult:
    """Fallback when wrk is absent: threads with keep-alive http.client connections. It is itself
    CPU-bound in Python, so its absolute figures are lower than wrk's; ratios stay comparable."""
    host, port = base.removeprefix("http://").split(":")
    lat: list[list[float]] = [[] for _ in range(connections)]
    counts = {"errors": 0, "non2xx": 0}
    stop = time.perf_counter() + duration

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        i = k * 7919
        while time.perf_counter() < stop:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if not 200 <= resp.status < 400:
                    counts["non2xx"] += 1
            except (OSError, http.client.HTTPException):
                counts["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
                continue
            lat[k].append(time.perf_counter() - t0)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    all_lat = sorted(x for xs in lat for x in xs)
    n = len(all_lat)

    def q(p: float) -> float:
        return all_lat[min(n - 1, int(p * n))] * 1000 if n else 0.0

    return LoadResult(
        rps=n / secs,
        requests=n,
        seconds=secs,
        p50_ms=q(0.5),
        p75_ms=q(0.75),
        p90_ms=q(0.9),
        p99_ms=q(0.99),
        errors=counts["errors"],
        non2xx=counts["non2xx"],
        tool="python",
    )


def best(results: Sequence[LoadResult]) -> LoadResult:
    """The run with the highest throughput (least disturbed by other load on the machine)."""
    return max(results, key=lambda r: r.rps)


def total(results: Sequence[LoadResult]) -> LoadResult:
    """Requests/s over all runs together; p99 = worst of the runs' p99 (conservative)."""
    reqs = sum(r.requests for r in results)
    secs = sum(r.seconds for r in results)
    return LoadResult(
        rps=reqs / secs if secs else 0.0,
        requests=reqs,
        seconds=secs,
        p50_ms=max(r.p50_ms for r in results),
        p75_ms=max(r.p75_ms for r in results),
        p90_ms=max(r.p90_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        non2xx=sum(r.non2xx for r in results),
        tool=results[0].tool,
    )


@dataclass
class Comparison:
    reference: LoadResult
    app: LoadResult
    ratio: float | None  # app req/s over reference req/s
    cpu_ms: dict[str, tuple[float, float]]  # side → (app, database) CPU ms per request


def compare_servers(
    name: str,
    ref: str,
    app: str,
    *,
    paths: Sequence[str],
    headers: dict[str, str],
    db_url: str,
    connections: int = 32,
    quick: bool = False,
) -> Comparison:
    """The load comparison every HTTP benchmark runs: warm both sides with the same paths, then
    interleaved runs (A B B A) with the CPU of each side's workers and PostgreSQL backends metered;
    reports ``<name>``/``<name>.reference`` req/s, p99 and CPU per request (app + DB)."""
    load(ref, paths=paths, headers=headers, connections=connections, duration=2)
    load(app, paths=paths, headers=headers, connections=connections, duration=2)
    cpu: dict[str, list[tuple[CpuMeter, LoadResult]]] = {"reference": [], "django": []}

    def measured(label: str, base: str) -> LoadResult:
        with cpu_meter(base, db_url) as meter:
            res = load(base, paths=paths, headers=headers, connections=connections)
        cpu[label].append((meter, res))
        return res

    runs = interleaved(
        {"reference": lambda: measured("reference", ref), "django": lambda: measured("django", app)},
        rounds=1 if quick else 2,
    )
    ref_res, app_res = total(runs["reference"]), total(runs["django"])
    for label, res in (("reference", ref_res), ("django", app_res)):
        if res.errors or res.non2xx:
            raise RuntimeError(f"{label}: {res.errors} 个连接错误，{res.non2xx} 个非 2xx 响应")
        note(
            f"{label}: {res.requests} 请求，p50 {res.p50_ms:.1f} ms，p90 {res.p90_ms:.1f} ms，"
            f"p99 {res.p99_ms:.1f} ms（各轮 " + ", ".join(f"{r.rps:.0f}" for r in runs[label]) + " req/s）"
        )
    report(f"{name}.reference", ref_res.rps, "req/s")
    ratio = report(name, app_res.rps, "req/s", reference=ref_res.rps)
    report(f"{name}.p99", app_res.p99_ms, "ms", reference=ref_res.p99_ms, higher_is_better=False)
    report(f"{name}.reference.p99", ref_res.p99_ms, "ms")
    cpu_ms = {
        label: (
            sum(m.app_s for m, _ in xs) / max(sum(r.requests for _, r in xs), 1) * 1000,
            sum(m.db_s for m, _ in xs) / max(sum(r.requests for _, r in xs), 1) * 1000,
        )
        for label, xs in cpu.items()
    }
    for label, (app_ms, db_ms) in cpu_ms.items():
        note(f"{label}: CPU 每请求 应用 {app_ms:.2f} ms + 数据库 {db_ms:.2f} ms")
    note(f"负载 {os.getloadavg()[0]:.1f}（1 分钟平均，{os.cpu_count()} 核；比值才可比较，绝对值随负载变化）")
    # CPU per request decides throughput on a saturated machine and barely moves with other
    # people's load: the steadier of the two ratios.
    report(
        f"{name}.cpu_per_request",
        sum(cpu_ms["django"]),
        "ms",
        reference=sum(cpu_ms["reference"]),
        higher_is_better=False,
    )
    return Comparison(reference=ref_res, app=app_res, ratio=ratio, cpu_ms=cpu_ms)
