"""Daily reconciliation (对账) with each platform: what each side holds in force, compared item by
item through the digests of ``formats.digest`` (docs/platforms.md “对账”)."""

from __future__ import annotations

import logging

from jointcredit.common import clock
from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.lists.selectors import effective_q
from jointcredit.lists.services import entry_event_data
from jointcredit.records.exports import standard_fields
from jointcredit.records.models import License, Penalty, RecordState

from . import exchange_db, formats
from .models import InboundItem, InboundState, Platform, ReconciliationReport
from .transports import transport_for

logger = logging.getLogger(__name__)
RECORD_MODELS: dict[str, type[License] | type[Penalty]] = {"license": License, "penalty": Penalty}
ACTIONS = {
    "missing_up": "本区在效、平台未有：核对后补报该条目（更正重发或重新上报）",
    "missing_down": "平台在效、本区未有：核对下发记录，处理暂挂事项或请平台重新下发",
    "different": "双方内容不一致：以认定单位为准更正后重新上报或请平台重新下发",
}
RECORD_ACTIONS = {
    "missing_up": "本区在公示、平台未有：核对后重新上报该信息（被退回的请更正重发）",
    "missing_down": "平台仍在公示、本区已撤销：核对撤销记录，请平台撤下或重新上报撤销",
    "different": "双方内容不一致：核对后更正并重新上报",
}


def _district_side(
    platform: Platform, today
) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int | None, str]]]:
    """(district entries reported up, upstream entries applied here): key → (entry id, digest)."""
    in_force = ListEntry.objects.filter(state=EntryState.PUBLISHED).filter(effective_q(today))
    own = {}
    for entry in (
        in_force.filter(source_authority__isnull=True)
        .select_related("list_type", "list_type__memorandum", "subject", "department")
        .iterator(chunk_size=2000)
    ):
        row = formats.list_entry_row(entry_event_data(entry), dfbm=platform.region_code)
        own[row["MD_BH"]] = (entry.pk, formats.digest(row))
    live = set(in_force.values_list("pk", flat=True))
    down: dict[str, tuple[int | None, str]] = {}
    for item in InboundItem.objects.filter(
        platform=platform, kind="entry", state__in=(InboundState.APPLIED, InboundState.LINKED)
    ).only("item_key", "entry_id", "payload"):
        if item.entry_id in live:
            down[item.item_key] = (item.entry_id, formats.digest(item.payload))
    return own, down


def _district_records() -> dict[str, str]:
    """双公示 records the district holds as published (reported up as new/changed, not withdrawn):
    ``<record type>:<id>`` (the source key of what went up) → digest of its XK_/CF_ row."""
    out = {}
    for record_type, model in RECORD_MODELS.items():
        for record in (
            model.objects.filter(state=RecordState.PUBLISHED)
            .select_related("subject")
            .iterator(chunk_size=5000)
        ):
            out[f"{record_type}:{record.pk}"] = formats.record_digest(standard_fields(record), record_type)
    return out


def _is_record_key(key: str) -> bool:
    return key.partition(":")[0] in RECORD_MODELS


def reconciliation_run(*, platform: Platform) -> ReconciliationReport:
    """Raises ``TransportError``/``DatabaseError`` when the platform cannot be asked what it holds;
    only transports that can say (``reconciles``) are reconciled by the sweep."""
    everything = transport_for(platform).holdings() or {}
    holdings = {k: v for k, v in everything.items() if not _is_record_key(k)}
    record_holdings = {k: v for k, v in everything.items() if _is_record_key(k)}
    own, down = _district_side(platform, clock.today())
    records = _district_records()
    lines = []

    def line(key: str, problem: str, entry_id: int | None, detail: str) -> None:
        lines.append(
            {
                "key": key,
                "problem": problem,
                "entry_id": entry_id,
                "detail": detail,
                "action": ACTIONS[problem],
            }
        )

    def record_line(key: str, problem: str, detail: str) -> None:
        record_type, _, pk = key.partition(":")
        lines.append(
            {
                "key": key,
                "problem": problem,
                "entry_id": None,
                "record_type": record_type,
                "record_id": int(pk) if pk.isdigit() else None,
                "detail": detail,
                "action": RECORD_ACTIONS[problem],
            }
        )

    for key, digest in sorted(records.items()):
        held = record_holdings.get(key)
        if held is None:
            record_line(key, "missing_up", "本区在公示，平台未持有")
        elif held[1] != digest:
            record_line(key, "different", "文书号、主体标识、决定日期、状态或公示截止期不一致")
    for key in sorted(set(record_holdings) - set(records)):
        record_line(key, "missing_down", "平台仍持有，本区已撤销或未公示（撤销未上报？）")

    for key, (entry_id, digest) in sorted(own.items()):
        held = holdings.get(key)
        if held is None:
            line(key, "missing_up", entry_id, "本区条目在效，平台未持有")
        elif held[1] != digest:
            line(key, "different", entry_id, "认定文书号、日期或主体标识不一致")
    for key, (applied_id, applied_digest) in sorted(down.items()):
        held = holdings.get(key)
        if held is None:
            line(key, "missing_down", applied_id, "本区仍按下发条目执行，平台已不再持有（移出未送达？）")
        elif held[1] != applied_digest:
            line(key, "different", applied_id, "下发内容与平台现有内容不一致")
    for key, (origin, _) in sorted(holdings.items()):
        if key in own or key in down:
            continue
        if origin == exchange_db.HOLDING_DISTRICT:
            line(
                key,
                "missing_down",
                formats.entry_id_of(key, platform.region_code),
                "平台仍持有，本区条目已不在效（移出未上报？）",
            )
        else:
            line(key, "missing_down", None, "平台下发的条目本区未生效（暂挂或未收到）")
    report = ReconciliationReport.objects.create(
        platform=platform,
        run_at=clock.now(),
        district_count=len(own) + len(down),
        platform_count=len(holdings),
        district_record_count=len(records),
        platform_record_count=len(record_holdings),
        lines=lines,
    )
    if lines:
        logger.warning("与%s对账发现 %d 处差异（报告 %s）", platform.name, len(lines), report.pk)
    return report
