"""In-process cache of the measure catalogue (every version of the active measures of active
memoranda, with their validity, and the business scenarios the office maintains).

Every check needs "the measures of memorandum M that bite in scenario S"; the catalogue changes a
few times a year, so each worker process keeps it in memory, indexed by (memorandum, scenario).

Invalidation (ADR 0002):
* in the writing process, ``post_save``/``post_delete``/``m2m_changed`` on Memorandum and Measure
  drop the cache at once and bump ``CatalogVersion`` in the writer's transaction;
* every other process compares its copy's version with that row at most once per
  ``JOINTCREDIT_CATALOG_TTL`` seconds (default 1; 0 in tests), so edits reach all workers within
  a second without a query per check.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import F

from jointcredit.common import clock

from .models import CatalogVersion, Measure, MeasureKind, Scenario

_KIND_LABELS = dict(MeasureKind.choices)


@dataclass(frozen=True)
class MeasureInfo:
    id: int
    code: str
    name: str
    kind: str
    legal_basis: str
    memorandum_id: int
    memorandum_name: str
    memorandum_document_no: str
    scenarios: frozenset[str]
    reaches_subject: bool
    reach_roles: frozenset[str]
    directly_responsible_roles: frozenset[str]
    implementing_departments: tuple[str, ...]
    # Validity of this version and of its memorandum (ADR 0045); None = open.
    version: int = 1
    effective_from: date | None = None
    effective_until: date | None = None
    memorandum_effective_from: date | None = None
    memorandum_effective_until: date | None = None
    # ADR 0046: how far 股东 are followed (depth) and the least share held along the chain.
    shareholder_depth: int = 1
    shareholder_min_share: float | None = None

    @property
    def kind_label(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)

    def in_force(self, on: date) -> bool:
        """This version, and its memorandum, were in force on ``on`` (both ends inclusive)."""
        return (
            (self.effective_from is None or self.effective_from <= on)
            and (self.effective_until is None or on <= self.effective_until)
            and (self.memorandum_effective_from is None or self.memorandum_effective_from <= on)
            and (self.memorandum_effective_until is None or on <= self.memorandum_effective_until)
        )


@dataclass
class Catalog:
    version: int
    by_memo_scenario: dict[tuple[int, str], tuple[MeasureInfo, ...]] = field(default_factory=dict)
    # 业务场景 (ADR 0045): the ones in use (code → name, the office's order) and every one ever
    # entered, retired ones included, for labelling stored checks and screenings.
    scenarios: dict[str, str] = field(default_factory=dict)
    scenario_names: dict[str, str] = field(default_factory=dict)
    # The deepest ownership chain any active measure reaching 股东 follows (ADR 0046; 1 = direct).
    shareholder_depth: int = 1

    def measures_for(self, memorandum_id: int | None, scenario: str, on: date) -> tuple[MeasureInfo, ...]:
        """The measures of the memorandum that bite in ``scenario`` and were in force on ``on``
        (at most one version of each measure)."""
        if memorandum_id is None:
            return ()
        return tuple(m for m in self.by_memo_scenario.get((memorandum_id, scenario), ()) if m.in_force(on))


_lock = threading.Lock()
_catalog: Catalog | None = None
_checked_at = 0.0


def _ttl() -> float:
    return float(getattr(settings, "JOINTCREDIT_CATALOG_TTL", 0.0 if settings.TESTING else 1.0))


def _db_version() -> int:
    return CatalogVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def _load(version: int) -> Catalog:
    catalog = Catalog(version=version)
    grouped: dict[tuple[int, str], list[MeasureInfo]] = {}
    rows = (
        Measure.objects.filter(is_active=True, memorandum__is_active=True)
        .select_related("memorandum")
        .prefetch_related("implementing_departments")
        .order_by("kind", "code", "version")
    )
    for m in rows:
        info = MeasureInfo(
            id=m.id,
            code=m.code,
            name=m.name,
            kind=m.kind,
            legal_basis=m.legal_basis,
            memorandum_id=m.memorandum_id,
            memorandum_name=m.memorandum.name,
            memorandum_document_no=m.memorandum.document_no,
            scenarios=frozenset(m.scenarios or ()),
            reaches_subject=m.reaches_subject,
            reach_roles=frozenset(m.reach_roles or ()),
            directly_responsible_roles=frozenset(m.directly_responsible_roles or ()),
            implementing_departments=tuple(d.name for d in m.implementing_departments.all()),
            version=m.version,
            effective_from=m.effective_from,
            effective_until=m.effective_until,
            memorandum_effective_from=m.memorandum.effective_from,
            memorandum_effective_until=m.memorandum.effective_until,
            shareholder_depth=m.shareholder_depth,
            shareholder_min_share=None if m.shareholder_min_share is None else float(m.shareholder_min_share),
        )
        for scenario in info.scenarios:
            grouped.setdefault((m.memorandum_id, scenario), []).append(info)
    catalog.by_memo_scenario = {k: tuple(v) for k, v in grouped.items()}
    for code, name, active in Scenario.objects.order_by("id").values_list("code", "name", "is_active"):
        catalog.scenario_names[code] = name
        if active:
            catalog.scenarios[code] = name
    catalog.shareholder_depth = max(
        (m.shareholder_depth for ms in grouped.values() for m in ms if "shareholder" in m.reach_roles),
        default=1,
    )
    return catalog


def catalog_get() -> Catalog:
    global _catalog, _checked_at
    now = time.monotonic()
    current = _catalog
    if current is not None and now - _checked_at < _ttl():
        return current
    version = _db_version()
    if current is not None and current.version == version:
        _checked_at = now
        return current
    with _lock:
        if _catalog is None or _catalog.version != version:
            # Version first, rows second: a change landing in between makes the next comparison
            # differ and reload again, never the reverse.
            _catalog = _load(version)
        _checked_at = now
        return _catalog


def catalog_invalidate(**_kwargs) -> None:
    """Drop this process's copy (signal receiver)."""
    global _catalog
    _catalog = None


def catalog_changed(**_kwargs) -> None:
    """Signal receiver for catalogue writes: bump the shared version and drop the local copy."""
    catalog_invalidate()
    if not CatalogVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=clock.now()):
        CatalogVersion.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": clock.now()})
