"""Background work of the portal (django-tasks, run by `jointcredit worker`): the daily public
extract (ADR 0031), enqueued by the portal's sweep."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from jointcredit.common.extracts import extract_build, extract_prune

QUEUE = "default"


@task(queue_name=QUEUE)
def extract_build_task(*, as_of: str, force: bool = False) -> dict:
    """Build the extract of ``as_of`` (ISO date) unless it exists, then drop the oldest ones."""
    extract = extract_build(as_of=date.fromisoformat(as_of), force=force)
    pruned = extract_prune()
    return {
        "as_of": as_of,
        "built": extract.built,
        "files": len(extract.files),
        "bytes": extract.total_bytes,
        "pruned": pruned,
    }
