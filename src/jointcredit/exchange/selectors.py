"""Exchange reads: the feed, subscriptions and deliveries, the push inbox, feedback, dashboards."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jointcredit.accounts.models import Department, User
from jointcredit.accounts.permissions import ensure_can_view, ensure_office_admin
from jointcredit.common import clock
from jointcredit.common.errors import NotFound, PermissionDenied, ValidationFailed
from jointcredit.common.pagination import paginate

from .extensions import entry_ended_q
from .models import Delivery, DeliveryStatus, Feedback, FeedbackResult, OutboxEvent, Push, Subscription
from .sequencer import sequence_step

FEED_MAX_LIMIT = 1000


def feed_read(*, after: int = 0, limit: int = 100) -> list[OutboxEvent]:
    """Events with position > ``after`` in position order. Only sequenced rows are served; the
    reader first runs one bounded, non-blocking sequencer step so that a feed consumer never
    depends on the worker being up (ADR 0004)."""
    if after < 0:
        raise ValidationFailed.single("after", "min", "after 必须是大于等于 0 的整数（上次读到的序位）。")
    if not 1 <= limit <= FEED_MAX_LIMIT:
        raise ValidationFailed.single("limit", "range", f"limit 必须在 1 到 {FEED_MAX_LIMIT} 之间。")
    sequence_step(limit=FEED_MAX_LIMIT * 5, wait=False)
    return list(OutboxEvent.objects.filter(position__gt=after).order_by("position")[:limit])


# --- subscriptions -------------------------------------------------------------------------------


def _department_scope(actor: User, department: Department | None) -> Department | None:
    """Office admins see every department (or the one asked for); others only their own."""
    ensure_can_view(actor)
    if actor.is_superuser or actor.is_office_admin:
        return department
    if department is not None and department.pk != actor.department_id:
        raise PermissionDenied("只能查看本部门的数据。")
    if actor.department_id is None:
        raise PermissionDenied("当前账号未归属任何部门。")
    return actor.department


def subscription_list(*, actor: User, page: int = 1, page_size: int = 20):
    scope = _department_scope(actor, None)
    qs = (
        Subscription.objects.select_related("department")
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            dead=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)),
        )
        .order_by("department__code", "name", "pk")
    )
    if scope is not None:
        qs = qs.filter(department=scope)
    return paginate(qs, page=page, page_size=page_size)


def subscription_get(*, actor: User, subscription_id: int) -> Subscription:
    sub = Subscription.objects.select_related("department").filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound(f"订阅 {subscription_id} 不存在。")
    _department_scope(actor, sub.department)
    return sub


def delivery_list(
    *,
    actor: User,
    subscription_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = 20,
):
    scope = _department_scope(actor, None)
    qs = Delivery.objects.select_related("event", "subscription__department").order_by(
        "-event__position", "-pk"
    )
    if scope is not None:
        qs = qs.filter(subscription__department=scope)
    if subscription_id is not None:
        qs = qs.filter(subscription_id=subscription_id)
    if status:
        if status not in DeliveryStatus.values:
            raise ValidationFailed.single(
                "status", "choice", "status 必须是 " + "、".join(DeliveryStatus.values) + " 之一。"
            )
        qs = qs.filter(status=status)
    return paginate(qs, page=page, page_size=page_size)


def delivery_get(*, actor: User, delivery_id: int) -> Delivery:
    row = Delivery.objects.select_related("subscription__department", "event").filter(pk=delivery_id).first()
    if row is None:
        raise NotFound(f"投递记录 {delivery_id} 不存在。")
    _department_scope(actor, row.subscription.department)
    return row


# --- push inbox ----------------------------------------------------------------------------------

INBOX_FILTERS = {
    "awaiting": "待反馈",
    "overdue": "已逾期",
    "answered": "已反馈",
    "withdrawn": "已撤销",
    "all": "全部",
}


def withdrawn_q(today: date) -> Q:
    """A push is withdrawn (已撤销) once its entry is out of force: removed for any reason (revoked on
    objection, repaired, corrected, superseded, expired) or past ``valid_until``. Derived from the
    entry at read time (ADR 0025), so it holds from the moment the removal commits — and, for expiry,
    from the first day after the end date — whether or not the dispatcher or the sweep has run."""
    return entry_ended_q(today, prefix="entry__")


def awaiting_q(today: date) -> Q:
    """Still owes feedback: not answered and not withdrawn."""
    return Q(first_feedback_at__isnull=True) & ~withdrawn_q(today)


def overdue_q(today: date) -> Q:
    """逾期未反馈: owes feedback and the deadline has passed (withdrawn pushes never count)."""
    return awaiting_q(today) & Q(feedback_due__lt=today)


def _state_q(state: str, today: date) -> Q:
    if state not in INBOX_FILTERS:
        raise ValidationFailed.single(
            "state", "choice", "state 必须是 " + "、".join(INBOX_FILTERS) + " 之一。"
        )
    return {
        "awaiting": awaiting_q(today),
        "overdue": overdue_q(today),
        "answered": Q(first_feedback_at__isnull=False),
        "withdrawn": withdrawn_q(today),
        "all": Q(),
    }[state]


def push_filter(*, department_id: int, state: str = "awaiting", today: date | None = None):
    """The pushes the inbox pages through for one receiving department (the workbench to-do card
    counts this very queryset)."""
    return Push.objects.filter(department_id=department_id).filter(_state_q(state, today or clock.today()))


def push_inbox(
    *, actor: User, state: str = "awaiting", today: date | None = None, page: int = 1, page_size: int = 20
):
    """待处理名单: entries pushed to the actor's department with the measures it must apply."""
    ensure_can_view(actor)
    if actor.department_id is None:
        raise PermissionDenied("当前账号未归属任何部门。")
    qs = (
        push_filter(department_id=actor.department_id, state=state, today=today)
        .select_related("entry__list_type", "entry__subject", "entry__department")
        .prefetch_related("measures")
    )
    return paginate(
        qs.order_by("feedback_due", "pk")
        if state in ("awaiting", "overdue")
        else qs.order_by("-pushed_on", "-pk"),
        page=page,
        page_size=page_size,
    )


def push_get(*, actor: User, push_id: int) -> Push:
    """A push is visible to its receiving department, the entry's initiating department and the office."""
    ensure_can_view(actor)
    push = (
        Push.objects.select_related(
            "entry__list_type__memorandum", "entry__subject", "entry__department", "department"
        )
        .prefetch_related("measures")
        .filter(pk=push_id)
        .first()
    )
    if push is None:
        raise NotFound(f"推送 {push_id} 不存在。")
    if not (
        actor.is_superuser
        or actor.is_office_admin
        or actor.department_id in (push.department_id, push.entry.department_id)
    ):
        raise NotFound(f"推送 {push_id} 不存在。")
    return push


def push_withdrawal(push: Push, *, today: date) -> dict | None:
    """Why and since when a push is withdrawn (None while the entry is in force), from its entry."""
    entry = push.entry
    reason = entry.end_reason(today)
    if not reason:
        return None
    if entry.state == "removed":
        on = timezone.localdate(entry.removed_at) if entry.removed_at else None
        note = entry.removal_note
    else:  # expired by date, before (or without) anyone removing it
        on = entry.valid_until + timedelta(days=1)
        note = f"有效期已于 {entry.valid_until} 届满"
    return {"reason": reason, "reason_label": entry.end_reason_label(today), "note": note, "on": on}


def push_status(push: Push, *, today: date) -> str:
    if push.entry.end_reason(today):
        return "已撤销"
    if push.first_feedback_at:
        return "已反馈"
    if push.feedback_due is None:
        return "待反馈（期限待配置节假日）"
    return "已逾期" if push.feedback_due < today else "待反馈"


# --- feedback ------------------------------------------------------------------------------------


def feedback_list(*, actor: User, entry_id: int | None = None, page: int = 1, page_size: int = 20):
    scope = _department_scope(actor, None)
    qs = Feedback.objects.select_related("department", "measure", "entry__subject", "entry__list_type")
    if scope is not None:
        # Own feedback, plus feedback on entries the department itself initiated ("who responded").
        qs = qs.filter(Q(department=scope) | Q(entry__department=scope))
    if entry_id is not None:
        qs = qs.filter(entry_id=entry_id)
    return paginate(qs.order_by("-created_at", "-pk"), page=page, page_size=page_size)


# --- office dashboards ---------------------------------------------------------------------------


def response_rates(*, actor: User, today: date | None = None) -> list[dict]:
    """Per receiving department: pushes that owed feedback (withdrawn before any feedback do not),
    answered, answered on time, overdue, pending deadlines, and withdrawn unanswered."""
    ensure_office_admin(actor)
    today = today or clock.today()
    on_time = Exists(Feedback.objects.filter(push=OuterRef("pk"), is_late=False))
    answered = Q(first_feedback_at__isnull=False)
    rows = (
        Push.objects.values("department_id", "department__name", "department__code")
        .annotate(
            total=Count("pk", filter=answered | ~withdrawn_q(today)),
            answered=Count("pk", filter=answered),
            overdue=Count("pk", filter=overdue_q(today)),
            pending_calendar=Count("pk", filter=awaiting_q(today) & Q(feedback_due__isnull=True)),
            withdrawn=Count("pk", filter=~answered & withdrawn_q(today)),
        )
        .order_by("department__code")
    )
    on_time_counts = dict(Push.objects.filter(on_time).values_list("department_id").annotate(n=Count("pk")))
    out = []
    for r in rows:
        r["on_time"] = on_time_counts.get(r["department_id"], 0)
        r["rate"] = round(100 * r["answered"] / r["total"], 1) if r["total"] else 0.0
        out.append(r)
    return out


def overdue_pushes(*, actor: User, today: date | None = None, page: int = 1, page_size: int = 20):
    ensure_office_admin(actor)
    today = today or clock.today()
    qs = (
        Push.objects.filter(overdue_q(today))
        .select_related("department", "entry__subject", "entry__list_type", "entry__department")
        .order_by("feedback_due", "pk")
    )
    return paginate(qs, page=page, page_size=page_size)


APPLIED = (FeedbackResult.PUNISHED, FeedbackResult.REWARDED)


def measures_applied_by_month(*, actor: User, months: int = 12) -> list[dict]:
    """[{"month": date, "punished": n, "rewarded": n}] for the last ``months`` months with data."""
    ensure_office_admin(actor)
    buckets: dict[date, dict] = defaultdict(lambda: {"punished": 0, "rewarded": 0})
    rows = (
        Feedback.objects.filter(result__in=APPLIED)
        .annotate(month=TruncMonth("handled_on"))
        .values("month", "result")
        .annotate(n=Count("pk"))
    )
    for r in rows:
        month = r["month"].date() if hasattr(r["month"], "date") else r["month"]
        buckets[month][r["result"]] += r["n"]
    return [{"month": m, **buckets[m]} for m in sorted(buckets)[-months:]]


def cases(*, actor: User, kind: str | None = None):
    """奖惩案例: feedback where a measure was actually applied. Office sees all, others their own."""
    scope = _department_scope(actor, None)
    qs = Feedback.objects.filter(result__in=APPLIED).select_related(
        "department", "measure", "entry__subject", "entry__list_type", "entry__department"
    )
    if scope is not None:
        qs = qs.filter(Q(department=scope) | Q(entry__department=scope))
    if kind:
        if kind not in APPLIED:
            raise ValidationFailed.single(
                "kind", "choice", "kind 必须是 punished（惩戒）或 rewarded（激励）。"
            )
        qs = qs.filter(result=kind)
    return qs.order_by("-handled_on", "-pk")
