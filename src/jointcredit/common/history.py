"""Status history ("temporal truth", DESIGN.md §2 Time; ADR 0032).

Every kind of record with a status keeps its own history table built on :class:`StatusChange`:
one row per change, written by the kind's services in the same transaction as the change and its
audit row. A row says what happened (``event``), the state before and after, why, who, when it was
recorded (transaction time, ``recorded_at``) and from which day it takes effect (valid time,
``effective_on``). Rows are never updated or deleted; a later correction is a new row.

A kind adds the foreign key to its record and any fields of its own, e.g.::

    class ListEntryChange(StatusChange):
        entry = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="changes")

Each kind writes a step through one helper of its services that records both the history row
(:func:`change_fields` gives the shared columns) and the audit row, so the two never disagree on who
and what came before; bulk paths build the same columns for their ``bulk_create``/COPY. Readers turn
rows into timeline steps with :func:`timeline_step` (one shape for the API, staff pages and
``subjects.privacy.public_timeline``).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from . import clock


class StatusChange(models.Model):
    event = models.CharField("变更事项", max_length=32)
    state_before = models.CharField("变更前状态", max_length=32, blank=True)
    state_after = models.CharField("变更后状态", max_length=32)
    reason = models.TextField("原因/说明", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人（记录时）", max_length=150, blank=True)
    recorded_at = models.DateTimeField("记录时间（事务时间）")
    effective_on = models.DateField("生效日期（有效时间）")
    backfilled = models.BooleanField(
        "由存量数据补录", default=False, help_text="上线前的变更，由迁移根据已存时间戳和审计记录补录。"
    )

    class Meta:
        abstract = True
        ordering = ["recorded_at", "pk"]


def actor_label(actor) -> str:
    """The actor's name as it reads at the time of the change (users are renamed, rows are not)."""
    return (str(actor) if actor is not None else "系统")[:150]


def change_fields(
    *,
    event: str,
    state_before: str,
    state_after: str,
    actor,
    reason: str = "",
    effective_on: date | None = None,
) -> dict:
    """The :class:`StatusChange` columns of one step: transaction time is now, valid time defaults
    to today; ``actor`` None (or anonymous) is the system."""
    return {
        "event": event,
        "state_before": state_before,
        "state_after": state_after,
        "reason": reason,
        "actor": actor if getattr(actor, "pk", None) else None,
        "actor_name": actor_label(actor),
        "recorded_at": clock.now(),
        "effective_on": effective_on or clock.today(),
    }


def timeline_step(change, *, label: str | None = None, state_labels: dict | None = None, **extra) -> dict:
    """One history row as a timeline step (API ``…/history``, staff page, public part)."""
    states = state_labels or {}
    return {
        "event": change.event,
        "label": label if label is not None else change.get_event_display(),
        "state_before": change.state_before,
        "state_after": change.state_after,
        "state_before_label": states.get(change.state_before, change.state_before),
        "state_after_label": states.get(change.state_after, change.state_after),
        "reason": change.reason,
        "actor": change.actor_name,
        "recorded_at": change.recorded_at,
        "effective_on": change.effective_on,
        "backfilled": change.backfilled,
        "derived": False,
        **extra,
    }
