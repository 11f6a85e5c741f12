"""Status history of the honours that existed before it was kept (ADR 0036): awarded (audit row
``honour.create`` or created_at, valid from awarded_on) and revoked (audit row ``honour.revoke`` or
revoked_at / revoked_by / revoke_reason). Every row carries ``backfilled``."""

from __future__ import annotations

from django.db import migrations
from django.utils import timezone

CHUNK = 5000


def backfill(apps, schema_editor):
    Honour = apps.get_model("grading", "Honour")
    HonourChange = apps.get_model("grading", "HonourChange")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model("accounts", "User")
    names = dict(User.objects.values_list("pk", "username"))
    done = set(HonourChange.objects.values_list("honour_id", flat=True).distinct())
    pks = [pk for pk in Honour.objects.order_by("pk").values_list("pk", flat=True) if pk not in done]
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        audits: dict[tuple[str, str], object] = {}
        for a in AuditEvent.objects.filter(
            object_type="grading.honour",
            object_id__in=[str(pk) for pk in chunk],
            action__in=["honour.create", "honour.revoke"],
        ).order_by("seq"):
            audits[(a.object_id, a.action)] = a
        rows = []
        for h in Honour.objects.filter(pk__in=chunk):
            award = audits.get((str(h.pk), "honour.create"))
            rows.append(
                HonourChange(
                    honour_id=h.pk,
                    event="awarded",
                    state_before="",
                    state_after="held",
                    actor_id=award.actor_id if award else None,
                    actor_name=award.actor_name if award else "",
                    recorded_at=award.created_at if award else h.created_at,
                    effective_on=h.awarded_on,
                    backfilled=True,
                )
            )
            if h.revoked_at is not None:
                revoke = audits.get((str(h.pk), "honour.revoke"))
                actor_id = revoke.actor_id if revoke else h.revoked_by_id
                rows.append(
                    HonourChange(
                        honour_id=h.pk,
                        event="revoked",
                        state_before="held",
                        state_after="revoked",
                        reason=h.revoke_reason,
                        actor_id=actor_id,
                        actor_name=revoke.actor_name if revoke else names.get(actor_id, "系统"),
                        recorded_at=h.revoked_at,
                        effective_on=timezone.localdate(h.revoked_at),
                        backfilled=True,
                    )
                )
        HonourChange.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0004_honour_status_history"),
        ("audit", "0003_reseal_keyed_chain"),
        ("accounts", "0002_delegation_scope"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False)]
