"""Incremental regrade triggers (see docs/adr: grading reacts to input changes through signals).

Inputs written through the ORM (list entries, 双公示 records, honours, broken commitments) send
``post_save``/``post_delete``; the receiver only queues the subject for a regrade after commit
(``services.grade_schedule``). Bulk loads that bypass signals (COPY imports) are reconciled by the
nightly ``jointcredit grade`` run, or call ``grade_recompute_for`` themselves.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_delete, post_save

# List entries before publication (拟列入, 已告知, 已认定) never count: saving them needs no regrade.
_IRRELEVANT_STATES = {"draft", "notified", "decided"}


def _on_change(sender, instance, **kwargs) -> None:
    from .services import grade_schedule

    if sender._meta.label == "lists.ListEntry" and getattr(instance, "state", None) in _IRRELEVANT_STATES:
        return
    subject_id = getattr(instance, "subject_id", None)
    if subject_id is not None:
        grade_schedule([subject_id])


def watch(app_label: str, model_name: str) -> bool:
    """Regrade the subject of every saved/deleted row of ``app_label.model_name`` (if it exists)."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return False
    uid = f"grading.regrade.{app_label}.{model_name}"
    post_save.connect(_on_change, sender=model, dispatch_uid=uid + ".save", weak=False)
    post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ".delete", weak=False)
    return True


def connect() -> None:
    for app_label, model_name in (
        ("lists", "ListEntry"),
        ("records", "Penalty"),
        ("records", "License"),
        ("grading", "Honour"),
    ):
        watch(app_label, model_name)
