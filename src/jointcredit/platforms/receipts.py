"""Receipts of reported items (回执), whatever brought them: the 前置库, the HTTPS API or an uploaded
receipt file (ADR 0043). One place records them, so every transport records them alike."""

from __future__ import annotations

from collections import defaultdict

from jointcredit.common import clock

from .models import OutgoingItem, OutgoingState, Platform


def outgoing_receipts_record(
    *, platform: Platform, receipts: list[tuple[str, str, str]]
) -> tuple[dict[str, int], list[str]]:
    """Record receipts (idempotency key, accepted | rejected, reason) on the items still waiting for
    one; a second receipt for an item changes nothing. Every transport's receipts come through here
    (the caller holds the transaction and writes the audit row)."""
    now = clock.now()
    by_key = {key: (result, reason) for key, result, reason in receipts}
    accepted: list[int] = []
    rejected: dict[str, list[int]] = defaultdict(list)
    rejected_keys = []
    for pk, key in (
        OutgoingItem.objects.select_for_update()
        .filter(
            platform=platform,
            idempotency_key__in=by_key,
            state__in=(OutgoingState.STAGED, OutgoingState.SENT),
        )
        .values_list("pk", "idempotency_key")
    ):
        result, reason = by_key[key]
        if result == "accepted":
            accepted.append(pk)
        else:
            rejected[reason or "未说明原因"].append(pk)
            rejected_keys.append(key)
    # One UPDATE for the accepted rows and one per distinct reason (a day's receipts are few statements).
    OutgoingItem.objects.filter(pk__in=accepted).update(
        state=OutgoingState.ACCEPTED, rejection_reason="", receipt_at=now
    )
    for reason, pks in rejected.items():
        OutgoingItem.objects.filter(pk__in=pks).update(
            state=OutgoingState.REJECTED, rejection_reason=reason, receipt_at=now
        )
    return {"accepted": len(accepted), "rejected": len(rejected_keys)}, rejected_keys
