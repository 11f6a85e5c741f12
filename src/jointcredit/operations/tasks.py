"""The scheduled jobs (operations.models.Schedule names them by path)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django_tasks import task

from jointcredit.common import partitions


@task(queue_name="default")
def sweep_run(*, slot: str) -> str:
    """Every app's sweep (deadlines, expiries, deliveries re-armed, the public extract, upstream
    exchange and reconciliation): ``jointcredit sweep``."""
    out = StringIO()
    call_command("sweep", stdout=out)
    return out.getvalue()[-2000:]


@task(queue_name="default")
def partitions_upkeep(*, slot: str) -> dict:
    """Ranges ahead for every partitioned table, then retention (ADR 0049)."""
    from .services import partitions_retention_apply

    created = partitions.partitions_ensure()
    archived = partitions_retention_apply(actor=None)
    return {"created": created, "archived": archived}
