"""Exchange settings with defaults. Override in Django settings (tests) or the environment (deployments).

JOINTCREDIT_WEBHOOK_ALLOWED_HOSTS   comma-separated host names or ".suffix" patterns a webhook URL may
                                    point to; empty = any host (see docs/webhooks.md, SSRF)
JOINTCREDIT_WEBHOOK_TIMEOUT         seconds per HTTP request (default 10)
JOINTCREDIT_WEBHOOK_DEAD_HOURS      retry horizon before a delivery is dead-lettered (default 72)
JOINTCREDIT_WEBHOOK_BACKOFF_BASE    first retry delay in seconds (default 10; doubles, with jitter)
JOINTCREDIT_WEBHOOK_BACKOFF_MAX     longest retry delay in seconds (default 1800)
JOINTCREDIT_WEBHOOK_LEASE           seconds a claimed delivery is reserved for its sender (default 120)
JOINTCREDIT_WEBHOOK_CONCURRENCY     parallel HTTP connections per sender task (default 8)
JOINTCREDIT_WEBHOOK_LANES           sender tasks per subscription that may run at once (default 2)
JOINTCREDIT_WEBHOOK_LINGER          seconds a sender lane that ran dry keeps pumping and polling for new
                                    events before it ends (default 1; 0 = end at once)
JOINTCREDIT_DELIVERY_RETENTION_DAYS delivered deliveries older than this are pruned by the sweep (default 90)
JOINTCREDIT_TASK_RESULT_RETENTION_DAYS  finished django-tasks results of the webhooks queue older than this
                                    are pruned by the sweep (default 7)
"""

from __future__ import annotations

import os

from django.conf import settings

_DEFAULTS = {
    "JOINTCREDIT_WEBHOOK_ALLOWED_HOSTS": "",
    "JOINTCREDIT_WEBHOOK_TIMEOUT": "10",
    "JOINTCREDIT_WEBHOOK_DEAD_HOURS": "72",
    "JOINTCREDIT_WEBHOOK_BACKOFF_BASE": "10",
    "JOINTCREDIT_WEBHOOK_BACKOFF_MAX": "1800",
    "JOINTCREDIT_WEBHOOK_LEASE": "120",
    "JOINTCREDIT_WEBHOOK_CONCURRENCY": "8",
    "JOINTCREDIT_WEBHOOK_LANES": "2",
    "JOINTCREDIT_WEBHOOK_LINGER": "1",
    "JOINTCREDIT_DELIVERY_RETENTION_DAYS": "90",
    "JOINTCREDIT_TASK_RESULT_RETENTION_DAYS": "7",
}


def _get(name: str):
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, _DEFAULTS[name])


def allowed_hosts() -> list[str]:
    value = _get("JOINTCREDIT_WEBHOOK_ALLOWED_HOSTS")
    if isinstance(value, str):
        value = value.split(",")
    return [h.strip().lower() for h in value if h and h.strip()]


def timeout() -> float:
    return float(_get("JOINTCREDIT_WEBHOOK_TIMEOUT"))


def dead_after_seconds() -> float:
    return float(_get("JOINTCREDIT_WEBHOOK_DEAD_HOURS")) * 3600


def backoff_base() -> float:
    return float(_get("JOINTCREDIT_WEBHOOK_BACKOFF_BASE"))


def backoff_max() -> float:
    return float(_get("JOINTCREDIT_WEBHOOK_BACKOFF_MAX"))


def lease_seconds() -> float:
    return float(_get("JOINTCREDIT_WEBHOOK_LEASE"))


def concurrency() -> int:
    return max(1, int(_get("JOINTCREDIT_WEBHOOK_CONCURRENCY")))


def sender_lanes() -> int:
    return max(1, int(_get("JOINTCREDIT_WEBHOOK_LANES")))


def linger_seconds() -> float:
    return max(0.0, float(_get("JOINTCREDIT_WEBHOOK_LINGER")))


def delivery_retention_days() -> float:
    return max(0.0, float(_get("JOINTCREDIT_DELIVERY_RETENTION_DAYS")))


def task_result_retention_days() -> float:
    return max(0.0, float(_get("JOINTCREDIT_TASK_RESULT_RETENTION_DAYS")))


def feedback_working_days_default() -> int:
    return int(settings.JOINTCREDIT.get("FEEDBACK_WORKING_DAYS", 10))
