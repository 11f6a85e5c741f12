"""`jointcredit sweep` hook: tell feed consumers when a record's publication window has ended.

Leaving the portal is derived at read time (``public_until``: CF_GSJZQ for penalties, 有效期至 or
3 years for licences, see models), so a record is gone from the portal the day after its window
whether or not this runs. The sweep only emits ``record.expired`` (same payload as the other
``record.*`` events plus ``expired_on``) so that copies held by subscribers can be removed —
exactly once per record, guarded by ``expiry_emitted_at`` under a row lock (``skip_locked``: two
sweeps running at once split the work instead of emitting twice). Withdrawn records got
``record.withdrawn`` and drafts were never published: neither gets ``record.expired``. Each
announced expiry is also a step of the record's publication history (``expired``, valid from the
day after the window, ADR 0036), written in bulk with the batch.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jointcredit.common.history import change_fields

from .models import MODELS, PublicationEvent, RecordPublicationChange, RecordState

BATCH = 500


def _due(model, today):
    return model.objects.filter(
        state=RecordState.PUBLISHED, public_until__lt=today, expiry_emitted_at__isnull=True
    )


def run(*, now, stdout=None) -> dict[str, int]:
    from jointcredit.exchange.outbox import event_emit

    from .fields import RECORD_TYPE_LABELS

    today = timezone.localdate(now)
    emitted = 0
    for record_type, model in MODELS.items():
        while True:
            with transaction.atomic():
                batch = list(
                    _due(model, today)
                    .select_for_update(skip_locked=True, of=("self",))
                    .select_related("subject", "department")
                    .order_by("public_until", "pk")[:BATCH]
                )
                steps = []
                for record in batch:
                    model.objects.filter(pk=record.pk).update(expiry_emitted_at=now)
                    steps.append(
                        RecordPublicationChange(
                            record_type=record_type,
                            record_id=record.pk,
                            **change_fields(
                                event=PublicationEvent.EXPIRED,
                                state_before=record.state,
                                state_after=record.state,
                                actor=None,
                                reason=f"公示期已于 {record.public_until} 届满",
                                effective_on=record.public_until + timedelta(days=1),
                            ),
                        )
                    )
                    event_emit(
                        kind="record.expired",
                        aggregate_type=record_type,
                        aggregate_id=record.pk,
                        department=record.department,
                        data={
                            "record_type": record_type,
                            "record_type_label": RECORD_TYPE_LABELS[record_type],
                            "id": record.pk,
                            "department_id": record.department_id,
                            "doc_no": record.doc_no,
                            "subject_identifier": record.subject.identifier,
                            "subject_name": record.subject_name,
                            "subject_kind": record.subject_kind,
                            "decision_date": record.decision_date,
                            "state": record.state,
                            "public_until": record.public_until,
                            "version": record.version,
                            "expired_on": record.public_until + timedelta(days=1),
                        },
                    )
                RecordPublicationChange.objects.bulk_create(steps)
            emitted += len(batch)
            if len(batch) < BATCH:
                break
    return {"公示期满事件": emitted}
