"""Writes of 上下联动 (ADR 0038, docs/platforms.md).

Up (上行): ``outgoing_stage_step`` turns outbox events into ``OutgoingItem`` rows in the same
transaction that advances the platform's feed cursor (exactly once per change, nothing lost on a
crash); ``outgoing_send_step`` writes staged items to the exchange database (idempotent by key);
``receipts_pull_step`` records the platform's receipts. Down (下行): ``inbound_pull_step`` applies
the platform's items through the lists services, once per item key, and holds what cannot be
applied for a clerk. ``platform_exchange`` runs one round of all four.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Q

from jointcredit.accounts.permissions import ensure_can_write, ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.casework.models import ReceiptSource, TargetType
from jointcredit.casework.receipts import events_since, receipts_create
from jointcredit.casework.targets import Target
from jointcredit.common import clock
from jointcredit.common.bulk import models_insert
from jointcredit.common.errors import Conflict, DomainError, NotFound, ValidationFailed
from jointcredit.common.validation import clean_text
from jointcredit.exchange.models import Feedback, FeedCursor, OutboxEvent
from jointcredit.exchange.sequencer import sequence_all
from jointcredit.exchange.services import feedback_event_data
from jointcredit.lists.models import AuthorityLevel, ListEntry, ListType
from jointcredit.lists.services import (
    UpstreamItem,
    UpstreamOutcome,
    entry_event_data,
    list_entries_receive_upstream,
    list_entry_end_upstream,
    list_entry_receive_upstream,
    outside_authority_upsert,
)
from jointcredit.records.exports import standard_fields
from jointcredit.records.fields import SUBJECT_KIND_BY_LABEL
from jointcredit.records.models import License, Penalty, PublicRecord
from jointcredit.records.services import record_end_upstream

from . import exchange_db, formats
from .models import InboundItem, InboundKind, InboundState, OutgoingItem, OutgoingState, Platform
from .receipts import outgoing_receipts_record
from .transports import TransportError, retry_delay, transport_for

logger = logging.getLogger(__name__)
BATCH = 1000
RECORD_MODELS: dict[str, type[License] | type[Penalty]] = {"license": License, "penalty": Penalty}
END_REASONS = {
    InboundKind.REMOVAL: "revoked",
    InboundKind.REPAIR: "repaired",
    InboundKind.CORRECTION: "corrected",
}
STATUS_FLAGS = {
    InboundState.APPLIED: exchange_db.IN_APPLIED,
    InboundState.LINKED: exchange_db.IN_APPLIED,
    InboundState.HELD: exchange_db.IN_HELD,
    InboundState.REJECTED: exchange_db.IN_REJECTED,
}


# --- up: stage, send, receipts ------------------------------------------------------------------------
def _record_rows(events: list[OutboxEvent]) -> dict[tuple[str, str], dict]:
    """Standard XK_/CF_ rows of the records the events name, loaded per type in one query."""
    ids: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.aggregate_type in RECORD_MODELS and e.aggregate_id.isdigit():
            ids[e.aggregate_type].add(int(e.aggregate_id))
    rows = {}
    for record_type, pks in ids.items():
        for pk, record in RECORD_MODELS[record_type].objects.select_related("subject").in_bulk(pks).items():
            rows[(record_type, str(pk))] = standard_fields(record)
    return rows


def _upstream_keys(platform: Platform, events: list[OutboxEvent]) -> dict[int, str]:
    """entry id → the platform's own MD_BH, for the upstream entries that feedback events name (the
    platform knows the entries it issued by its key, not by the district's number)."""
    ids = {
        int(e.payload["entry_id"])
        for e in events
        if e.kind == "feedback.recorded" and str((e.payload or {}).get("entry_id", "")).isdigit()
    }
    if not ids:
        return {}
    return dict(
        InboundItem.objects.filter(platform=platform, kind=InboundKind.ENTRY, entry_id__in=ids)
        .order_by("id")
        .values_list("entry_id", "item_key")
    )


def _entry_key(platform: Platform, entry_id: int, upstream_keys: dict[int, str]) -> str:
    return upstream_keys.get(entry_id) or formats.entry_key(platform.region_code, entry_id)


def _item_of(
    platform: Platform, event: OutboxEvent, record_rows: dict, upstream_keys: dict[int, str]
) -> OutgoingItem | None:
    item_type, action = formats.EVENT_ITEMS[event.kind]
    data = event.payload or {}
    if item_type == formats.LIST_ENTRY:
        if data.get("source_authority_code"):
            return None  # the platform issued it: it is not the district's to report
        row = formats.list_entry_row(data, dfbm=platform.region_code)
        source_key = f"list_entry:{data['entry_id']}"
    elif item_type == formats.FEEDBACK:
        row = formats.feedback_row(
            data,
            dfbm=platform.region_code,
            entry_key_of=_entry_key(platform, int(data["entry_id"]), upstream_keys),
        )
        source_key = f"feedback:{data['feedback_id']}"
    elif item_type == formats.REPAIR:
        row = formats.repair_row(data, dfbm=platform.region_code)
        source_key = f"repair:{data['repair_id']}"
    else:
        item_type = event.aggregate_type
        found = record_rows.get((item_type, event.aggregate_id))
        if found is None:
            return None
        row = dict(found)
        source_key = f"{item_type}:{event.aggregate_id}"
    row.update(DFBM=platform.region_code, SJC=exchange_db.sjc(event.occurred_at))
    return OutgoingItem(
        platform=platform,
        idempotency_key=f"{platform.code}:{event.id}",
        event_id=event.id,
        item_type=item_type,
        action=action,
        source_key=source_key,
        department_id=event.department_id,
        payload=row,
        staged_at=clock.now(),
    )


def outgoing_stage_step(*, platform: Platform, limit: int = BATCH) -> int:
    """Stage the reportable events past the platform's cursor and advance it, in one transaction."""
    FeedCursor.objects.get_or_create(name=platform.feed_cursor_name)
    with transaction.atomic():
        cursor = FeedCursor.objects.select_for_update().get(name=platform.feed_cursor_name)
        positions = list(
            OutboxEvent.objects.filter(position__gt=cursor.position)
            .order_by("position")
            .values_list("position", flat=True)[:limit]
        )
        if not positions:
            return 0
        events = list(
            OutboxEvent.objects.filter(
                position__gt=cursor.position, position__lte=positions[-1], kind__in=formats.EVENT_ITEMS
            ).order_by("position")
        )
        record_rows, upstream_keys = _record_rows(events), _upstream_keys(platform, events)
        items = [
            i for i in (_item_of(platform, e, record_rows, upstream_keys) for e in events) if i is not None
        ]
        # Exactly once: the cursor advances in this transaction and under its lock, so no other
        # stager can write these events' items (their keys are unique all the same).
        models_insert(items)
        cursor.position = positions[-1] or cursor.position
        cursor.save(update_fields=["position", "updated_at"])
    return len(items)


def outgoing_send_step(*, platform: Platform, limit: int = BATCH) -> int:
    """Hand staged items to the platform's transport, then mark them sent. A crash in between re-sends
    them next time, and the platform's unique key makes that a no-op."""
    items = list(platform.outgoing.filter(state=OutgoingState.STAGED).order_by("id")[:limit])
    if not items:
        return 0
    transport_for(platform).send(items)
    OutgoingItem.objects.filter(pk__in=[i.pk for i in items], state=OutgoingState.STAGED).update(
        state=OutgoingState.SENT, sent_at=clock.now()
    )
    return len(items)


def receipts_pull_step(*, platform: Platform, limit: int = BATCH) -> dict[str, int]:
    """Record the platform's receipts past the platform's receipt position (one audit row per batch,
    ADR 0024; the items keep the per-item outcome)."""
    with transaction.atomic():
        platform = Platform.objects.select_for_update().get(pk=platform.pk)
        receipts = transport_for(platform).receipts_after(platform.receipts_position, limit=limit)
        if not receipts:
            return {"accepted": 0, "rejected": 0}
        counts, rejected_keys = outgoing_receipts_record(
            platform=platform, receipts=[(key, result, reason) for _, key, result, reason, _ in receipts]
        )
        platform.receipts_position = receipts[-1][0]
        platform.save(update_fields=["receipts_position"])
        audit_record(
            actor=None,
            action="platform.receipts_record",
            obj=platform,
            department=platform.receiving_department,
            after={**counts, "rejected_keys": rejected_keys[:100], "position": platform.receipts_position},
        )
    return counts


def _rebuilt_row(item: OutgoingItem) -> dict:
    """The item's row from the current state of what it reports (after the department corrected it)."""
    kind, _, pk = item.source_key.partition(":")
    platform = item.platform
    if kind == formats.LIST_ENTRY:
        entry = ListEntry.objects.select_related(
            "list_type", "subject", "department", "source_authority"
        ).get(pk=pk)
        row = formats.list_entry_row(entry_event_data(entry), dfbm=platform.region_code)
    elif kind in RECORD_MODELS:
        row = standard_fields(RECORD_MODELS[kind].objects.select_related("subject").get(pk=pk))
    elif kind == formats.FEEDBACK:
        fb = Feedback.objects.select_related("push", "department", "measure").get(pk=pk)
        entry_key = (
            InboundItem.objects.filter(platform=platform, kind=InboundKind.ENTRY, entry_id=fb.entry_id)
            .values_list("item_key", flat=True)
            .first()
        )
        row = formats.feedback_row(
            feedback_event_data(fb, push=fb.push),
            dfbm=platform.region_code,
            entry_key_of=entry_key or formats.entry_key(platform.region_code, fb.entry_id),
        )
    else:
        row = {k: v for k, v in item.payload.items() if k not in ("DFBM", "SJC")}
    return {**row, "DFBM": platform.region_code, "SJC": exchange_db.sjc()}


def outgoing_item_resend(*, item: OutgoingItem, actor) -> OutgoingItem:
    """更正后重发: a rejected item goes up again, rebuilt from the current data, under a new key."""
    ensure_can_write(actor, item.department or item.platform.receiving_department)
    with transaction.atomic():
        item = OutgoingItem.objects.select_for_update(of=("self",)).select_related("platform").get(pk=item.pk)
        if item.state != OutgoingState.REJECTED:
            raise Conflict(
                f"只有被退回的上报事项可以更正重发，当前状态为“{item.get_state_display()}”。",
                details=[{"field": "state", "rule": "rejected", "state": item.state}],
            )
        base = item.idempotency_key.split("#", 1)[0]
        attempt = OutgoingItem.objects.filter(idempotency_key__startswith=f"{base}#").count() + 1
        again = OutgoingItem.objects.create(
            platform=item.platform,
            idempotency_key=f"{base}#{attempt}",
            event_id=item.event_id,
            item_type=item.item_type,
            action=item.action,
            source_key=item.source_key,
            department_id=item.department_id,
            payload=_rebuilt_row(item),
            resend_of=item,
            staged_at=clock.now(),
        )
        item.state = OutgoingState.RESENT
        item.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="platform.outgoing_resend",
            obj=item,
            department=item.department,
            before={"state": OutgoingState.REJECTED, "rejection_reason": item.rejection_reason},
            after={"state": OutgoingState.RESENT, "resent_as": again.idempotency_key},
        )
    return again


# --- down: incoming items -----------------------------------------------------------------------------
def _authority(row: exchange_db.IncomingRow):
    level = row.authority_level if row.authority_level in AuthorityLevel.values else AuthorityLevel.CITY
    return outside_authority_upsert(
        actor=None, code=row.authority_code, name=row.authority_name, level=level, region_code=row.dfbm
    )


def _list_type_for(
    platform: Platform, code: str, cache: dict[str, ListType | None] | None = None
) -> ListType | None:
    """The district's list type for a national list code; ``cache`` (one per batch) makes it one query
    per code, and one ListType (with its memorandum) shared by the batch's entries."""
    cache = {} if cache is None else cache
    if code not in cache:
        mapping = {**formats.NATIONAL_LIST_TYPES, **(platform.settings or {}).get("list_types", {})}
        cache[code] = (
            ListType.objects.select_related("memorandum").filter(code=mapping.get(code, code)).first()
        )
    return cache[code]


def _parse_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _upstream_item(platform: Platform, item: InboundItem, types: dict | None = None) -> UpstreamItem:
    """The lists service's input from a delivered MD_* row (raises ValidationFailed when the row
    breaks the format or names a list the district does not map)."""
    row = item.payload
    if item.authority is None:
        raise ValidationFailed.single("authority_code", "required", "下发事项缺少认定单位。")
    problems = formats.list_entry_problems(row)
    if problems:
        raise ValidationFailed.single("payload", "format", "；".join(problems))
    list_type = _list_type_for(platform, row["MD_LX"], types)
    if list_type is None:
        raise ValidationFailed.single(
            "MD_LX", "mapping", f"名单类型代码 MD_LX“{row['MD_LX']}”无法对应本区名单类型。"
        )
    return UpstreamItem(
        authority=item.authority,
        list_type=list_type,
        identifier=formats.subject_identifier(row),
        name=row["MD_XDR_MC"],
        kind=SUBJECT_KIND_BY_LABEL.get(row["MD_XDR_LB"]),
        reason=row.get("MD_LRSY") or "",
        legal_basis=row.get("MD_RDYJ") or "",
        document_no=row["MD_RDWSH"],
        decided_on=_parse_date(row["MD_RDRQ"]),
        valid_from=_parse_date(row.get("MD_YXQZ") or ""),
        valid_until=_parse_date(row["MD_YXQZI"]),
    )


def _outcome_set(item: InboundItem, outcome: UpstreamOutcome) -> None:
    if outcome.error is not None:
        item.entry, item.state, item.reason = None, InboundState.HELD, outcome.error.message
        return
    item.entry = outcome.entry
    item.state = InboundState.APPLIED if outcome.created else InboundState.LINKED
    item.reason = (
        "" if outcome.created else f"与本区条目 {item.entry.pk} 为同一认定，已关联，不重复列入。"  # type: ignore[union-attr]
    )


def _entries_apply(platform: Platform, items: list[InboundItem]) -> None:
    """Apply delivered entries as one batch of the lists service (the same rules as one item, set-
    based). Should the batch as a whole fail on a rule (not per item), each item is applied alone so
    one item cannot hold up the others."""
    if not items:
        return
    ready: list[tuple[InboundItem, UpstreamItem]] = []
    types: dict[str, ListType | None] = {}
    for item in items:
        try:
            ready.append((item, _upstream_item(platform, item, types)))
        except DomainError as exc:
            item.entry, item.state, item.reason = None, InboundState.HELD, exc.message
    try:
        with transaction.atomic():
            outcomes = list_entries_receive_upstream(
                actor=None, department=platform.receiving_department, items=[u for _, u in ready]
            )
    except DomainError:
        for item, upstream in ready:
            try:
                with transaction.atomic():
                    (outcome,) = list_entries_receive_upstream(
                        actor=None, department=platform.receiving_department, items=[upstream]
                    )
            except DomainError as exc:
                outcome = UpstreamOutcome(error=exc)
            _outcome_set(item, outcome)
        return
    for (item, _), outcome in zip(ready, outcomes, strict=True):
        _outcome_set(item, outcome)


def _apply(platform: Platform, item: InboundItem, *, actor, known: dict | None = None) -> None:
    """Apply one item (raises DomainError when it cannot be applied as it stands)."""
    row = item.payload
    if item.kind == InboundKind.ENTRY:
        entry, created = list_entry_receive_upstream(
            actor=actor, department=platform.receiving_department, **vars(_upstream_item(platform, item))
        )
        _outcome_set(item, UpstreamOutcome(entry=entry, created=created))
        return
    if item.authority is None:
        raise ValidationFailed.single("authority_code", "required", "下发事项缺少认定单位。")
    reason = END_REASONS[InboundKind(item.kind)]
    note = row.get("MD_YCSM") or row.get("MD_YCYY") or ""
    started = clock.now()
    if (row.get("XF_DXLX") or "").strip():
        record = _target_record(row)
        record, ended = record_end_upstream(
            actor=actor, record=record, authority_name=item.authority.name, reason=reason, note=note
        )
        item.record_type, item.record_id = record.record_type, record.pk
        target = Target(record.record_type, record)
        item.reason = "" if ended else "该信息此前已撤销或已结束公示，无需处理。"
    else:
        target_key = (row.get("MD_BH") or "").strip()
        found = _target_entry(platform, target_key, known or {})
        if found is None:
            raise NotFound(f"找不到 MD_BH“{target_key}”对应的名单条目。")
        entry, ended = list_entry_end_upstream(
            entry=found, actor=actor, authority=item.authority, reason=reason, note=note
        )
        item.entry = entry
        target = Target(TargetType.LIST_ENTRY, entry)
        item.reason = "" if ended else "条目此前已移出，无需处理。"
    item.state = InboundState.APPLIED
    if ended:
        # 修复/更正结果同步回执, as a local repair opens them: every department that received the entry
        # or the record confirms it stopped acting on it.
        if item.pk is None:
            item.save()
        receipts_create(
            source_type=ReceiptSource.PLATFORM,
            source_id=item.pk,
            target=target,
            event_ids=events_since(target, started),
        )


def _target_record(row: dict) -> PublicRecord:
    """The 双公示 record an end item names: its type and 决定文书号, and the organ's USCC when two
    departments used the same number."""
    kind = formats.RECORD_TARGETS.get((row.get("XF_DXLX") or "").strip())
    number = (row.get("XF_DXBH") or "").strip()
    if kind is None:
        raise ValidationFailed.single(
            "XF_DXLX", "choice", f"对象类型 XF_DXLX“{row.get('XF_DXLX')}”必须是行政处罚或行政许可。"
        )
    if not number:
        raise ValidationFailed.single("XF_DXBH", "required", "对象编号 XF_DXBH（决定文书号）不能为空。")
    found = RECORD_MODELS[kind].objects.select_related("subject", "department").filter(doc_no=number)
    organ = (row.get("XF_JGDM") or "").strip()
    if organ:
        found = found.filter(organ_code=organ)
    records = list(found[:2])
    if not records:
        raise NotFound(f"找不到决定文书号“{number}”的{formats.ITEM_TYPES[kind]}信息。")
    if len(records) > 1:
        raise ValidationFailed.single(
            "XF_JGDM", "ambiguous", f"决定文书号“{number}”对应多条信息，请提供决定机关代码 XF_JGDM。"
        )
    return records[0]


def _target_entry(platform: Platform, key: str, known: dict[str, InboundItem]) -> ListEntry | None:
    """The entry an end item names: an upstream entry by its item key (delivered earlier, or earlier
    in the same pull), else a district entry by ``<DFBM>-<id>``."""
    earlier = known.get(key)
    if earlier is not None and earlier.kind == InboundKind.ENTRY and earlier.entry_id:
        return ListEntry.objects.filter(pk=earlier.entry_id).first()
    linked = (
        InboundItem.objects.filter(
            platform=platform, item_key=key, kind=InboundKind.ENTRY, entry__isnull=False
        )
        .values_list("entry_id", flat=True)
        .first()
    )
    entry_id = linked or formats.entry_id_of(key, platform.region_code)
    return ListEntry.objects.filter(pk=entry_id).first() if entry_id else None


def _received(platform: Platform, row: exchange_db.IncomingRow, authorities: dict) -> InboundItem:
    """The item as delivered, with its issuer (kept even when the item is held: the clerk sees who
    sent it); held at once when its kind is unknown or its issuer cannot be registered."""
    item = InboundItem(
        platform=platform,
        item_key=row.item_key,
        incoming_row_id=row.id,
        kind=row.item_kind if row.item_kind in InboundKind.values else InboundKind.ENTRY,
        payload=row.payload,
        received_at=clock.now(),
        state="",
    )
    try:
        if row.item_kind not in InboundKind.values:
            raise ValidationFailed.single("item_kind", "choice", f"下发类别“{row.item_kind}”不受支持。")
        key = (row.authority_code, row.authority_name, row.authority_level, row.dfbm)
        if key not in authorities:
            authorities[key] = _authority(row)
        item.authority = authorities[key]
    except DomainError as exc:
        item.state, item.reason = InboundState.HELD, exc.message
    return item


def inbound_pull_step(*, platform: Platform, limit: int = BATCH) -> dict[str, int]:
    """Apply incoming rows past the platform's position, each item key once, in one transaction with
    the position; then write each row's outcome back to the exchange database. Consecutive entries
    are applied as one batch (``lists.services.list_entries_receive_upstream``); a removal, repair or
    correction is applied in delivery order after the entries before it."""
    counts: dict[str, int] = defaultdict(int)
    with transaction.atomic():
        platform = (
            Platform.objects.select_for_update().select_related("receiving_department").get(pk=platform.pk)
        )
        rows = transport_for(platform).incoming_after(platform.incoming_position, limit=limit)
        if not rows:
            return {}
        known = {
            i.item_key: i
            for i in InboundItem.objects.filter(platform=platform, item_key__in={r.item_key for r in rows})
        }
        new: list[InboundItem] = []
        entries: list[InboundItem] = []
        authorities: dict = {}
        for row in rows:
            if row.item_key in known:
                counts["duplicate"] += 1
                continue
            item = known[row.item_key] = _received(platform, row, authorities)
            new.append(item)
            if item.state:  # held on receipt
                continue
            if item.kind == InboundKind.ENTRY:
                entries.append(item)
                continue
            _entries_apply(platform, entries)  # what came before the end item, first
            entries = []
            try:
                with transaction.atomic():
                    _apply(platform, item, actor=None, known=known)
            except DomainError as exc:
                item.entry, item.state, item.reason = None, InboundState.HELD, exc.message
                item.record_type, item.record_id = "", None
                if item.pk is not None:  # saved for its receipts, which rolled back with it
                    item.pk = None
        _entries_apply(platform, entries)
        for item in new:
            if item.pk is not None:  # an end item saved for its receipts: its outcome
                item.save()
        models_insert([i for i in new if i.pk is None])
        for item in new:
            counts[str(item.state)] += 1
        written = [
            (row.id, STATUS_FLAGS[InboundState(known[row.item_key].state)], known[row.item_key].reason)
            for row in rows
        ]
        platform.incoming_position = rows[-1].id
        platform.save(update_fields=["incoming_position"])
        audit_record(
            actor=None,
            action="platform.inbound_receive",
            obj=platform,
            department=platform.receiving_department,
            after={**counts, "position": platform.incoming_position},
        )
    transport_for(platform).incoming_status_write(written)
    InboundItem.objects.filter(platform=platform, incoming_row_id__in=[r for r, _, _ in written]).update(
        status_written=True
    )
    return dict(counts)


def _held(item: InboundItem) -> InboundItem:
    item = (
        InboundItem.objects.select_for_update(of=("self",))
        .select_related("platform", "authority")
        .get(pk=item.pk)
    )
    if item.state != InboundState.HELD:
        raise Conflict(
            f"只有暂挂的下发事项可以处理，当前状态为“{item.get_state_display()}”。",
            details=[{"field": "state", "rule": "held", "state": item.state}],
        )
    return item


def inbound_item_apply(*, item: InboundItem, actor, corrections: dict[str, str] | None = None) -> InboundItem:
    """A clerk of the receiving department corrects a held item's fields (e.g. the subject's
    identifier as the authority confirmed it) and applies it; an error is shown, the item stays held."""
    ensure_can_write(actor, item.platform.receiving_department)
    allowed = set(formats.LIST_ENTRY_FIELDS) | set(formats.END_FIELDS)
    corrections = {k: clean_text(v, k, k, required=False) for k, v in (corrections or {}).items()}
    unknown = sorted(set(corrections) - allowed)
    if unknown:
        raise ValidationFailed.single("corrections", "fields", f"不能更正的字段：{'、'.join(unknown)}。")
    with transaction.atomic():
        item = _held(item)
        before = {"state": item.state, "reason": item.reason, "payload": item.payload}
        item.payload = {**item.payload, **corrections}
        _apply(item.platform, item, actor=actor)
        item.handled_by, item.handled_at, item.status_written = actor, clock.now(), False
        item.save()
        audit_record(
            actor=actor,
            action="platform.inbound_apply",
            obj=item,
            department=item.platform.receiving_department,
            before=before,
            after={"state": item.state, "entry_id": item.entry_id, "corrections": corrections},
        )
    transaction.on_commit(lambda: _status_write_back(item))
    return item


def inbound_item_reject(*, item: InboundItem, actor, reason: str) -> InboundItem:
    """退回: the item cannot be applied here (the reason goes back to the platform)."""
    ensure_can_write(actor, item.platform.receiving_department)
    reason = clean_text(reason, "reason", "退回原因", required=True)
    with transaction.atomic():
        item = _held(item)
        before = {"state": item.state, "reason": item.reason}
        item.state, item.reason = InboundState.REJECTED, reason
        item.handled_by, item.handled_at, item.status_written = actor, clock.now(), False
        item.save()
        audit_record(
            actor=actor,
            action="platform.inbound_reject",
            obj=item,
            department=item.platform.receiving_department,
            before=before,
            after={"state": item.state, "reason": reason},
        )
    transaction.on_commit(lambda: _status_write_back(item))
    return item


def _status_write_back(item: InboundItem) -> None:
    """Tell the platform what a clerk decided; on failure the next exchange round retries."""
    try:
        transport_for(item.platform).incoming_status_write(
            [(item.incoming_row_id, STATUS_FLAGS[InboundState(item.state)], item.reason)]
        )
    except (DatabaseError, TransportError):
        logger.warning("上级平台不可用，处理结果将在下一轮交换时回写：%s", item)
        return
    InboundItem.objects.filter(pk=item.pk).update(status_written=True)


def _status_write_pending(platform: Platform) -> int:
    pending = list(platform.inbound.filter(status_written=False).exclude(state=InboundState.HELD)[:BATCH])
    transport_for(platform).incoming_status_write(
        [(i.incoming_row_id, STATUS_FLAGS[InboundState(i.state)], i.reason) for i in pending]
    )
    InboundItem.objects.filter(pk__in=[i.pk for i in pending]).update(status_written=True)
    return len(pending)


# --- one round --------------------------------------------------------------------------------------
def platform_exchange(*, platform: Platform, max_batches: int = 20) -> dict[str, int]:
    """One exchange round: stage, send, read receipts, apply incoming items, write back outcomes.
    The platform being down leaves everything staged or unread: the next round resumes, after a
    back-off that doubles with every failed round in a row (``transports.retry_delay``)."""
    totals: dict[str, int] = defaultdict(int)
    try:
        transport_for(platform).prepare()
        sequence_all()  # positions for events committed since the last pump (as the feed does)
        for _ in range(max_batches):
            staged = outgoing_stage_step(platform=platform)
            sent = outgoing_send_step(platform=platform)
            receipts = receipts_pull_step(platform=platform)
            inbound = inbound_pull_step(platform=platform)
            totals["staged"] += staged
            totals["sent"] += sent
            for key, n in {**receipts, **inbound}.items():
                totals[key] += n
            if not (staged or sent or any(receipts.values()) or inbound):
                break
        _status_write_pending(platform)
    except (DatabaseError, TransportError) as exc:
        failures = Platform.objects.get(pk=platform.pk).failures + 1
        Platform.objects.filter(pk=platform.pk).update(
            last_error=f"{clock.now():%Y-%m-%d %H:%M:%S} {exc}"[:2000],
            failures=failures,
            next_round_at=clock.now() + retry_delay(failures),
        )
        totals["failed"] = 1
        return dict(totals)
    now = clock.now()
    Platform.objects.filter(pk=platform.pk).update(
        last_exchange_at=now,
        last_error="",
        failures=0,
        next_round_at=now + timedelta(minutes=Platform.objects.get(pk=platform.pk).interval_minutes),
    )
    return dict(totals)


def platform_exchange_all() -> dict[str, dict]:
    """A round with every active platform whose time has come (its schedule, or its back-off)."""
    due = Platform.objects.filter(is_active=True).filter(
        Q(next_round_at__isnull=True) | Q(next_round_at__lte=clock.now())
    )
    return {p.code: platform_exchange(platform=p) for p in due}


def platform_exchange_request(*, actor, platform: Platform) -> dict[str, int]:
    """立即交换 (the office's button): one round now."""
    ensure_office_admin(actor)
    return platform_exchange(platform=platform)


def platform_create(
    *,
    actor,
    code: str,
    name: str,
    receiving_department,
    region_code: str = "370102",
    settings: dict | None = None,
) -> Platform:
    ensure_office_admin(actor)
    code = clean_text(code, "code", "平台代码", required=True, limit=20)
    name = clean_text(name, "name", "平台名称", required=True, limit=200)
    if not formats.REGION_CODE.match(region_code or ""):
        raise ValidationFailed.single("region_code", "format", "地方编码（DFBM）必须是 6 位数字。")
    if Platform.objects.filter(code=code).exists():
        raise ValidationFailed.single("code", "unique", f"平台代码“{code}”已存在。")
    with transaction.atomic():
        platform = Platform.objects.create(
            code=code,
            name=name,
            receiving_department=receiving_department,
            region_code=region_code,
            settings=settings or {},
        )
        audit_record(
            actor=actor,
            action="platform.create",
            obj=platform,
            after={
                "code": code,
                "name": name,
                "region_code": region_code,
                "receiving_department": receiving_department.code,
            },
        )
    return platform
