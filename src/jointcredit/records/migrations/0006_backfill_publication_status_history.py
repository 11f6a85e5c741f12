"""Publication history of the 双公示 records that existed before it was kept (ADR 0036).

The field-change log ``RecordHistory`` is the witness for the steps it holds (publish, withdraw,
updates of a published record, a repair ending the publication early) with its actor and time; the
stored timestamps fill the rest: created_at (created as a draft, or published / withdrawn by the
same import when published_at / withdrawn_at equal it), published_at, withdrawn_at, a repair's
``publication_end_reason``, ``expiry_emitted_at`` (the sweep's 公示期满). Every row carries
``backfilled``. Records are read in primary-key chunks; rows are written with bulk_create.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

CHUNK = 5000
SAME_WRITE = timedelta(minutes=1)  # an import stamps created_at and published_at with one "now"
COLUMNS = (
    "id",
    "state",
    "created_at",
    "updated_at",
    "published_at",
    "withdrawn_at",
    "withdraw_reason",
    "public_until",
    "publication_end_reason",
    "expiry_emitted_at",
)


def _steps(rec: dict, history: list, names: dict) -> list[dict]:
    steps: list[dict] = []
    local = timezone.localdate

    def add(event, recorded_at, *, before="", after="", reason="", actor_id=None, effective_on=None):
        steps.append(
            {
                "event": event,
                "state_before": before,
                "state_after": after,
                "reason": (reason or "")[:2000],
                "actor_id": actor_id,
                "actor_name": names.get(actor_id, "") if actor_id else "系统",
                "recorded_at": recorded_at,
                "effective_on": effective_on or local(recorded_at),
            }
        )

    ended_on = rec["public_until"] + timedelta(days=1) if rec["public_until"] else None
    for h in history:
        before, after = h.before or {}, h.after or {}
        if h.action == "published" or (
            h.action == "updated" and before.get("state") == "draft" and after.get("state") == "published"
        ):
            add("published", h.changed_at, before="draft", after="published", actor_id=h.actor_id)
        elif h.action == "withdrawn":
            add(
                "withdrawn",
                h.changed_at,
                before=before.get("state", ""),
                after="withdrawn",
                reason=after.get("reason", ""),
                actor_id=h.actor_id,
            )
        elif h.action == "updated" and after.get("publication_ended"):
            reason = "信用修复" + (f"；{after['note']}" if after.get("note") else "")
            add(
                "publication_ended",
                h.changed_at,
                before="published",
                after="published",
                reason=reason,
                actor_id=h.actor_id,
                effective_on=ended_on,
            )
        elif h.action == "updated" and before.get("state") == after.get("state") == "published":
            add("corrected", h.changed_at, before="published", after="published", actor_id=h.actor_id)
    seen = {s["event"] for s in steps}
    created, published, withdrawn = rec["created_at"], rec["published_at"], rec["withdrawn_at"]
    if published and "published" not in seen and published - created < SAME_WRITE:
        add("published", published, after="published", effective_on=local(published))
        seen.add("published")
    elif withdrawn and not published and "withdrawn" not in seen and withdrawn - created < SAME_WRITE:
        add("withdrawn", withdrawn, after="withdrawn", reason=rec["withdraw_reason"])
        seen.add("withdrawn")
    else:
        add("drafted", created, after="draft")
    if published and "published" not in seen:
        add("published", published, before="draft", after="published")
    if withdrawn and "withdrawn" not in seen:
        add("withdrawn", withdrawn, after="withdrawn", reason=rec["withdraw_reason"])
    repaired = rec["publication_end_reason"] == "repaired"
    if repaired and "publication_ended" not in seen:
        at = rec["expiry_emitted_at"] or rec["updated_at"]
        add("publication_ended", at, after="published", reason="信用修复", effective_on=ended_on)
    if rec["expiry_emitted_at"] and not repaired and ended_on:
        add("expired", rec["expiry_emitted_at"], after=rec["state"], effective_on=ended_on)
    steps.sort(key=lambda s: s["recorded_at"])
    state = ""
    for s in steps:
        s["state_before"] = s["state_before"] or state
        s["state_after"] = s["state_after"] or state
        state = s["state_after"]
    return steps


def backfill(apps, schema_editor):
    Change = apps.get_model("records", "RecordPublicationChange")
    RecordHistory = apps.get_model("records", "RecordHistory")
    User = apps.get_model("accounts", "User")
    names = dict(User.objects.values_list("pk", "username"))
    for record_type, model_name in (("license", "License"), ("penalty", "Penalty")):
        model = apps.get_model("records", model_name)
        done = set(
            Change.objects.filter(record_type=record_type).values_list("record_id", flat=True).distinct()
        )
        last = 0
        while True:
            chunk = list(model.objects.filter(pk__gt=last).order_by("pk").values(*COLUMNS)[:CHUNK])
            if not chunk:
                break
            last = chunk[-1]["id"]
            chunk = [r for r in chunk if r["id"] not in done]
            history: dict[int, list] = {}
            for h in RecordHistory.objects.filter(
                record_type=record_type, record_id__in=[r["id"] for r in chunk]
            ).order_by("version", "id"):
                history.setdefault(h.record_id, []).append(h)
            rows = [
                Change(record_type=record_type, record_id=rec["id"], backfilled=True, **s)
                for rec in chunk
                for s in _steps(rec, history.get(rec["id"], []), names)
            ]
            Change.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_publication_status_history"),
        ("accounts", "0002_delegation_scope"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False)]
