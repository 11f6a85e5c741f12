"""Signed audit checkpoints go out through the outbox (ADR 0035): whoever subscribes to
``audit.checkpoint`` (the city's platform, the 纪检 office) holds copies outside this installation,
so ``jointcredit audit verify --against`` can prove the newest rows were not deleted even if the
local checkpoint file is lost. ``audit`` sits below ``exchange`` and does not import it; the exchange
registers this listener with ``audit.extensions`` in its ``AppConfig.ready``."""

from __future__ import annotations

from django.db import transaction

from jointcredit.audit.checkpoints import CHECKPOINT_EVENT

from .outbox import event_emit


def checkpoint_announce(record: dict) -> None:
    """One ``audit.checkpoint`` event whose data is the signed checkpoint record itself (seq, hash,
    at, key fingerprint, kid, dev, sig): a receiver can store it as it comes and hand it back."""
    with transaction.atomic():
        event_emit(
            kind=CHECKPOINT_EVENT,
            aggregate_type="audit.checkpoint",
            aggregate_id=record["seq"],
            data=record,
        )
