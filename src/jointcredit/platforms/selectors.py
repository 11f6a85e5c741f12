"""Reads of 上下联动: held and rejected items (the lists their to-do cards count), exchange figures."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from jointcredit.common import clock
from jointcredit.common.errors import NotFound

from .models import (
    InboundItem,
    InboundState,
    OutgoingFile,
    OutgoingItem,
    OutgoingState,
    Platform,
    ReconciliationReport,
)


def platform_get(code: str) -> Platform:
    platform = Platform.objects.select_related("receiving_department").filter(code=code).first()
    if platform is None:
        raise NotFound(f"上级平台“{code}”不存在。")
    return platform


def platform_list():
    return Platform.objects.select_related("receiving_department").order_by("code")


def department_scope(user) -> int | None:
    """Whose held and rejected items a user works on: the office's admins every department's (None),
    anyone else their own department's. Lists, pages and to-do cards all use it."""
    return None if user.is_superuser or user.is_office_admin else user.department_id


def held_items_filter(*, department_id: int | None = None, platform: Platform | None = None):
    """Held inbound items (暂挂), for the receiving department of their platform."""
    qs = InboundItem.objects.filter(state=InboundState.HELD).select_related("platform", "authority")
    if department_id is not None:
        qs = qs.filter(platform__receiving_department_id=department_id)
    if platform is not None:
        qs = qs.filter(platform=platform)
    return qs.order_by("id")


def rejected_items_filter(*, department_id: int | None = None, platform: Platform | None = None):
    """Outgoing items the platform rejected, for the department whose change they report."""
    qs = OutgoingItem.objects.filter(state=OutgoingState.REJECTED).select_related("platform", "department")
    if department_id is not None:
        qs = qs.filter(
            Q(department_id=department_id)
            | Q(department__isnull=True, platform__receiving_department_id=department_id)
        )
    if platform is not None:
        qs = qs.filter(platform=platform)
    return qs.order_by("id")


def inbound_item_get(pk: int) -> InboundItem:
    item = InboundItem.objects.select_related("platform", "authority").filter(pk=pk).first()
    if item is None:
        raise NotFound(f"下发事项 {pk} 不存在。")
    return item


def outgoing_item_get(pk: int) -> OutgoingItem:
    item = OutgoingItem.objects.select_related("platform", "department").filter(pk=pk).first()
    if item is None:
        raise NotFound(f"上报事项 {pk} 不存在。")
    return item


def reconciliation_latest(platform: Platform) -> ReconciliationReport | None:
    return platform.reconciliations.order_by("-run_at").first()


def exchange_figures(platform: Platform, *, days: int = 14) -> dict:
    """Sent / received per day, rejection rate, lag of the oldest unanswered item, last exchange."""
    now = clock.now()
    since = now - timedelta(days=days)
    sent = dict(
        platform.outgoing.filter(sent_at__gte=since)
        .annotate(day=TruncDate("sent_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    received = dict(
        platform.inbound.filter(received_at__gte=since)
        .annotate(day=TruncDate("received_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_state = dict(platform.outgoing.values_list("state").annotate(n=Count("pk")).order_by())
    answered = (
        by_state.get(OutgoingState.ACCEPTED, 0)
        + by_state.get(OutgoingState.REJECTED, 0)
        + by_state.get(OutgoingState.RESENT, 0)
    )
    rejected = by_state.get(OutgoingState.REJECTED, 0) + by_state.get(OutgoingState.RESENT, 0)
    oldest = (
        platform.outgoing.filter(state__in=(OutgoingState.STAGED, OutgoingState.SENT))
        .order_by("staged_at")
        .values_list("staged_at", flat=True)
        .first()
    )
    axis = [(now - timedelta(days=i)).date() for i in reversed(range(days))]
    return {
        "days": [d.isoformat() for d in axis],
        "daily": [(d, sent.get(d, 0), received.get(d, 0)) for d in axis],
        "sent": [sent.get(d, 0) for d in axis],
        "received": [received.get(d, 0) for d in axis],
        "by_state": by_state,
        "rejection_rate": round(100 * rejected / answered, 1) if answered else None,
        "lag_seconds": int((now - oldest).total_seconds()) if oldest else 0,
        "last_exchange_at": platform.last_exchange_at,
        "last_error": platform.last_error,
        "held": platform.inbound.filter(state=InboundState.HELD).count(),
    }


def outgoing_files(platform: Platform):
    """The file transport's files, newest first, with how many of their items have a receipt."""
    return (
        OutgoingFile.objects.filter(platform=platform)
        .annotate(
            answered=Count(
                "items",
                filter=Q(
                    items__state__in=(OutgoingState.ACCEPTED, OutgoingState.REJECTED, OutgoingState.RESENT)
                ),
            )
        )
        .order_by("-id")
    )


def outgoing_file_get(platform: Platform, file_id: int) -> OutgoingFile:
    file = OutgoingFile.objects.filter(platform=platform, pk=file_id).select_related("platform").first()
    if file is None:
        raise NotFound(f"上报文件 {file_id} 不存在。")
    return file
