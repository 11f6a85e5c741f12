"""What the portal registers itself (from ``PortalConfig.ready``): the ``subjects`` search provider
and the related-person sections (public, masked; staff, full). Everything else on the portal —
red/black lists, 双公示 records, grades … — is registered by the app that owns it (ADR 0016)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from jointcredit.common.portal_registry import (
    register_search_provider,
    register_subject_public_section,
    register_subject_staff_section,
)
from jointcredit.subjects import privacy
from jointcredit.subjects.models import Subject, SubjectKind

from .selectors import subject_search_public


def _url_or_blank(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- staff-only sections -------------------------------------------------------------------------
def _held_on(today: date) -> Q:
    """Roles in force on ``today`` (ADR 0046: ended roles stay on file as history)."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def related_persons_staff_section(subject: Subject, *, today: date) -> list[dict]:
    items = []
    held = _held_on(today)
    for link in (
        subject.related_persons.filter(held).select_related("person").order_by("role", "person__name")[:100]
    ):
        items.append(
            {
                "title": f"{link.get_role_display()} {link.person.name}",
                "fields": [
                    ("证件号码", link.person.identifier),
                    ("对失信行为负有直接责任", "是" if link.directly_responsible else "否"),
                ],
                "url": _url_or_blank("workbench:subject_detail", link.person.identifier),
            }
        )
    for link in subject.roles_in.filter(held).select_related("subject").order_by("subject__name")[:100]:
        items.append(
            {
                "title": f"{link.subject.name} 的{link.get_role_display()}",
                "fields": [("统一社会信用代码", link.subject.identifier)],
                "url": _url_or_blank("workbench:subject_detail", link.subject.identifier),
            }
        )
    return items


def related_public_section(subject: Subject, *, today: date) -> list[dict]:
    """法定代表人 etc. of an organisation, masked (a natural person's own page shows nothing here)."""
    if subject.kind == SubjectKind.NATURAL:
        return []
    return [
        {
            "title": link.get_role_display(),
            # A company holding shares is named in full; a natural person masked (ADR 0018).
            "fields": [
                ("姓名", privacy.mask_person_name(link.person.name))
                if link.person.is_natural_person
                else ("名称", link.person.name)
            ],
        }
        for link in subject.related_persons.filter(_held_on(today))
        .select_related("person")
        .order_by("role")[:20]
    ]


def register_defaults() -> None:
    register_search_provider("subjects", "信用主体", subject_search_public, order=10)
    register_subject_public_section(
        "related",
        "法定代表人及主要人员",
        related_public_section,
        order=90,
        empty_text="无公开的关联人信息。",
    )
    register_subject_staff_section(
        "related_staff",
        "关联人（内部，未脱敏）",
        related_persons_staff_section,
        order=90,
        empty_text="无关联人。",
    )
