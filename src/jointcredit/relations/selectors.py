"""Reads: import batches of related persons."""

from __future__ import annotations

from jointcredit.common.errors import NotFound
from jointcredit.common.pagination import Page, paginate
from jointcredit.subjects.models import RelatedPerson, Subject

from .models import RelatedImportBatch


def batch_get(batch_id: int) -> RelatedImportBatch:
    batch = RelatedImportBatch.objects.select_related("department", "actor").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"没有编号为 {batch_id} 的关联人导入批次。")
    return batch


def batch_list(*, page: int = 1, page_size: int = 20) -> Page:
    return paginate(
        RelatedImportBatch.objects.select_related("department", "actor").order_by("-id"),
        page=page,
        page_size=page_size,
    )


def batches_of_subject(subject: Subject) -> list[RelatedImportBatch]:
    """The imports that recorded periods of ``subject``'s related persons, newest first."""
    ids = (
        RelatedPerson.objects.filter(subject=subject, batch_id__isnull=False)
        .values_list("batch_id", flat=True)
        .distinct()
    )
    return list(
        RelatedImportBatch.objects.filter(pk__in=list(ids)).select_related("department").order_by("-id")[:50]
    )
