"""Status history of the entries that existed before it was kept (ADR 0032).

The audit trail is the best witness: each ``list_entry.*`` audit row becomes one history row with its
actor, time and before/after state. Steps the audit trail lacks (entries written by imports, demo
data or by hand) are derived from the timestamps stored on the entry: created_at, notified_at,
decided_on, published_at, removed_at, expiry_emitted_at. Every row carries ``backfilled``; objection
periods come from the audit trail's objection steps only (an entry under objection today with no
such step gets a period opened on the day of the migration: when it began is not known).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

ACTIONS = {
    "list_entry.create": "created",
    "list_entry.notify": "notified",
    "list_entry.decide": "decided",
    "list_entry.publish": "published",
    "list_entry.remove": "removed",
    "list_entry.supersede": "removed",
    "list_entry.correct": "corrected",
    "list_entry.objection_opened": "objection_opened",
    "list_entry.objection_closed": "objection_closed",
    "list_entry.expire": "expired",
}
# Steps that move the state; the others leave it as it was.
MOVES = {"created": "draft", "notified": "notified", "decided": "decided", "published": "published"}
CHUNK = 2000


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def _steps(entry, audits) -> list[dict]:
    steps = []
    for a in audits:
        event = ACTIONS[a.action]
        before, after = a.before or {}, a.after or {}
        effective = timezone.localdate(a.created_at)
        if event == "notified":
            effective = _date(after.get("notified_on")) or effective
        elif event == "decided":
            effective = _date(after.get("decided_on")) or effective
        elif event == "expired" or (event == "removed" and after.get("removal_reason") == "expired"):
            effective = entry.valid_until + timedelta(days=1) if entry.valid_until else effective
        reason = {
            "created": after.get("reason", ""),
            "removed": after.get("removal_note", ""),
            "corrected": after.get("note", ""),
        }.get(event, "")
        steps.append(
            {
                "event": event,
                "state_before": before.get("state", ""),
                "state_after": after.get("state", ""),
                "removal_reason": after.get("removal_reason", "") if event == "removed" else "",
                "reason": reason or "",
                "actor_id": a.actor_id,
                "actor_name": a.actor_name,
                "recorded_at": a.created_at,
                "effective_on": effective,
            }
        )
    seen = {s["event"] for s in steps}
    local = timezone.localdate

    def derived(event, recorded_at, effective_on, **extra):
        if event not in seen and recorded_at is not None:
            steps.append(
                {
                    "event": event,
                    "state_before": "",
                    "state_after": "",
                    "removal_reason": "",
                    "reason": "",
                    "actor_id": None,
                    "actor_name": "",
                    "recorded_at": recorded_at,
                    "effective_on": effective_on,
                    **extra,
                }
            )

    derived("created", entry.created_at, local(entry.created_at), actor_id=entry.created_by_id)
    if entry.notified_at:
        derived("notified", entry.notified_at, entry.notified_on or local(entry.notified_at))
    black = entry.list_type.color == "black"
    if black and entry.decided_on and entry.state in ("decided", "published", "removed"):
        at = max(_at(entry.decided_on), entry.notified_at or entry.created_at)
        derived("decided", at, entry.decided_on)
    if entry.published_at:
        derived("published", entry.published_at, local(entry.published_at))
    if entry.removed_at:
        derived(
            "removed",
            entry.removed_at,
            local(entry.removed_at),
            removal_reason=entry.removal_reason,
            reason=entry.removal_note,
        )
    if entry.expiry_emitted_at and entry.valid_until:
        derived("expired", entry.expiry_emitted_at, entry.valid_until + timedelta(days=1))
    steps.sort(key=lambda s: s["recorded_at"])
    state = ""
    for s in steps:
        s["state_before"] = s["state_before"] or state
        if not s["state_after"]:
            s["state_after"] = "removed" if s["event"] == "removed" else MOVES.get(s["event"], state)
        state = s["state_after"]
    return steps


def _periods(entry, steps, today: date) -> list:
    periods: list = []
    for s in steps:
        if s["event"] == "objection_opened":
            periods.append([s["effective_on"].isoformat(), None])
        elif s["event"] == "objection_closed" and periods and periods[-1][1] is None:
            periods[-1][1] = s["effective_on"].isoformat()
    if entry.under_objection and not (periods and periods[-1][1] is None):
        periods.append([today.isoformat(), None])
    return periods


def backfill(apps, schema_editor):
    ListEntry = apps.get_model("lists", "ListEntry")
    ListEntryChange = apps.get_model("lists", "ListEntryChange")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    today = timezone.localdate()
    done = set(ListEntryChange.objects.values_list("entry_id", flat=True).distinct())
    pks = list(ListEntry.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), CHUNK):
        chunk = [pk for pk in pks[start : start + CHUNK] if pk not in done]
        if not chunk:
            continue
        audits: dict[str, list] = {}
        for a in AuditEvent.objects.filter(
            object_type="lists.listentry", object_id__in=[str(pk) for pk in chunk], action__in=list(ACTIONS)
        ).order_by("seq"):
            audits.setdefault(a.object_id, []).append(a)
        rows = []
        for entry in ListEntry.objects.filter(pk__in=chunk).select_related("list_type"):
            steps = _steps(entry, audits.get(str(entry.pk), []))
            rows.extend(ListEntryChange(entry_id=entry.pk, backfilled=True, **s) for s in steps)
            periods = _periods(entry, steps, today)
            if periods:
                ListEntry.objects.filter(pk=entry.pk).update(objection_periods=periods)
        ListEntryChange.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0008_entry_status_history"),
        ("audit", "0003_reseal_keyed_chain"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False)]
