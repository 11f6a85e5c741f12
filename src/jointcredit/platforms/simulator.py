"""A realistic upstream platform (the city's 信用济南 node) working the exchange database as the city
does: it takes the district's outgoing rows, validates them against the national formats and
answers each with a receipt (accepted, or rejected with the reasons), keeps what it holds in force
(``xchg_holding``, what reconciliation compares), and issues its own list entries, removals and
repairs. ``down`` makes it answer nothing, ``slow`` sleeps per batch, ``duplicate`` delivers every
issued item twice and answers every receipt twice (the district must apply and record each once).

Its tables are a store: the 前置库 itself (``ExchangeTables``, the default) or, for the HTTPS API
(``simulator_http``), the platform's own memory (``simulator_http.MemoryTables``) — the same
validation, receipts and issuing either way.

Used by ``jointcredit platform-simulator``, the demo and the tests (``platform_simulator`` fixture).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from . import exchange_db, formats

JINAN_DRC = ("11370100004188853W", "济南市发展和改革委员会", "city")


class ExchangeTables:
    """The platform's side of the 前置库 tables (``exchange_db``)."""

    def __init__(self, platform_code: str, database: str | None = None):
        self.code, self.database = platform_code, database

    def atomic(self):
        return transaction.atomic(using=exchange_db.connection(self.database).alias)

    def outgoing_take(self, *, limit: int) -> list[tuple]:
        return exchange_db.outgoing_take(self.code, limit=limit, name=self.database)

    def receipts_write(self, receipts: list[tuple[str, str, str]]) -> None:
        exchange_db.receipts_write(self.code, receipts, name=self.database)

    def holdings_put(self, items: list[tuple[str, str, str]]) -> None:
        exchange_db.holdings_put(self.code, items, name=self.database)

    def holdings_drop(self, keys: list[str]) -> None:
        exchange_db.holdings_drop(self.code, keys, name=self.database)

    def incoming_insert_many(self, items: list[tuple[str, str, tuple[str, str, str], str, dict]]) -> None:
        exchange_db.incoming_insert_many(self.code, items, name=self.database)

    def incoming_status(self, item_key: str) -> list[tuple[str, str]]:
        return exchange_db.incoming_status(self.code, item_key, name=self.database)


@dataclass
class PlatformSimulator:
    platform_code: str
    database: str | None = None
    authority: tuple[str, str, str] = JINAN_DRC
    region_code: str = "370100"
    down: bool = False
    slow: float = 0.0
    duplicate: bool = False
    store: Any = None  # ExchangeTables (default) or simulator_http.MemoryTables
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        if self.store is None:
            self.store = ExchangeTables(self.platform_code, self.database)

    def answer(self, *, limit: int = 1000) -> dict[str, int]:
        """Take the district's new rows and write a receipt for each."""
        counts = {"accepted": 0, "rejected": 0}
        if self.down:
            return counts
        if self.slow:
            time.sleep(self.slow)
        with self.store.atomic():  # taken and answered together
            return self._answer(limit, counts)

    def _answer(self, limit: int, counts: dict[str, int]) -> dict[str, int]:
        receipts: list[tuple[str, str, str]] = []
        held: dict[str, tuple[str, str, str]] = {}
        dropped: list[str] = []
        for _, key, item_type, action, source_key, dfbm, sjc, row in self.store.outgoing_take(limit=limit):
            problems = formats.row_problems(item_type, row, dfbm=dfbm, sjc=sjc)
            result = "rejected" if problems else "accepted"
            receipts += [(key, result, "；".join(problems))] * (2 if self.duplicate else 1)
            counts[result] += 1
            if result != "accepted":
                continue
            if item_type == formats.LIST_ENTRY:
                if action == "removed" or row.get("MD_ZT") == "2":
                    held.pop(row["MD_BH"], None)
                    dropped.append(row["MD_BH"])
                else:
                    held[row["MD_BH"]] = (row["MD_BH"], exchange_db.HOLDING_DISTRICT, formats.digest(row))
            elif item_type in ("license", "penalty"):
                # 双公示 records are held by the district's source key (what reconciliation compares).
                if action == "withdrawn":
                    held.pop(source_key, None)
                    dropped.append(source_key)
                else:
                    digest = formats.record_digest(row, item_type)
                    held[source_key] = (source_key, exchange_db.HOLDING_DISTRICT, digest)
        self.store.holdings_drop(dropped)
        self.store.holdings_put(list(held.values()))
        self.store.receipts_write(receipts)
        return counts

    def _key(self, prefix: str) -> str:
        return f"{self.region_code}-{prefix}-{int(time.time() * 1000)}-{next(self._serial)}"

    def _deliver(self, *, item_key: str, item_kind: str, row: dict) -> None:
        self._deliver_many([(item_key, item_kind, row)])

    def _deliver_many(self, items: list[tuple[str, str, dict]]) -> None:
        if self.down:
            raise RuntimeError("模拟平台处于停机状态，不能下发。")
        rows = [(key, kind, self.authority, self.region_code, row) for key, kind, row in items]
        self.store.incoming_insert_many(rows * (2 if self.duplicate else 1))

    def issue_entry(self, **fields) -> str:
        """下发 a list entry the city decided; returns its MD_BH (the item key)."""
        return self.issue_entries([fields])[0]

    def issue_entries(self, entries: list[dict]) -> list[str]:
        """下发 many entries at once (each: ``list_code``, ``identifier``, ``name``,
        ``subject_kind_label``, ``document_no``, ``decided_on``, ``valid_until``, ``reason``, optional
        ``legal_basis``, ``color``, ``item_key``); returns their MD_BH in order."""
        rows = [self._entry_row(**fields) for fields in entries]
        self._deliver_many([(row["MD_BH"], "entry", row) for row in rows])
        self.store.holdings_put(
            [(row["MD_BH"], exchange_db.HOLDING_PLATFORM, formats.digest(row)) for row in rows]
        )
        return [row["MD_BH"] for row in rows]

    def _entry_row(
        self,
        *,
        list_code: str,
        identifier: str,
        name: str,
        subject_kind_label: str,
        document_no: str,
        decided_on,
        valid_until,
        reason: str,
        legal_basis: str = "",
        color: str = "2",
        item_key: str | None = None,
    ) -> dict:
        key = item_key or self._key("MD")
        uscc = len(identifier) == 18 and not identifier[:17].isdigit()
        return {
            "MD_BH": key,
            "MD_LX": list_code,
            "MD_YS": color,
            "MD_XDR_MC": name,
            "MD_XDR_LB": subject_kind_label,
            "MD_XDR_SHXYM": identifier if uscc else "",
            "MD_XDR_ZJLX": "" if uscc else "居民身份证",
            "MD_XDR_ZJHM": "" if uscc else identifier,
            "MD_LRSY": reason,
            "MD_RDYJ": legal_basis,
            "MD_RDWSH": document_no,
            "MD_RDRQ": decided_on.isoformat(),
            "MD_YXQZ": decided_on.isoformat(),
            "MD_YXQZI": valid_until.isoformat(),
            "MD_RDDW": self.authority[1],
            "MD_RDDWDM": self.authority[0],
            "MD_ZT": "1",
            "MD_YYZ": "0",
        }

    def issue_end(self, *, target_key: str, kind: str = "removal", note: str = "") -> str:
        """下发 a removal, repair (e.g. approved on 信用中国) or correction of the entry ``target_key``."""
        key = self._key(kind.upper()[:3])
        self._deliver(item_key=key, item_kind=kind, row={"MD_BH": target_key, "MD_YCSM": note})
        self.store.holdings_drop([target_key])
        return key

    def issue_record_end(
        self,
        *,
        record_type: str,
        document_no: str,
        kind: str = "repair",
        organ_code: str = "",
        note: str = "",
    ) -> str:
        """下发 a repair (e.g. approved on 信用中国), revocation or correction of a 双公示 record the
        district reported, named by its type and 决定文书号 (and the organ's USCC when given)."""
        key = self._key(kind.upper()[:3])
        row = {
            "XF_DXLX": "行政处罚" if record_type == "penalty" else "行政许可",
            "XF_DXBH": document_no,
            "XF_JGDM": organ_code,
            "MD_YCSM": note,
        }
        self._deliver(item_key=key, item_kind=kind, row=row)
        return key

    def status_of(self, item_key: str) -> list[tuple[str, str]]:
        """What the district wrote back for an issued item (one pair per delivered row)."""
        return self.store.incoming_status(item_key)
