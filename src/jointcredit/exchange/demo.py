"""Exchange demo data (DESIGN.md §7), run by `jointcredit demo` after the lists demo.

Everything goes through the real paths: the sequencer and dispatcher turn the lists demo's
``list_entry.published`` events into pushes (信息推送), feedback is written with
``services.feedback_create`` (validation, audit), subscriptions with ``services.subscription_create``.
Time is then simulated the way the lists demo does it: pushes are moved back to a date between the
entry's decision and today (deadline recomputed with the working-day calendar) and feedback to the
day it was given, so the inbox, the 反馈统计 page and the office dashboard show on-time, late and
overdue departments right after `make run`.

Webhook subscriptions point at 127.0.0.1 and are paused: the demo never sends traffic anywhere.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jointcredit.accounts.models import User
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common.errors import DomainError

from . import services
from .dispatcher import dispatch_all
from .models import Feedback, FeedbackResult, Push
from .selectors import overdue_q
from .sequencer import sequence_all

# After the demos that publish entries and records: pushes and feedback are made for them.
AFTER = ("lists", "records")

# Department behaviour profiles: (share of pushes answered, share of answers given after the due date).
DILIGENT, ORDINARY, SLOW, NEGLIGENT = (0.95, 0.05), (0.8, 0.25), (0.6, 0.6), (0.2, 0.5)
PROFILES = {
    "xzsp": DILIGENT,
    "swj": DILIGENT,
    "czj": DILIGENT,
    "ggzy": ORDINARY,
    "fgj": ORDINARY,
    "rsj": ORDINARY,
    "zjj": SLOW,
    "jtj": SLOW,
    "wlj": NEGLIGENT,
    "cgj": NEGLIGENT,
}
MATTERS = {
    "xzsp": ("食品经营许可证核发", "历审批食许〔2026〕{n}号"),
    "swj": ("增值税专用发票领用审核", "历税通〔2026〕{n}号"),
    "czj": ("区级财政专项资金申报审核", "历财资〔2026〕{n}号"),
    "ggzy": ("政府采购项目投标资格审查", "历公资审〔2026〕{n}号"),
    "fgj": ("区级重点项目申报审核", "历发改投〔2026〕{n}号"),
    "rsj": ("人力资源服务许可审批", "历人社许〔2026〕{n}号"),
    "zjj": ("建筑业企业资质核查", "历住建资〔2026〕{n}号"),
}
SUBSCRIPTIONS = [  # (department, name, event kinds) — all paused, on loopback
    ("xzsp", "行政审批业务系统（测试环境）", ["list_entry.*"]),
    ("swj", "税收征管系统对接", ["list_entry.published", "list_entry.removed", "record.*"]),
    ("ggzy", "公共资源交易平台", ["list_entry.*", "commitment.broken"]),
]


def build(ctx) -> None:
    sequence_all()
    dispatch_all()  # pushes for every published entry, exactly as the worker would create them
    subscriptions = _subscriptions(ctx)
    pushes = _simulate_push_dates(ctx)
    answered, late = _feedback(ctx, pushes)
    overdue = Push.objects.filter(overdue_q(ctx.today)).count()
    ctx.log(
        f"  信息推送：{len(pushes)} 条推送，{answered} 条已反馈（其中逾期反馈 {late} 条），"
        f"{overdue} 条逾期未反馈；"
        f"{subscriptions} 个事件订阅（127.0.0.1，已暂停）"
    )


def _subscriptions(ctx) -> int:
    created = 0
    for i, (code, name, kinds) in enumerate(SUBSCRIPTIONS):
        dept = ctx.departments.get(code)
        admin = User.objects.filter(username=f"{code}_admin").first()
        if dept is None or admin is None:
            continue
        try:
            sub, _ = services.subscription_create(
                actor=admin,
                department=dept,
                name=name,
                url=f"http://127.0.0.1:{18080 + i}/jointcredit/events",
                event_kinds=kinds,
            )
        except DomainError as exc:  # e.g. an allow-list that excludes 127.0.0.1: no subscription then
            ctx.log(f"  事件订阅“{name}”未创建：{exc.message}")
            continue
        services.subscription_set_active(actor=admin, subscription=sub, active=False)
        created += 1
    return created


def _simulate_push_dates(ctx) -> list[Push]:
    """Move each push back to a day between its entry's decision and today (at most 120 days)."""
    rng, today = ctx.rng, ctx.today
    calendar = WorkingCalendar.load()
    pushes = list(Push.objects.select_related("entry").order_by("pk"))
    for push in pushes:
        decided = push.entry.decided_on or today
        span = max(0, min((today - decided).days, 120))
        age = rng.randint(0, span) if span else 0
        push.pushed_on = today - timedelta(days=age)
        push.feedback_due = deadline_or_pending(push.pushed_on, push.feedback_working_days, calendar=calendar)
        Push.objects.filter(pk=push.pk).update(pushed_on=push.pushed_on, feedback_due=push.feedback_due)
    return pushes


def _at(day, rng) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9 + rng.randint(0, 8), rng.randint(0, 59))))


def _feedback(ctx, pushes: list[Push]) -> tuple[int, int]:
    rng, today = ctx.rng, ctx.today
    clerks = {
        u.department_id: u
        for u in User.objects.filter(username__endswith="_clerk").select_related("department")
    }
    answered = late_count = 0
    for push in pushes:
        clerk = clerks.get(push.department_id)
        if clerk is None or push.feedback_due is None or push.pushed_on >= today:
            continue
        share, late_share = PROFILES.get(clerk.department.code, (0.5, 0.3))
        if rng.random() >= share:
            continue  # not answered: awaiting, or overdue once the due date has passed
        late = push.feedback_due < today and rng.random() < late_share
        if late:
            day = push.feedback_due + timedelta(days=rng.randint(1, max(1, (today - push.feedback_due).days)))
        else:
            day = push.pushed_on + timedelta(
                days=rng.randint(0, max(0, (min(today, push.feedback_due) - push.pushed_on).days))
            )
        day = min(day, today)
        matter, doc = MATTERS.get(clerk.department.code, ("行政审批事项受理", "历〔2026〕{n}号"))
        saved = []
        with transaction.atomic():
            for measure in push.measures.all():
                applied = rng.random() < 0.55
                if measure.is_punishment:
                    result = FeedbackResult.PUNISHED if applied else FeedbackResult.NOT_INVOLVED
                else:
                    result = FeedbackResult.REWARDED if applied else FeedbackResult.NOT_APPLICABLE
                try:
                    fb, _ = services.feedback_create(
                        actor=clerk,
                        entry_id=push.entry_id,
                        measure=measure.code,
                        result=result,
                        handled_on=day,
                        matter_name=f"{matter}（{push.entry.subject_name}）" if applied else "",
                        matter_document_no=doc.format(n=rng.randint(100, 999)) if applied else "",
                        reason=""
                        if applied or result != FeedbackResult.NOT_APPLICABLE
                        else "该主体本期未申报相关事项，暂无可实施的激励。",
                    )
                except DomainError as exc:
                    ctx.log(f"  执行反馈未写入（条目 {push.entry_id}）：{exc.message}")
                    continue
                saved.append(fb.pk)
            if not saved:
                continue
            # Simulated passage of time: the feedback was given on ``day``.
            given = _at(day, rng)
            Feedback.objects.filter(pk__in=saved).update(created_at=given, is_late=day > push.feedback_due)
            Push.objects.filter(pk=push.pk).update(first_feedback_at=given)
        answered += 1
        late_count += day > push.feedback_due
    return answered, late_count
