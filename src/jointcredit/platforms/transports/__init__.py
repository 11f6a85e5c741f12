"""Transports of 上下联动 (ADR 0038, ADR 0043): how items reach an upstream platform and come back.

A platform's ``transport`` field picks one; the services (stage → send → receipts → incoming)
are the same for all of them and talk to it through four calls:

* ``send(items)``: hand staged ``OutgoingItem`` rows to the platform (idempotent by key);
* ``receipts_after(position, limit)``: the platform's receipts past a position, as
  ``(id, idempotency_key, result, reason, received_at)``;
* ``incoming_after(position, limit)`` / ``incoming_status_write(rows)``: what the platform issued
  down (``exchange_db.IncomingRow``) and what became of it;
* ``holdings()``: what the platform holds in force (reconciliation), ``None`` if it cannot say.

A transport that cannot reach its platform raises ``TransportError`` (or ``DatabaseError`` for the
前置库): the round stops with everything staged or unread, and the next round (after the back-off
of ``retry_delay``) resumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..exchange_db import IncomingRow
    from ..models import OutgoingItem, Platform

Receipt = tuple[int, str, str, str, str]  # id, idempotency key, accepted | rejected, reason, received_at

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


class TransportError(Exception):
    """The platform cannot be reached or answered wrongly (Chinese, shown as the platform's error)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Transport(Protocol):
    reconciles: bool

    def prepare(self) -> None: ...

    def send(self, items: Sequence[OutgoingItem]) -> None: ...

    def receipts_after(self, position: int, *, limit: int) -> list[Receipt]: ...

    def incoming_after(self, position: int, *, limit: int) -> list[IncomingRow]: ...

    def incoming_status_write(self, rows: list[tuple[int, str, str]]) -> None: ...

    def holdings(self) -> dict[str, tuple[str, str]] | None: ...


def transport_for(platform: Platform) -> Transport:
    """The transport the platform's configuration names (``Platform.transport``)."""
    from ..models import Transport as Kind

    if platform.transport == Kind.HTTPS:
        from .https import HttpsTransport

        return HttpsTransport(platform)
    if platform.transport == Kind.FILE:
        from .files import FileTransport

        return FileTransport(platform)
    from .exchange_db import ExchangeDbTransport

    return ExchangeDbTransport(platform)


def retry_delay(failures: int) -> timedelta:
    """Exponential back-off after ``failures`` failed rounds in a row: 30 s, 1, 2, 4 … min, at most
    an hour (a platform down for an hour is tried again within the hour it comes back)."""
    seconds = min(RETRY_BASE_SECONDS * 2 ** max(failures - 1, 0), RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)
