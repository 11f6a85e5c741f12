"""Feed + webhook delivery benchmark (DESIGN.md §5: ≥ 2,000 events/s, lag p99 < 1 s).

Real pieces only: a publisher process emitting events through ``events_emit_bulk`` (the bulk
form of ``event_emit``) in business transactions of 50 events (the pump task is enqueued on
commit), ``jointcredit worker`` processes running the django-tasks database queue with their
default poll interval (sequencer, dispatcher, signed deliveries), and an HTTP receiver on
127.0.0.1 that verifies nothing but counts each event id once and notes its arrival time.

Two measurements:
1. throughput — publish ``events`` with the workers stopped, then start them and time the drain
   of the backlog (sequencing, fan-out and signed delivery; worker start-up included);
2. lag — publish at a steady ``BENCH_FEED_RATE`` (default 2,000/s); lag = arrival − occurred_at
   of each event (occurred_at is taken inside the transaction, so this overstates the true
   commit-to-arrival lag slightly).
Both run twice: with the default contract (one event per HTTP request) and with a subscription in
batch mode (``BENCH_FEED_BATCH`` events per signed request, default 50; 0 skips it).
Then the feed is read end to end over HTTP (gunicorn, limit=1000) for read throughput.

Size: ``main(events=100_000)`` or ``BENCH_FEED_EVENTS``; default 20,000 (quick: 4,000).
Each sender lane leases 250 due rows at a time and posts them over 8 keep-alive connections while
it claims the next batch; ``BENCH_FEED_INTERVAL`` sets the workers' poll interval (default: the
worker's own default, 1 s). The machine's load average is printed with the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import harness as h

WORKER_PROCESSES = int(os.environ.get("BENCH_FEED_WORKERS", "2"))
RATE = float(os.environ.get("BENCH_FEED_RATE", "2000"))
BATCH = int(os.environ.get("BENCH_FEED_BATCH", "50"))
INTERVAL = os.environ.get("BENCH_FEED_INTERVAL", "")
SECRET = "bench-webhook-secret-0123456789abcdef"  # noqa: S105 - throwaway

PUBLISHER = r"""
import os, sys, time, django
django.setup()
from django.db import transaction
from jointcredit.exchange.outbox import events_emit_bulk
total, per_tx, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
sent = 0
while sent < total:
    n = min(per_tx, total - sent)
    with transaction.atomic():
        events_emit_bulk([dict(kind="record.published", aggregate_type="record", aggregate_id=i,
                               data={"record_id": i, "CF_WSH": f"历市监罚〔2026〕{i}号",
                                     "CF_XDR_MC": "济南某某餐饮管理有限公司",
                                     "CF_CFLB": "罚款", "CF_NR_FK": "0.5"}) for i in range(sent, sent + n)])
    sent += n
    if rate > 0:
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
print(time.monotonic() - start)
"""


class Receiver:
    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.requests = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("X-JointCredit-Batch-Size"):
                    event_ids = [e["id"] for e in json.loads(body)["events"]]  # batch mode: ids in the body
                else:
                    event_ids = [self.headers.get("X-JointCredit-Event-Id", "")]
                now = time.time()
                with receiver.lock:
                    receiver.requests += 1
                    for event_id in event_ids:
                        receiver.arrivals.setdefault(event_id, now)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/jointcredit/events"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def ensure_database() -> str:
    name = os.environ.get("BENCH_FEED_DB", "jc_bench_feed")
    db_url = f"{h.PG_SERVER}/{name}"
    if not h.sql(f"{h.PG_SERVER}/postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [name]):
        h.sql(f"{h.PG_SERVER}/postgres", f'CREATE DATABASE "{name}"')
    h.manage(["migrate", "--no-input", "-v", "0"], env=h.django_env(db_url))
    return db_url


def reset(db_url: str, receiver_url: str, batch_size: int = 1) -> None:
    h.sql(
        db_url,
        "TRUNCATE exchange_delivery, exchange_feedback, exchange_push_measures, exchange_push, "
        "exchange_subscription, exchange_feedcursor, exchange_outboxevent, "
        "django_tasks_database_dbtaskresult CASCADE",
    )
    h.sql(
        db_url,
        "INSERT INTO accounts_department (code, name, is_initiating, is_cooperating, is_credit_office, "
        "is_active, created_at) VALUES ('bench_feed', '历下区基准部门', true, true, true, true, now()) "
        "ON CONFLICT (code) DO NOTHING",
    )
    h.sql(
        db_url,
        "INSERT INTO exchange_subscription (department_id, name, url, secret, event_kinds, list_type_codes, "
        "batch_size, is_active, created_at) SELECT id, 'bench receiver', %s, %s, '[]', '[]', %s, true, "
        "now() FROM accounts_department WHERE code = 'bench_feed'",
        [receiver_url, SECRET, batch_size],
    )


def occurred(db_url: str) -> dict[str, float]:
    rows = h.sql(db_url, "SELECT id::text, extract(epoch from occurred_at) FROM exchange_outboxevent")
    return {r[0]: float(r[1]) for r in rows}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def _workers(env: dict, label: str) -> list[subprocess.Popen]:
    h.LOG_DIR.mkdir(parents=True, exist_ok=True)
    interval = ["--interval", INTERVAL] if INTERVAL else []
    return [
        subprocess.Popen(
            [h.JOINTCREDIT, "worker", "--no-startup-delay", "--no-reload", *interval, "-v", "0"],
            env=env,
            cwd=h.ROOT,
            start_new_session=True,
            stdout=open(h.LOG_DIR / f"feed-worker-{label}-{i}.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        for i in range(WORKER_PROCESSES)
    ]


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(10)
        except subprocess.TimeoutExpired:
            w.kill()


def _publish(env: dict, events: int, rate: float) -> float:
    publish = subprocess.run(
        [sys.executable, "-c", PUBLISHER, str(events), "50", str(rate)],
        env=env,
        cwd=h.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if publish.returncode != 0:
        raise RuntimeError(f"发布进程失败：{publish.stderr[-2000:]}")
    return float(publish.stdout.strip().splitlines()[-1])


def _wait_all(receiver: Receiver, events: int, label: str) -> None:
    deadline = time.monotonic() + max(120.0, events / 200)
    while len(receiver.arrivals) < events and time.monotonic() < deadline:
        time.sleep(0.05)
    if len(receiver.arrivals) < events:
        raise RuntimeError(f"{label}: 只送达 {len(receiver.arrivals)}/{events} 个事件")


def run_phase(
    db_url: str, receiver: Receiver, *, events: int, rate: float, label: str, batch_size: int = 1
) -> dict:
    """``rate == 0``: publish the whole backlog first, then start the workers and time the drain
    (delivery capacity, independent of how fast one publisher can write). ``rate > 0``: workers
    running, publisher paced at ``rate``; lag per event."""
    env = h.django_env(
        db_url, JOINTCREDIT_WEBHOOK_CONCURRENCY="8", DJANGO_SETTINGS_MODULE="jointcredit.config.settings"
    )
    reset(db_url, receiver.url, batch_size)
    receiver.arrivals.clear()
    receiver.requests = 0
    if rate == 0:
        publish_s = _publish(env, events, 0)
        workers = _workers(env, label)
        try:
            started = time.time()  # includes worker start-up (~1 s): a conservative figure
            while not receiver.arrivals and time.time() - started < 120:
                time.sleep(0.01)
            # CPU from the first delivery on: worker processes (incl. their sender threads) and this
            # process (the receiver's threads; the main thread only sleeps).
            worker_cpu0, receiver_cpu0 = h._cpu_seconds([w.pid for w in workers]), time.process_time()
            _wait_all(receiver, events, label)
            worker_cpu = h._cpu_seconds([w.pid for w in workers]) - worker_cpu0
            receiver_cpu = time.process_time() - receiver_cpu0
        finally:
            _stop(workers)
        first, last = min(receiver.arrivals.values()), max(receiver.arrivals.values())
        return {
            "events": events,
            "publish_s": publish_s,
            "publish_rate": events / publish_s,
            "delivered_rate": events / (last - first),
            "with_startup_rate": events / (last - started),
            "requests": receiver.requests,
            "worker_ms": worker_cpu / events * 1000,
            "receiver_ms": receiver_cpu / events * 1000,
        }
    workers = _workers(env, label)
    try:
        time.sleep(1.0)  # workers up (imports, first connection) before the clock starts
        publish_s = _publish(env, events, rate)
        _wait_all(receiver, events, label)
    finally:
        _stop(workers)
    occurred_at = occurred(db_url)
    lags = [receiver.arrivals[i] - occurred_at[i] for i in occurred_at]
    first, last = min(occurred_at.values()), max(receiver.arrivals.values())
    return {
        "events": events,
        "publish_s": publish_s,
        "publish_rate": events / publish_s,
        "delivered_rate": events / (last - first),
        "lag_p50": percentile(lags, 50),
        "lag_p99": percentile(lags, 99),
        "lag_max": max(lags),
        "requests": receiver.requests,
    }


def feed_read(db_url: str, events: int) -> float:
    env = h.django_env(db_url)
    h.manage(
        [
            "shell",
            "-c",
            "from jointcredit.accounts.models import *; d=Department.objects.get(code='bench_feed');"
            "User.objects.filter(username='bench_feed').exists() or User.objects.create_user("
            "username='bench_feed', department=d, roles=['office_admin'], password=None)",
        ],
        env=env,
    )
    token = h.api_token(db_url, username="bench_feed")
    with h.django_server(env, workers=2, label="feed") as base:
        start, after, seen = time.monotonic(), 0, 0
        while True:
            req = urllib.request.Request(
                f"{base}/api/v1/feed?after={after}&limit=1000", headers={"Authorization": f"Bearer {token}"}
            )
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - loopback
                body = json.loads(r.read())
            if not body["events"]:
                break
            seen += len(body["events"])
            after = body["next_after"]
        elapsed = time.monotonic() - start
    if seen != events:
        raise RuntimeError(f"读取事件流得到 {seen} 个事件，应为 {events}")
    return seen / elapsed


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(db_url: str, receiver: Receiver, *, events: int, quick: bool, batch_size: int) -> int:
    mode = "逐个事件" if batch_size == 1 else f"批量模式（每请求 ≤ {batch_size} 个事件）"
    suffix = "" if batch_size == 1 else ".batch"
    burst = run_phase(db_url, receiver, events=events, rate=0, label=f"burst{suffix}", batch_size=batch_size)
    h.note(
        f"[{mode}] 积压 {events:,} 个事件（发布 {burst['publish_rate']:.0f}/s）后启动 worker：送达 "
        f"{burst['delivered_rate']:.0f}/s（首个至最后一个送达；"
        f"含 worker 启动 {burst['with_startup_rate']:.0f}/s），"
        f"HTTP 请求 {burst['requests']}；每事件 CPU：worker {burst['worker_ms']:.2f} ms，接收端 "
        f"{burst['receiver_ms']:.2f} ms；负载 {load_average()}"
    )
    h.report(f"feed.delivery.throughput{suffix}", burst["delivered_rate"], "events/s", reference=2000)
    steady_n = min(events, int(RATE * (10 if quick else 30)))
    steady = run_phase(
        db_url, receiver, events=steady_n, rate=RATE, label=f"steady{suffix}", batch_size=batch_size
    )
    h.note(
        f"[{mode}] 稳态目标 {RATE:.0f}/s × {steady_n:,}（实际发布 {steady['publish_rate']:.0f}/s）：送达 "
        f"{steady['delivered_rate']:.0f}/s，延迟 p50 {steady['lag_p50'] * 1000:.0f} ms，p99 "
        f"{steady['lag_p99'] * 1000:.0f} ms，最大 {steady['lag_max'] * 1000:.0f} ms；"
        f"HTTP 请求 {steady['requests']}；"
        f"负载 {load_average()}"
    )
    h.report(
        f"feed.delivery.lag_p99{suffix}",
        steady["lag_p99"] * 1000,
        "ms",
        reference=1000,
        higher_is_better=False,
    )
    return steady_n


def main(quick: bool = False, events: int | None = None) -> None:
    events = events or int(os.environ.get("BENCH_FEED_EVENTS", "4000" if quick else "20000"))
    db_url = ensure_database()
    receiver = Receiver()
    try:
        h.note(
            f"{events:,} 个事件；{WORKER_PROCESSES} 个 worker 进程；每个投递任务 8 个长连接；"
            "接收端 127.0.0.1；"
            f"{os.cpu_count()} 核，负载 {load_average()}"
        )
        steady_n = measure(db_url, receiver, events=events, quick=quick, batch_size=1)
        h.report("feed.read", feed_read(db_url, steady_n), "events/s")
        if BATCH > 1:
            measure(db_url, receiver, events=events, quick=quick, batch_size=BATCH)
    finally:
        receiver.close()


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
