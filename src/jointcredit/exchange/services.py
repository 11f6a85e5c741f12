"""Exchange writes: subscriptions, redelivery, feedback (单条与批量导入). See ADR 0004."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from jointcredit.accounts.models import Department, User
from jointcredit.accounts.permissions import ensure_can_write, ensure_department_admin
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.importing.tabular import read_table

from .extensions import list_type_codes_existing, recorded_check_refusal
from .kinds import event_kinds as declared_kinds
from .kinds import kind_valid
from .models import Delivery, DeliveryStatus, Feedback, FeedbackResult, Push, Subscription
from .outbox import event_emit
from .webhooks import webhook_url_validate

# --- subscriptions -----------------------------------------------------------------------------


def _subscription_snapshot(sub: Subscription) -> dict:
    return {
        "name": sub.name,
        "url": sub.url,
        "event_kinds": sub.event_kinds,
        "list_type_codes": sub.list_type_codes,
        "is_active": sub.is_active,
        "batch_size": sub.batch_size,
    }


MAX_BATCH_SIZE = 100


def subscription_create(
    *,
    actor: User,
    department: Department,
    name: str,
    url: str,
    event_kinds: list[str] | None = None,
    list_type_codes: list[str] | None = None,
    secret: str | None = None,
    batch_size: int = 1,
) -> tuple[Subscription, str]:
    """Register a webhook endpoint for ``department``. Returns (subscription, secret); the secret is
    shown to the caller once (it may be supplied, ≥ 24 characters, or generated). ``batch_size`` > 1
    opts in to batch mode (several events per signed request, docs/webhooks.md)."""
    ensure_department_admin(actor, department)
    details = []
    name = (name or "").strip()
    if not name or len(name) > 100:
        details.append(
            {"field": "name", "rule": "length", "message": "名称 name 不能为空且不超过 100 个字符。"}
        )
    try:
        url = webhook_url_validate(url)
    except ValidationFailed as exc:
        details.extend(exc.details)
    kinds = list(dict.fromkeys(event_kinds or []))
    bad = [k for k in kinds if not kind_valid(k)]
    if bad:
        details.append(
            {
                "field": "event_kinds",
                "rule": "choice",
                "message": f"事件类型 {'、'.join(bad)} 无效；可选："
                f"{'、'.join(declared_kinds())}（或 前缀.*）。",
            }
        )
    codes = list(dict.fromkeys(list_type_codes or []))
    unknown = sorted(set(codes) - list_type_codes_existing(codes))
    if unknown:
        details.append(
            {
                "field": "list_type_codes",
                "rule": "exists",
                "message": f"名单类型 {'、'.join(unknown)} 不存在。",
            }
        )
    if secret is not None and not (24 <= len(secret) <= 128):
        details.append(
            {"field": "secret", "rule": "length", "message": "签名密钥 secret 长度须为 24–128 个字符。"}
        )
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or not 1 <= batch_size <= MAX_BATCH_SIZE
    ):
        details.append(
            {
                "field": "batch_size",
                "rule": "range",
                "message": f"每次请求事件数 batch_size 须为 1–{MAX_BATCH_SIZE} 的整数（1 为逐个事件投递）。",
            }
        )
    if details:
        raise ValidationFailed("；".join(d["message"] for d in details), details=details)
    secret = secret or secrets.token_urlsafe(32)
    with transaction.atomic():
        sub = Subscription.objects.create(
            department=department,
            name=name,
            url=url,
            secret=secret,
            event_kinds=kinds,
            list_type_codes=codes,
            created_by=actor,
            batch_size=batch_size,
        )
        audit_record(
            actor=actor,
            action="subscription.create",
            obj=sub,
            department=department,
            after=_subscription_snapshot(sub),
        )
    return sub, secret


def subscription_set_active(*, actor: User, subscription: Subscription, active: bool) -> Subscription:
    """Pause or resume an endpoint. Paused deliveries stay pending and resume on reactivation."""
    ensure_department_admin(actor, subscription.department)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        before = _subscription_snapshot(sub)
        sub.is_active = active
        sub.deactivated_at = None if active else clock.now()
        sub.save(update_fields=["is_active", "deactivated_at"])
        audit_record(
            actor=actor,
            action="subscription.activate" if active else "subscription.deactivate",
            obj=sub,
            department=sub.department,
            before=before,
            after=_subscription_snapshot(sub),
        )
        if active:
            from .tasks import deliveries_enqueue

            transaction.on_commit(lambda: deliveries_enqueue(subscription_ids=[sub.pk]))
    return sub


def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Manual redelivery (手工重投) of a dead or delivered event: back to pending, due now, with a
    fresh retry horizon. The receiver dedupes by event id, so a repeat is harmless."""
    ensure_department_admin(actor, delivery.subscription.department)
    with transaction.atomic():
        row = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if row.status == DeliveryStatus.PENDING:
            raise Conflict(
                "该投递仍在等待投递或重试中，无需重投。",
                details=[{"field": "status", "rule": "state", "value": row.status}],
            )
        before = {"status": row.status, "attempts": row.attempts}
        now = clock.now()
        row.status, row.next_attempt_at, row.horizon_start = DeliveryStatus.PENDING, now, now
        row.save(update_fields=["status", "next_attempt_at", "horizon_start"])
        audit_record(
            actor=actor,
            action="delivery.redeliver",
            obj=row,
            department=row.subscription.department,
            before=before,
            after={"status": row.status},
        )
        from .tasks import deliveries_enqueue

        transaction.on_commit(lambda: deliveries_enqueue(subscription_ids=[row.subscription_id]))
    return row


def deliveries_redeliver_dead(*, actor: User, subscription: Subscription) -> int:
    """Requeue every dead-lettered delivery of one subscription (after the receiver is fixed)."""
    ensure_department_admin(actor, subscription.department)
    with transaction.atomic():
        now = clock.now()
        n = Delivery.objects.filter(subscription=subscription, status=DeliveryStatus.DEAD).update(
            status=DeliveryStatus.PENDING, next_attempt_at=now, horizon_start=now
        )
        audit_record(
            actor=actor,
            action="delivery.redeliver_dead",
            obj=subscription,
            department=subscription.department,
            after={"count": n},
        )
        if n:
            from .tasks import deliveries_enqueue

            transaction.on_commit(lambda: deliveries_enqueue(subscription_ids=[subscription.pk]))
    return n


# --- pushes ------------------------------------------------------------------------------------


def push_deadlines_recompute(*, years=None) -> int:
    """Recompute pending (待配置节假日) feedback deadlines after the office configured a year."""
    calendar = WorkingCalendar.load()
    updated = 0
    for push in Push.objects.filter(feedback_due__isnull=True).iterator():
        due = deadline_or_pending(push.pushed_on, push.feedback_working_days, calendar=calendar)
        if due is not None:
            Push.objects.filter(pk=push.pk, feedback_due__isnull=True).update(feedback_due=due)
            Feedback.objects.filter(push=push).update(is_late=False)
            Feedback.objects.filter(push=push, created_at__date__gt=due).update(is_late=True)
            updated += 1
    return updated


# --- feedback ----------------------------------------------------------------------------------

RESULT_ALIASES = {v: v for v in FeedbackResult.values} | {label: v for v, label in FeedbackResult.choices}


@dataclass
class FeedbackInput:
    entry_id: int | str | None
    measure: str
    result: str
    handled_on: date | str | None
    matter_name: str = ""
    matter_document_no: str = ""
    reason: str = ""
    recorded_check: int | str | None = None
    row: int | None = None
    errors: list[dict] = field(default_factory=list)


def _err(inp: FeedbackInput, field_name: str, rule: str, message: str) -> None:
    prefix = f"第 {inp.row} 行：" if inp.row else ""
    item = {"field": field_name, "rule": rule, "message": prefix + message}
    if inp.row:
        item["row"] = inp.row
    inp.errors.append(item)


def _feedback_check(inp: FeedbackInput, *, department: Department, today: date, pushes: dict) -> dict | None:
    """Validate one feedback against the rules; returns the clean values or None (errors on ``inp``)."""
    entry_id = str(inp.entry_id or "").strip()
    if not entry_id.isdigit():
        _err(inp, "entry_id", "required", "名单条目编号 entry_id 必须是数字。")
        return None
    push = pushes.get(int(entry_id))
    if push is None:
        _err(
            inp,
            "entry_id",
            "pushed_to_department",
            f"名单条目 {entry_id} 未推送至“{department.name}”，只有收到推送的部门可以反馈。",
        )
        return None
    measures = {m.code: m for m in push.measures.all()}
    measure = measures.get((inp.measure or "").strip())
    if measure is None:
        _err(
            inp,
            "measure",
            "pushed_measure",
            f"措施“{inp.measure}”不是该条目要求本部门实施的措施；"
            f"可选：{'、'.join(sorted(measures)) or '无'}。",
        )
    result = RESULT_ALIASES.get((inp.result or "").strip())
    if result is None:
        _err(
            inp,
            "result",
            "choice",
            "反馈结果 result 必须是：" + "、".join(label for _, label in FeedbackResult.choices) + "。",
        )
    elif measure is not None:
        if result == FeedbackResult.PUNISHED and not measure.is_punishment:
            _err(inp, "result", "kind", f"措施“{measure.name}”是激励措施，结果不能为“已实施惩戒”。")
        if result == FeedbackResult.REWARDED and not measure.is_incentive:
            _err(inp, "result", "kind", f"措施“{measure.name}”是惩戒措施，结果不能为“已实施激励”。")
    matter_name, doc_no, reason = (
        (inp.matter_name or "").strip(),
        (inp.matter_document_no or "").strip(),
        (inp.reason or "").strip(),
    )
    if result in (FeedbackResult.PUNISHED, FeedbackResult.REWARDED) and not matter_name:
        _err(inp, "matter_name", "required", "已实施惩戒/激励时必须填写事项名称 matter_name。")
    if result == FeedbackResult.NOT_APPLICABLE and not reason:
        _err(inp, "reason", "required", "反馈结果为“不适用”时必须填写理由 reason。")
    if len(matter_name) > 200 or len(doc_no) > 100:
        _err(inp, "matter_name", "max_length", "事项名称不超过 200 个字符，文号不超过 100 个字符。")
    handled_on = inp.handled_on
    if isinstance(handled_on, str):
        try:
            handled_on = date.fromisoformat(handled_on.strip().replace("/", "-"))
        except ValueError:
            handled_on = None
            _err(inp, "handled_on", "date", f"实施日期“{inp.handled_on}”必须是 YYYY-MM-DD 格式的日期。")
    elif handled_on is None:
        _err(inp, "handled_on", "required", "实施日期 handled_on 不能为空。")
    if isinstance(handled_on, date):
        if handled_on > today:
            _err(inp, "handled_on", "not_future", "实施日期不能晚于今天。")
        elif handled_on < push.pushed_on:
            _err(inp, "handled_on", "after_push", f"实施日期不能早于推送日期 {push.pushed_on}。")
    recorded_check = str(inp.recorded_check or "").strip()
    if recorded_check and not recorded_check.isdigit():
        _err(inp, "recorded_check", "integer", "核查留痕编号 recorded_check 必须是数字。")
    elif recorded_check:
        refusal = recorded_check_refusal(int(recorded_check), department, push.entry_id)
        if refusal:
            _err(inp, "recorded_check", "fits", refusal)
    if inp.errors:
        return None
    return {
        "recorded_check_id": int(recorded_check) if recorded_check else None,
        "push": push,
        "measure": measure,
        "result": result,
        "matter_name": matter_name,
        "matter_document_no": doc_no,
        "reason": reason,
        "handled_on": handled_on,
    }


def _pushes_for(department: Department, entry_ids) -> dict:
    ids = [int(str(e).strip()) for e in entry_ids if str(e or "").strip().isdigit()]
    return {
        p.entry_id: p
        for p in Push.objects.filter(department=department, entry_id__in=ids).prefetch_related("measures")
    }


def feedback_event_data(fb: Feedback, *, push: Push) -> dict:
    """What a consumer of ``feedback.recorded`` needs (the platforms' FK_ rows, docs/platforms.md):
    the entry it is about, who applied which measure in which matter, with what result and when."""
    measure = fb.measure
    return {
        "feedback_id": fb.pk,
        "entry_id": push.entry_id,
        "department_code": fb.department.code,
        "department_name": fb.department.name,
        "measure_code": measure.code,
        "measure_name": measure.name,
        "matter_name": fb.matter_name,
        "matter_document_no": fb.matter_document_no,
        "result": fb.result,
        "result_label": fb.get_result_display(),
        "reason": fb.reason,
        "handled_on": fb.handled_on,
        "is_late": fb.is_late,
    }


def _feedback_save(*, actor: User, department: Department, clean: dict) -> tuple[Feedback, bool]:
    push: Push = clean["push"]
    existing = Feedback.objects.filter(
        push=push,
        measure=clean["measure"],
        result=clean["result"],
        matter_name=clean["matter_name"],
        matter_document_no=clean["matter_document_no"],
        handled_on=clean["handled_on"],
    ).first()
    if existing:
        return existing, False  # the same feedback sent twice (retry, re-imported file): no duplicate
    now = clock.now()
    fb = Feedback.objects.create(
        entry_id=push.entry_id,
        department=department,
        created_by=actor,
        is_late=push.feedback_due is not None and timezone.localdate(now) > push.feedback_due,
        **clean,
    )
    Push.objects.filter(pk=push.pk, first_feedback_at__isnull=True).update(first_feedback_at=now)
    # In the same transaction as the feedback: the feed (and the platforms reporting up) see it once.
    event_emit(
        kind="feedback.recorded",
        aggregate_type="feedback",
        aggregate_id=fb.pk,
        data=feedback_event_data(fb, push=push),
        department=department,
    )
    audit_record(
        actor=actor,
        action="feedback.create",
        obj=fb,
        department=department,
        after={
            "entry_id": push.entry_id,
            "measure": clean["measure"].code,
            "result": clean["result"],
            "matter_name": clean["matter_name"],
            "matter_document_no": clean["matter_document_no"],
            "handled_on": clean["handled_on"],
            "reason": clean["reason"],
            "recorded_check": clean["recorded_check_id"],
        },
    )
    return fb, True


def feedback_create(
    *,
    actor: User,
    entry_id,
    measure: str,
    result: str,
    handled_on,
    matter_name: str = "",
    matter_document_no: str = "",
    reason: str = "",
    department: Department | None = None,
    recorded_check: int | None = None,
) -> tuple[Feedback, bool]:
    """执行反馈 on one pushed entry. Returns (feedback, created)."""
    department = department or getattr(actor, "department", None)
    if department is None:
        raise PermissionDenied("当前账号未归属任何部门，不能反馈。")
    ensure_can_write(actor, department)
    inp = FeedbackInput(
        entry_id=entry_id,
        measure=measure,
        result=result,
        handled_on=handled_on,
        matter_name=matter_name,
        matter_document_no=matter_document_no,
        reason=reason,
        recorded_check=recorded_check,
    )
    pushes = _pushes_for(department, [entry_id])
    clean = _feedback_check(inp, department=department, today=clock.today(), pushes=pushes)
    if clean is None:
        if any(e["rule"] == "pushed_to_department" for e in inp.errors):
            raise PermissionDenied(inp.errors[0]["message"], details=inp.errors)
        raise ValidationFailed("；".join(e["message"] for e in inp.errors), details=inp.errors)
    with transaction.atomic():
        return _feedback_save(actor=actor, department=department, clean=clean)


# CSV/XLSX columns: Chinese headers as on the template, or the API field names.
IMPORT_COLUMNS = {
    "entry_id": ("名单条目编号", "条目编号", "entry_id"),
    "measure": ("措施代码", "measure"),
    "matter_name": ("事项名称", "matter_name"),
    "matter_document_no": ("文号", "matter_document_no"),
    "result": ("反馈结果", "result"),
    "reason": ("理由", "说明", "reason"),
    "handled_on": ("实施日期", "handled_on"),
    "recorded_check": ("核查留痕编号", "recorded_check"),
}
REQUIRED_COLUMNS = ("entry_id", "measure", "result", "handled_on")
MAX_IMPORT_ROWS = 20_000


@dataclass
class FeedbackImportResult:
    accepted: int
    duplicates: int
    rejected: int
    errors: list[dict]


def feedback_import(
    *, actor: User, fileobj, name: str, department: Department | None = None
) -> FeedbackImportResult:
    """Bulk 执行反馈 from CSV/XLSX. All or nothing: any invalid row rejects the whole file, with
    every row's errors reported (row numbers as in the spreadsheet)."""
    department = department or getattr(actor, "department", None)
    if department is None:
        raise PermissionDenied("当前账号未归属任何部门，不能反馈。")
    ensure_can_write(actor, department)
    table = read_table(fileobj, name=name, allowed={".csv", ".xlsx"})
    header = [h.strip() for h in table.header]
    index = {}
    for key, names in IMPORT_COLUMNS.items():
        for i, h in enumerate(header):
            if h in names:
                index[key] = i
                break
    missing = [IMPORT_COLUMNS[k][0] for k in REQUIRED_COLUMNS if k not in index]
    if missing:
        raise ValidationFailed(
            f"文件缺少必需的列：{'、'.join(missing)}。",
            details=[{"row": 1, "field": m, "rule": "column", "message": f"缺少列“{m}”"} for m in missing],
        )
    inputs = []
    for line, cells in table.rows:
        if len(inputs) >= MAX_IMPORT_ROWS:
            raise ValidationFailed.single("file", "max_rows", f"单个文件最多 {MAX_IMPORT_ROWS} 行。")
        values = {k: (cells[i] if i < len(cells) else "") for k, i in index.items()}
        inputs.append(FeedbackInput(row=line, **{k: values.get(k, "") for k in IMPORT_COLUMNS}))
    if not inputs:
        raise ValidationFailed.single("file", "empty", "文件没有数据行。")
    pushes = _pushes_for(department, [i.entry_id for i in inputs])
    today = clock.today()
    cleaned = [_feedback_check(i, department=department, today=today, pushes=pushes) for i in inputs]
    errors = [e for i in inputs for e in i.errors]
    if errors:
        raise ValidationFailed(
            f"共 {sum(1 for i in inputs if i.errors)} 行有误，文件未导入：" + errors[0]["message"],
            details=errors,
        )
    accepted = duplicates = 0
    with transaction.atomic():
        for clean in cleaned:
            _, created = _feedback_save(actor=actor, department=department, clean=clean)
            accepted += created
            duplicates += not created
    return FeedbackImportResult(accepted=accepted, duplicates=duplicates, rejected=0, errors=[])
