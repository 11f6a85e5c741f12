"""Demo contacts on file (预留联系方式, from 区市场监管局's registration data) for most subjects that
have something to contest, so that the code path of the credit service works in the demo."""

from __future__ import annotations

from jointcredit.accounts.models import User
from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.subjects.models import Subject
from jointcredit.subjects.services import subject_contact_add

# After every app whose demo publishes entries, in the order the demo always ran (same seed, same data).
AFTER = (
    "measures",
    "lists",
    "records",
    "exchange",
    "objections",
    "repairs",
    "grading",
    "commitments",
    "catalog",
)


def build(ctx) -> None:
    clerk = User.objects.get(username="scjgj_clerk")
    ids = sorted(
        set(ListEntry.objects.filter(state=EntryState.PUBLISHED).values_list("subject_id", flat=True))
    )
    # Every fourth subject has none: it must use single sign-on or a clerk's check.
    for n, subject in enumerate(Subject.objects.filter(pk__in=ids).order_by("pk")):
        if n % 4 == 3:
            continue
        subject_contact_add(
            actor=clerk,
            subject=subject,
            email=f"contact{subject.pk}@example.com",
            source="企业登记信息（演示）",
        )
    ctx.log(f"  预留联系方式：{max(0, len(ids) - len(ids) // 4)} 个主体")
