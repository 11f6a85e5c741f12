"""The one clock: every piece of code that needs "now" or "today" asks here (DESIGN.md §2 Time).

``today()`` is the date in the configured time zone (Asia/Shanghai), which is what every deadline,
publication window and validity check compares against; ``now()`` is an aware datetime for
timestamps. Tests freeze or move this clock with ``time_machine.travel(...)`` (the test plugin's
``--travel-to`` option moves the whole suite), so a test never depends on the real date.

Model field defaults (``auto_now_add``, ``default=timezone.now``) are Django reading the same
system clock and move with it under time-machine; nothing else reads the wall clock directly.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """The current moment, time-zone aware (UTC)."""
    return timezone.now()


def today() -> date:
    """Today's date in the local time zone (settings.TIME_ZONE)."""
    return timezone.localdate()


def timestamp() -> float:
    """Seconds since the epoch, for signatures and session ages."""
    return timezone.now().timestamp()
