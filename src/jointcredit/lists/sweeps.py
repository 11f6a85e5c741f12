"""`jointcredit sweep` hook: announce expired entries.

Expiry itself is derived at read time (``valid_until``): an entry past its validity is out of the
portal and the check the next morning whether or not this runs. The sweep only emits the
``list_entry.removed`` event (reason expired) so that pushed copies at cooperating departments are
withdrawn too — exactly once per entry, guarded by ``expiry_emitted_at`` under a row lock.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import ChangeEvent, EntryState, ListEntry
from .services import entry_event_data, entry_step

BATCH = 500


def _due(today):
    return ListEntry.objects.filter(
        state=EntryState.PUBLISHED, valid_until__lt=today, expiry_emitted_at__isnull=True
    )


def run(*, now, stdout=None) -> dict[str, int]:
    from jointcredit.exchange.outbox import event_emit

    today = timezone.localdate(now)
    emitted = 0
    while True:
        with transaction.atomic():
            # skip_locked: two sweeps running at once split the work instead of double-emitting.
            batch = list(
                _due(today)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("list_type", "list_type__memorandum", "subject", "department")
                .order_by("valid_until", "pk")[:BATCH]
            )
            for entry in batch:
                entry.expiry_emitted_at = now
                entry.save(update_fields=["expiry_emitted_at"])
                entry_step(
                    entry=entry,
                    event=ChangeEvent.EXPIRED,
                    action="list_entry.expire",
                    actor=None,
                    before={"state": entry.state},
                    after={"valid_until": entry.valid_until, "expiry_emitted_at": now},
                    reason=f"有效期已于 {entry.valid_until} 届满",
                    effective_on=entry.valid_until + timedelta(days=1),
                )
                data = entry_event_data(entry)
                data.update(
                    removal_reason="expired",
                    removed_at=now,
                    removal_note=f"有效期已于 {entry.valid_until} 届满",
                )
                event_emit(
                    kind="list_entry.removed",
                    aggregate_type="list_entry",
                    aggregate_id=entry.pk,
                    data=data,
                    department=entry.department,
                    list_type_code=entry.list_type.code,
                )
        emitted += len(batch)
        if len(batch) < BATCH:
            break
    return {"到期移出事件": emitted}
