"""`jointcredit sweep` hook: an exchange round and the daily reconciliation with every active
platform; re-arms the periodic exchange task (the rounds between sweeps)."""

from __future__ import annotations

from django.db import DatabaseError

from .models import Platform
from .reconciliation import reconciliation_run
from .services import platform_exchange
from .tasks import platforms_exchange_arm
from .transports import TransportError, transport_for


def run(*, now, stdout=None) -> dict[str, int]:
    out = {"上级平台交换": 0, "对账差异": 0}
    for platform in Platform.objects.filter(is_active=True):
        result = platform_exchange(platform=platform)
        if result.get("failed"):
            continue
        out["上级平台交换"] += 1
        if not transport_for(platform).reconciles:
            continue  # a file platform's holdings are not known here
        try:
            out["对账差异"] += len(reconciliation_run(platform=platform).lines)
        except (DatabaseError, TransportError):
            continue  # asked again tomorrow; the exchange itself succeeded

    platforms_exchange_arm()
    return out
