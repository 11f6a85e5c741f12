"""修复/更正结果同步回执: every department that received the entry must confirm it stopped
punishing (DESIGN.md §2). Receivers are the exchange's pushes for a list entry and, for a 双公示
record, the departments whose subscriptions were sent the record's events. A receipt is confirmed
on the workbench, through the API, or automatically once the department's webhook answered 2xx to
the removal/change event (exchange ``Delivery`` delivered)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jointcredit.accounts.permissions import ensure_can_write
from jointcredit.audit.services import audit_record
from jointcredit.casework.models import ReceiptChannel, SyncReceipt, TargetType
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, ValidationFailed
from jointcredit.exchange.models import Delivery, DeliveryStatus, OutboxEvent, Push

from .notify import notify_department

REMIND_AFTER_DAYS = 3


def receiver_department_ids(target) -> set[int]:
    if target.is_entry:
        ids = set(Push.objects.filter(entry_id=target.id).values_list("department_id", flat=True))
    else:
        ids = set(
            Delivery.objects.filter(
                event__aggregate_type=target.type, event__aggregate_id=str(target.id)
            ).values_list("subscription__department_id", flat=True)
        )
    ids.discard(target.department.pk)
    return ids


def events_since(target, since) -> list[str]:
    """Outbox events about the target written since ``since`` (the removal/change just emitted)."""
    aggregate = "list_entry" if target.is_entry else target.type
    return [
        str(pk)
        for pk in OutboxEvent.objects.filter(
            aggregate_type=aggregate, aggregate_id=str(target.id), occurred_at__gte=since
        ).values_list("id", flat=True)
    ]


def receipts_create(*, source_type: str, source_id: int, target, event_ids: list[str]) -> int:
    """Inside the caller's transaction."""
    rows = [
        SyncReceipt(
            source_type=source_type,
            source_id=source_id,
            target_type=target.type,
            target_id=target.id,
            subject_name=target.subject_name,
            department_id=dept_id,
            event_ids=event_ids,
        )
        for dept_id in sorted(receiver_department_ids(target))
    ]
    SyncReceipt.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def receipt_acknowledge(
    *, actor, receipt: SyncReceipt, note: str = "", channel: str = ReceiptChannel.UI
) -> SyncReceipt:
    ensure_can_write(actor, receipt.department)
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed.single("note", "max_length", "说明（note）不能超过 500 个字符。")
    with transaction.atomic():
        receipt = SyncReceipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.acknowledged_at:
            raise Conflict(
                f"该回执已于 {timezone.localtime(receipt.acknowledged_at):%Y-%m-%d %H:%M} 确认。",
                details=[{"field": "state", "rule": "transition", "current_state": "acknowledged"}],
            )
        receipt.acknowledged_at, receipt.acknowledged_by = clock.now(), actor
        receipt.channel, receipt.note = channel, note
        receipt.save()
        audit_record(
            actor=actor,
            action="sync_receipt.acknowledge",
            obj=receipt,
            department=receipt.department,
            after={"channel": channel, "note": note, "source": f"{receipt.source_type}:{receipt.source_id}"},
        )
    return receipt


def receipts_reconcile_webhooks() -> int:
    """Confirm open receipts whose department's webhook got the event with a 2xx (idempotent)."""
    done = 0
    open_ = list(SyncReceipt.objects.filter(acknowledged_at__isnull=True).exclude(event_ids=[]))
    for receipt in open_:
        delivered = (
            Delivery.objects.filter(
                event_id__in=receipt.event_ids,
                status=DeliveryStatus.DELIVERED,
                subscription__department_id=receipt.department_id,
            )
            .order_by("delivered_at")
            .first()
        )
        if delivered is None:
            continue
        with transaction.atomic():
            n = SyncReceipt.objects.filter(pk=receipt.pk, acknowledged_at__isnull=True).update(
                acknowledged_at=delivered.delivered_at or clock.now(),
                channel=ReceiptChannel.WEBHOOK,
                note=f"事件推送已送达（HTTP {delivered.last_status_code}）",
            )
            if n:
                audit_record(
                    actor=None,
                    action="sync_receipt.acknowledge",
                    obj=receipt,
                    department=receipt.department,
                    after={"channel": ReceiptChannel.WEBHOOK, "delivery": delivered.pk},
                )
                done += 1
    return done


def receipts_remind(*, now) -> int:
    """Remind departments of receipts open for more than REMIND_AFTER_DAYS days, once a day."""
    cutoff = now - timedelta(days=REMIND_AFTER_DAYS)
    due = list(
        SyncReceipt.objects.filter(acknowledged_at__isnull=True, created_at__lt=cutoff)
        .exclude(reminded_at__gte=now - timedelta(days=1))
        .select_related("department")
    )
    by_dept: dict[int, list[SyncReceipt]] = {}
    for r in due:
        by_dept.setdefault(r.department_id, []).append(r)
    for receipts in by_dept.values():
        dept = receipts[0].department
        lines = "\n".join(
            f"- {r.get_source_type_display()}：{r.subject_name}（{dict(TargetType.choices)[r.target_type]} "
            f"{r.target_id}）"
            for r in receipts
        )
        with transaction.atomic():
            notify_department(
                dept,
                title=f"【结果同步】{len(receipts)} 条修复/更正结果待确认",
                text=f"以下主体的信用修复或异议更正结果已推送贵部门，请停止相应惩戒措施并在工作台确认回执：\n{lines}",
            )
            SyncReceipt.objects.filter(pk__in=[r.pk for r in receipts]).update(reminded_at=now)
            for r in receipts:
                SyncReceipt.objects.filter(pk=r.pk).update(remind_count=r.remind_count + 1)
    return len(due)
