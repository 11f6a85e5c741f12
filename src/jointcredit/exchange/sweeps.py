"""`jointcredit sweep` hook (idempotent): catch up the sequencer and dispatcher, re-arm due and
orphaned deliveries (a killed worker's leases), and remind departments of overdue feedback."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from jointcredit.accounts.models import Role, User

from .delivery import subscriptions_with_due
from .dispatcher import dispatch_all
from .models import Push
from .sequencer import sequence_all
from .tasks import deliveries_enqueue


def feedback_reminders(*, now) -> int:
    """One reminder per overdue push (``reminded_at`` makes reruns no-ops)."""
    today = timezone.localdate(now)
    overdue = list(Push.objects.filter(first_feedback_at__isnull=True, entry_removed_at__isnull=True,
                                       reminded_at__isnull=True, feedback_due__lt=today)
                   .select_related("entry", "department"))
    by_department: dict[int, list[Push]] = {}
    for push in overdue:
        by_department.setdefault(push.department_id, []).append(push)
    for dept_id, pushes in by_department.items():
        recipients = [u.email for u in User.objects.filter(department_id=dept_id, is_active=True).exclude(email="")
                      if u.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN)]
        if recipients:
            lines = "\n".join(f"- 条目 {p.entry_id}（{p.entry.subject_name}），反馈截止 {p.feedback_due}" for p in pushes)
            send_mail(f"【联合奖惩】{len(pushes)} 条推送名单逾期未反馈", f"以下名单条目已超过反馈期限，请尽快执行反馈：\n{lines}",
                      settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)
        Push.objects.filter(pk__in=[p.pk for p in pushes]).update(reminded_at=now)
    return len(overdue)


def run(*, now, stdout=None) -> dict:
    sequenced = sequence_all()
    dispatched = dispatch_all()
    rearmed = deliveries_enqueue(subscription_ids=subscriptions_with_due(now=now))
    reminded = feedback_reminders(now=now)
    return {"定序事件": sequenced, "分发事件": dispatched, "重新排队订阅": rearmed, "逾期反馈提醒": reminded}
