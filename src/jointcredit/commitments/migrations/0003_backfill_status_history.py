"""Status history of the 承诺书 that existed before it was kept (ADR 0036).

Each step comes from the commitment's audit row when there is one (actor, time, reason) and from the
stored dates otherwise: signed (created_at, valid from signed_on), fulfilled (fulfilled_at), broken
(the breach row: created_at, valid from occurred_on). Every row carries ``backfilled``.
"""

from __future__ import annotations

from django.db import migrations
from django.utils import timezone

ACTIONS = {"commitment.create": "signed", "commitment.fulfil": "fulfilled", "commitment.break": "broken"}
REASONS = {"overdue": "逾期未补齐材料", "false_promise": "承诺内容不实"}
CHUNK = 2000


def _steps(c, breach, audits: dict) -> list[dict]:
    def step(event, state_before, state_after, recorded_at, effective_on, reason="", actor_id=None):
        audit = audits.get(event)
        return {
            "event": event,
            "state_before": state_before,
            "state_after": state_after,
            "reason": reason,
            "actor_id": audit.actor_id if audit else actor_id,
            "actor_name": (audit.actor_name if audit else "") or ("" if actor_id else "系统"),
            "recorded_at": audit.created_at if audit else recorded_at,
            "effective_on": effective_on,
        }

    steps = [
        step(
            "signed",
            "",
            "active",
            c.created_at,
            c.signed_on,
            f"受理编号 {c.application_no}" if c.application_no else "",
            c.created_by_id,
        )
    ]
    if c.fulfilled_at is not None:
        steps.append(
            step(
                "fulfilled",
                "active",
                "fulfilled",
                c.fulfilled_at,
                timezone.localdate(c.fulfilled_at),
                c.fulfil_note,
            )
        )
    if breach is not None:
        before = "fulfilled" if c.fulfilled_at is not None else "active"
        reason = f"{REASONS.get(breach.reason, breach.reason)}：{breach.note}"
        steps.append(
            step(
                "broken",
                before,
                "broken",
                breach.created_at,
                breach.occurred_on,
                reason,
                breach.created_by_id,
            )
        )
    return steps


def backfill(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    BrokenCommitment = apps.get_model("commitments", "BrokenCommitment")
    CommitmentChange = apps.get_model("commitments", "CommitmentChange")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    done = set(CommitmentChange.objects.values_list("commitment_id", flat=True).distinct())
    pks = [pk for pk in Commitment.objects.order_by("pk").values_list("pk", flat=True) if pk not in done]
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        audits: dict[str, dict] = {}
        for a in AuditEvent.objects.filter(
            object_type="commitments.commitment",
            object_id__in=[str(pk) for pk in chunk],
            action__in=list(ACTIONS),
        ).order_by("seq"):
            audits.setdefault(a.object_id, {})[ACTIONS[a.action]] = a
        breaches = {b.commitment_id: b for b in BrokenCommitment.objects.filter(commitment_id__in=chunk)}
        rows = [
            CommitmentChange(commitment_id=c.pk, backfilled=True, **s)
            for c in Commitment.objects.filter(pk__in=chunk)
            for s in _steps(c, breaches.get(c.pk), audits.get(str(c.pk), {}))
        ]
        CommitmentChange.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0002_status_history"),
        ("audit", "0003_reseal_keyed_chain"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False)]
