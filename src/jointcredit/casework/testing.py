"""Test fixtures of the objections and repairs suites (their conftests import everything here):
the lists fixtures they build on, evidence files, an old published black entry (past the minimum
repair period), the contact block, and a helper that races real threads (PostgreSQL only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jointcredit.lists import services as lists
from jointcredit.lists.tests.conftest import (
    black_draft,
    black_published,
    company,
    person,
    scjgj_approver,
    scjgj_clerk,
    swj_approver,
    swj_clerk,
    today,
    types,
)

__all__ = [
    "PDF",
    "PNG",
    "pdf",
    "filed_on",
    "old_black",
    "contact",
    "black_draft",
    "black_published",
    "company",
    "person",
    "scjgj_approver",
    "scjgj_clerk",
    "swj_approver",
    "swj_clerk",
    "today",
    "types",
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="证明.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def filed_on(case, d: date) -> None:
    """Backdate a case's filing (``created_at``, 09:30 local time on ``d``)."""
    type(case).objects.filter(pk=case.pk).update(
        created_at=timezone.make_aware(datetime(d.year, d.month, d.day, 9, 30))
    )


@pytest.fixture
def old_black(black_draft, scjgj_clerk, scjgj_approver, today):  # noqa: F811
    """A published black entry decided 400 days ago (past the default 365-day minimum)."""

    def make(subject=None, days=400, **kwargs):
        entry = black_draft(subject, **kwargs)
        entry = lists.list_entry_notify(
            entry=entry, actor=scjgj_clerk, notified_on=today - timedelta(days=days + 40)
        )
        entry = lists.list_entry_decide(
            entry=entry, actor=scjgj_approver, decided_on=today - timedelta(days=days)
        )
        return lists.list_entry_publish(entry=entry, actor=scjgj_approver)

    return make


@pytest.fixture
def contact():
    return {"contact_name": "李明", "contact_email": "liming@example.com", "contact_phone": "0531-88888888"}
