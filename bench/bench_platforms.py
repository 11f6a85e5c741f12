"""上下联动 through the exchange database (DESIGN.md §5: a large district's day, 10k items, in under a
minute end to end; the full initial load of 1M 双公示 records in under 10 minutes).

Real pieces only, on PostgreSQL: a fresh database (``BENCH_PLATFORMS_DB``, default
``jc_platforms_bench``) and its exchange database ``<name>_exchange`` (dropped and created by this
run), the platform simulator answering over the exchange tables, and the district's
``platform_exchange`` rounds.

1. up — ``BENCH_PLATFORMS_UP`` (default 10,000; quick 1,000) ``list_entry.published`` events are
   emitted through ``events_emit_bulk`` (business transactions of 1,000), then exchange rounds and
   simulator answers alternate until every item has its receipt: items/s from the first round to the
   last receipt recorded, and the lag (receipt recorded − event occurred) p50 / max.
2. https — ``BENCH_PLATFORMS_HTTPS`` (default as many as up) more events reported up through the
   HTTPS transport (ADR 0043: signed JSON, the simulator's API on a local socket answering each push,
   receipts pulled) by the same rounds: items/s, and its ratio to the 前置库 run of step 1.
3. down, a day — ``BENCH_PLATFORMS_DAY`` (default 10,000; quick 1,000) upstream entries issued by the
   simulator at once, then received and applied (``lists.services.list_entries_receive_upstream``:
   subjects resolved in bulk, entries, history, audit, events) with their outcome written back:
   seconds end to end (target < 60 s) and items/s.
4. down, bulk — ``BENCH_PLATFORMS_DOWN`` (default 100,000; quick 2,000) more entries the same way:
   items/s, peak RSS of the process.
5. records initial load — ``BENCH_PLATFORMS_RECORDS`` (default 1,000,000; quick 20,000) 行政处罚
   rows imported by ``jointcredit import penalties`` (not timed here: bench_records_import measures
   it), then reported up by a fresh platform whose feed cursor starts at 0 — the initial load — until
   every record has its receipt: seconds (target < 10 min for 1M), items/s, lag p50 / max, peak RSS.

Beyond the HTTPS-to-前置库 ratio there is no bare reference: the targets are absolute (DESIGN.md §5).
Each phase runs once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import harness as h

SCRIPT = r"""
import resource, statistics, sys, time, random, django
django.setup()
from datetime import timedelta
from django.db import transaction
from jointcredit.accounts.models import Department
from jointcredit.common import clock
from jointcredit.exchange.outbox import events_emit_bulk
from jointcredit.lists.services import list_types_seed
from jointcredit.platforms import exchange_db
from jointcredit.platforms.models import InboundItem, OutgoingItem, OutgoingState, Platform
from jointcredit.platforms.services import platform_exchange
from jointcredit.platforms.simulator import PlatformSimulator
from jointcredit.subjects import generators as gen
from jointcredit.exchange.models import OutboxEvent

up, day, down, https_n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(7)
office = Department.objects.create(
    code="fgj", name="区发改局", uscc=gen.uscc(rng, registry="1", org_type="1"), is_credit_office=True
)
# The department of the 双公示 records imported for the initial load (bench_records_import's).
Department.objects.create(code="bench", name="济南市历下区市场监督管理局", uscc=sys.argv[5])
list_types_seed()
exchange_db.schema_ensure()
platform = Platform.objects.create(code="jinan", name="信用济南", receiving_department=office)
sim = PlatformSimulator("jinan")
today = clock.today()

def payload(i):
    return {"entry_id": i, "state": "published", "subject_identifier": gen.uscc(rng),
            "subject_name": f"济南测试{i}有限公司",
            "subject_kind": "legal", "subject_id_type": "uscc", "list_type_code": "black_other",
            "list_type_name": "严重失信主体名单", "color": "black", "category": "black_other",
            "department_code": "scjgj", "department_name": "区市场监管局", "reason": "严重违法失信行为",
            "legal_basis": "《市场监督管理严重违法失信名单管理办法》第二条",
            "document_no": f"历市监认〔2026〕{i}号",
            "decided_on": str(today), "valid_from": str(today),
            "valid_until": str(today + timedelta(days=1095)),
            "published_at": None, "under_objection": False, "memorandum_code": None}

def emit(first, n):
    for start in range(first, first + n, 1000):
        with transaction.atomic():
            events_emit_bulk([dict(kind="list_entry.published", aggregate_type="list_entry", aggregate_id=i,
                                   data=payload(i), list_type_code="black_other")
                              for i in range(start, min(first + n, start + 1000))])

emit(1, up)
t0 = time.perf_counter()
rounds = 0
while OutgoingItem.objects.filter(state=OutgoingState.ACCEPTED).count() < up:
    platform_exchange(platform=platform, max_batches=100)
    sim.answer(limit=5000)
    rounds += 1
platform_exchange(platform=platform)
up_s = time.perf_counter() - t0
occurred = dict(OutboxEvent.objects.values_list("id", "occurred_at"))
lags = sorted(
    (r - occurred[e]).total_seconds() for e, r in OutgoingItem.objects.values_list("event_id", "receipt_at")
)
print(f"UP {up} {up_s:.3f} {statistics.median(lags):.3f} {lags[-1]:.3f} {rounds}", flush=True)

if https_n:
    import os
    from jointcredit.platforms.simulator_http import SimulatorServer

    os.environ["PLATFORM_BENCH_KEY"] = "bench-only-key-0123456789abcdef"
    server = SimulatorServer(PlatformSimulator("jinan"), b"bench-only-key-0123456789abcdef").start()
    saved = (platform.receipts_position, platform.incoming_position)
    Platform.objects.filter(pk=platform.pk).update(
        transport="https", settings={"url": server.url, "key_env": "PLATFORM_BENCH_KEY"},
        receipts_position=0, incoming_position=0,  # as transports.config does on a change of source
    )
    platform.refresh_from_db()
    emit(up + 1, https_n)
    t0 = time.perf_counter()
    rounds = 0
    while OutgoingItem.objects.filter(state=OutgoingState.ACCEPTED).count() < up + https_n:
        result = platform_exchange(platform=platform, max_batches=100)
        assert not result.get("failed"), Platform.objects.get(pk=platform.pk).last_error
        rounds += 1
    https_s = time.perf_counter() - t0
    server.stop()
    Platform.objects.filter(pk=platform.pk).update(
        transport="exchange_db", settings={}, receipts_position=saved[0], incoming_position=saved[1]
    )
    platform.refresh_from_db()
    print(f"HTTPS {https_n} {https_s:.3f} {rounds}")

serial = iter(range(10**9))

def issue(n):
    for start in range(0, n, 10_000):
        sim.issue_entries([
            dict(list_code="SXBZXR", identifier=gen.uscc(rng), name=f"济南被执行{i}有限公司",
                 subject_kind_label="法人及非法人组织", document_no=f"（2026）鲁0102执{i}号",
                 decided_on=today - timedelta(days=1), valid_until=today + timedelta(days=700),
                 reason="有履行能力而拒不履行生效法律文书确定的义务")
            for i in (next(serial) for _ in range(min(10_000, n - start)))
        ])

def receive(n):
    goal = InboundItem.objects.count() + n
    t0 = time.perf_counter()
    while (received := InboundItem.objects.count()) < goal:
        platform_exchange(platform=platform, max_batches=20)
        print(f"PROGRESS 下行 {received - goal + n}/{n} 条 {time.perf_counter() - t0:.0f} s", flush=True)
    return time.perf_counter() - t0

for label, n in (("DAY", day), ("DOWN", down)):
    t0 = time.perf_counter()
    issue(n)
    issued_s = time.perf_counter() - t0
    seconds = receive(n)
    applied = InboundItem.objects.filter(state="applied").count()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label} {n} {seconds:.3f} {applied} {issued_s:.3f} {rss:.0f}", flush=True)
"""

# After the penalties are imported: a platform configured now replays the whole feed (initial load).
RECORDS_SCRIPT = r"""
import resource, statistics, sys, time, django
django.setup()
from jointcredit.accounts.models import Department
from jointcredit.exchange.models import OutboxEvent
from jointcredit.platforms.models import OutgoingItem, OutgoingState, Platform
from jointcredit.platforms.services import platform_exchange
from jointcredit.platforms.simulator import PlatformSimulator

n = int(sys.argv[1])
office = Department.objects.get(code="fgj")
platform = Platform.objects.create(code="shandong", name="信用山东", receiving_department=office)
sim = PlatformSimulator("shandong")
records = OutgoingItem.objects.filter(platform=platform, item_type="penalty")
t0 = time.perf_counter()
rounds = 0
accepted = 0
while accepted < n:
    platform_exchange(platform=platform, max_batches=100)
    sim.answer(limit=20_000)
    rounds += 1
    accepted = records.filter(state=OutgoingState.ACCEPTED).count()
    elapsed = time.perf_counter() - t0
    rate = accepted / elapsed
    print(f"PROGRESS 双公示初始上报 {accepted}/{n} 条已回执 {elapsed:.0f} s（{rate:.0f} 条/秒）", flush=True)
platform_exchange(platform=platform)
seconds = time.perf_counter() - t0
occurred = dict(
    OutboxEvent.objects.filter(kind="record.published")
    .values_list("id", "occurred_at")
    .iterator(chunk_size=50_000)
)
lags = sorted(
    (r - occurred[e]).total_seconds()
    for e, r in records.values_list("event_id", "receipt_at").iterator(chunk_size=50_000)
)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
p50, worst = statistics.median(lags), lags[-1]
print(f"RECORDS {n} {seconds:.3f} {p50:.3f} {worst:.3f} {rounds} {rss:.0f}", flush=True)
"""


def _run(script: str, args: list, env: dict[str, str]) -> list[list[str]]:
    """Run a phase in a fresh process; its ``PROGRESS`` lines are shown as they come (a long run can
    be judged before it ends), the result lines are returned."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    results = []
    for line in proc.stdout:
        parts = line.split()
        if parts[:1] == ["PROGRESS"]:
            h.note(" ".join(parts[1:]))
        elif parts:
            results.append(parts)
    err = proc.stderr.read()
    if proc.wait() != 0:
        raise RuntimeError(err[-4000:])
    return results


def main(quick: bool = False) -> None:
    import psycopg

    from bench.bench_records_import import DEPT_USCC, generate

    up = int(os.environ.get("BENCH_PLATFORMS_UP", "1000" if quick else "10000"))
    day = int(os.environ.get("BENCH_PLATFORMS_DAY", "1000" if quick else "10000"))
    down = int(os.environ.get("BENCH_PLATFORMS_DOWN", "2000" if quick else "100000"))
    records = int(os.environ.get("BENCH_PLATFORMS_RECORDS", "20000" if quick else "1000000"))
    https_n = int(os.environ.get("BENCH_PLATFORMS_HTTPS", str(up)))
    name = os.environ.get("BENCH_PLATFORMS_DB", "jc_platforms_bench")
    with psycopg.connect(f"{h.PG_SERVER}/postgres", autocommit=True) as admin:
        for db in (name, f"{name}_exchange"):
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{db}"')
    db_url = f"{h.PG_SERVER}/{name}"
    env = h.django_env(db_url, DJANGO_SETTINGS_MODULE="jointcredit.config.settings")
    h.manage(["migrate", "--noinput", "-v", "0"], env=env)
    h.note(
        f"上行 {up} 条（前置库）+ {https_n} 条（HTTPS），下行 {day} + {down} 条，双公示初始上报 {records} 条"
        f"（PostgreSQL，前置库 {name}_exchange）"
    )
    up_rate = None
    for parts in _run(SCRIPT, [up, day, down, https_n, DEPT_USCC], env):
        if parts[:1] == ["HTTPS"]:
            n, seconds, rounds = int(parts[1]), float(parts[2]), parts[3]
            # reference: the 前置库 run of the same items in the same process (ratio ≥ 1: as fast)
            h.report("platforms.https.items_per_s", n / seconds, "items/s", reference=up_rate)
            h.report("platforms.https.end_to_end", seconds, f"s for {n} items ({rounds} rounds)")
        elif parts[:1] == ["UP"]:
            n, seconds, p50, worst, rounds = (
                int(parts[1]),
                float(parts[2]),
                float(parts[3]),
                float(parts[4]),
                parts[5],
            )
            up_rate = n / seconds
            h.report("platforms.up.items_per_s", up_rate, "items/s")
            h.report(
                "platforms.up.end_to_end",
                seconds,
                f"s for {n} items ({rounds} rounds; target < 60 s for 10k)",
            )
            h.report("platforms.up.lag.p50", p50, "s")
            h.report("platforms.up.lag.max", worst, "s")
        elif parts[:1] in (["DAY"], ["DOWN"]):
            label = "day" if parts[0] == "DAY" else "bulk"
            n, seconds, applied, issued, rss = (
                int(parts[1]),
                float(parts[2]),
                int(parts[3]),
                float(parts[4]),
                float(parts[5]),
            )
            target = "; target < 60 s for 10k" if label == "day" else ""
            h.report(
                f"platforms.down.{label}.items_per_s", n / seconds, f"items/s ({applied} applied so far)"
            )
            h.report(
                f"platforms.down.{label}.end_to_end", seconds, f"s for {n} items received and applied{target}"
            )
            h.note(f"模拟平台下发 {n} 条用时 {issued:.1f} s（不计入）；进程峰值内存 {rss:.0f} MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "penalties.csv"
        generate(path, records)
        t0 = time.perf_counter()
        h.manage(["import", "penalties", str(path), "--department", "bench", "--verbosity", "0"], env=env)
        h.note(
            f"导入 {records} 条行政处罚用时 {time.perf_counter() - t0:.1f} s"
            "（不计入，见 bench_records_import）"
        )
    for parts in _run(RECORDS_SCRIPT, [records], env):
        if parts[:1] == ["RECORDS"]:
            n, seconds, p50, worst, rounds, rss = (
                int(parts[1]),
                float(parts[2]),
                float(parts[3]),
                float(parts[4]),
                parts[5],
                float(parts[6]),
            )
            h.report("platforms.records_load.items_per_s", n / seconds, "items/s")
            h.report(
                "platforms.records_load.end_to_end",
                seconds,
                f"s for {n} records reported up with receipts ({rounds} rounds; target < 600 s for 1M)",
            )
            h.report("platforms.records_load.lag.p50", p50, "s")
            h.report("platforms.records_load.lag.max", worst, "s")
            h.report("platforms.records_load.peak_rss", rss, "MB")
