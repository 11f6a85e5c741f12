"""The exchange-database (前置库) transport: the tables of ``platforms.exchange_db`` (ADR 0038)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import exchange_db
from ..models import OutgoingItem, Platform
from . import Receipt


def outgoing_row(item: OutgoingItem) -> exchange_db.OutgoingRow:
    """The exchange table's row of an item (``DFBM`` and ``SJC`` are row columns, not payload)."""
    payload = dict(item.payload)
    dfbm, sjc = payload.pop("DFBM"), payload.pop("SJC")
    return exchange_db.OutgoingRow(
        idempotency_key=item.idempotency_key,
        item_type=item.item_type,
        action=item.action,
        source_key=item.source_key,
        dfbm=dfbm,
        sjc=sjc,
        payload=payload,
    )


class ExchangeDbTransport:
    reconciles = True

    def __init__(self, platform: Platform):
        self.code, self.alias = platform.code, platform.exchange_alias

    def prepare(self) -> None:
        exchange_db.schema_ensure(self.alias)

    def send(self, items: Sequence[OutgoingItem]) -> None:
        exchange_db.outgoing_insert(self.code, [outgoing_row(i) for i in items], name=self.alias)

    def receipts_after(self, position: int, *, limit: int) -> list[Receipt]:
        return exchange_db.receipts_after(self.code, position, limit=limit, name=self.alias)

    def incoming_after(self, position: int, *, limit: int) -> list[exchange_db.IncomingRow]:
        return exchange_db.incoming_after(self.code, position, limit=limit, name=self.alias)

    def incoming_status_write(self, rows: list[tuple[int, str, str]]) -> None:
        exchange_db.incoming_status_write(rows, name=self.alias)

    def holdings(self) -> dict[str, tuple[str, str]]:
        return exchange_db.holdings(self.code, name=self.alias)
