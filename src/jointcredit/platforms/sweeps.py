"""`jointcredit sweep` hook: an exchange round and the daily reconciliation with every active
platform; re-arms the periodic exchange task (the rounds between sweeps)."""

from __future__ import annotations

from .models import Platform
from .reconciliation import reconciliation_run
from .services import platform_exchange
from .tasks import platforms_exchange_arm


def run(*, now, stdout=None) -> dict[str, int]:
    out = {"上级平台交换": 0, "对账差异": 0}
    for platform in Platform.objects.filter(is_active=True):
        result = platform_exchange(platform=platform)
        if result.get("failed"):
            continue
        out["上级平台交换"] += 1
        out["对账差异"] += len(reconciliation_run(platform=platform).lines)
    platforms_exchange_arm()
    return out
