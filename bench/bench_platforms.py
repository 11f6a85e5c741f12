"""上下联动 through the exchange database (DESIGN.md §5: a large district's day, 10k items, in under a
minute end to end).

Real pieces only, on PostgreSQL: a fresh database ``jc_platforms_bench`` and its exchange database
``jc_platforms_bench_exchange`` (dropped and created by this run), the platform simulator answering
over the exchange tables, and the district's ``platform_exchange`` rounds.

1. up — ``BENCH_PLATFORMS_UP`` (default 10,000; quick 1,000) ``list_entry.published`` events are
   emitted through ``events_emit_bulk`` (business transactions of 1,000), then exchange rounds and
   simulator answers alternate until every item has its receipt: items/s from the first round to the
   last receipt recorded, and the lag (receipt recorded − event occurred) p50 / max.
2. https — ``BENCH_PLATFORMS_HTTPS`` (default as many as up) more events reported up through the
   HTTPS transport (ADR 0043: signed JSON, the simulator's API on a local socket answering each push,
   receipts pulled) by the same rounds: items/s, and its ratio to the 前置库 run of step 1.
3. down — ``BENCH_PLATFORMS_DOWN`` (default 2,000; quick 200; 0 skips it) upstream entries issued by
   the simulator are applied through ``lists.services.list_entry_receive_upstream`` (subject, entry,
   history, audit, event each): items/s.

``BENCH_PLATFORMS_DB`` names the database (default ``jc_platforms_bench``; its ``_exchange`` twin too).
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench import harness as h

SCRIPT = r"""
import statistics, sys, time, random, django
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

up, down, https_n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
office = Department.objects.create(
    code="fgj", name="区发改局", uscc=gen.uscc(rng, registry="1", org_type="1"), is_credit_office=True
)
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
print(f"UP {up} {up_s:.3f} {statistics.median(lags):.3f} {lags[-1]:.3f} {rounds}")

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

for i in range(down):
    sim.issue_entry(list_code="SXBZXR", identifier=gen.uscc(rng), name=f"济南被执行{i}有限公司",
                    subject_kind_label="法人及非法人组织", document_no=f"（2026）鲁0102执{i}号",
                    decided_on=today - timedelta(days=1), valid_until=today + timedelta(days=700),
                    reason="有履行能力而拒不履行生效法律文书确定的义务")
if down:
    t0 = time.perf_counter()
    while InboundItem.objects.count() < down:
        platform_exchange(platform=platform, max_batches=100)
    down_s = time.perf_counter() - t0
    applied = InboundItem.objects.filter(state="applied").count()
    print(f"DOWN {down} {down_s:.3f} {applied}")
"""


def main(quick: bool = False) -> None:
    import psycopg

    up = int(os.environ.get("BENCH_PLATFORMS_UP", "1000" if quick else "10000"))
    down = int(os.environ.get("BENCH_PLATFORMS_DOWN", "200" if quick else "2000"))
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
        f"上行 {up} 条（前置库）+ {https_n} 条（HTTPS），下行 {down} 条（PostgreSQL，前置库 {name}_exchange）"
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(up), str(down), str(https_n)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-4000:])
    up_rate = None
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["HTTPS"]:
            n, seconds, rounds = int(parts[1]), float(parts[2]), parts[3]
            # reference: the 前置库 run of the same items in the same process (ratio ≥ 1: as fast)
            h.report("platforms.https.items_per_s", n / seconds, "items/s", reference=up_rate)
            h.report("platforms.https.end_to_end", seconds, f"s for {n} items ({rounds} rounds)")
        if parts[:1] == ["UP"]:
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
        elif parts[:1] == ["DOWN"]:
            n, seconds, applied = int(parts[1]), float(parts[2]), int(parts[3])
            h.report("platforms.down.items_per_s", n / seconds, f"items/s ({applied} applied)")
            h.report("platforms.down.end_to_end", seconds, f"s for {n} items")
