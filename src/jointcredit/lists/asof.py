"""Whether a list entry was in force on a date D, from its stored columns (ADR 0032, ADR 0036).

As things stood at the end of D: an entry counts if it was in force on D — published on or before
D, within its validity, not removed on or before D — whatever happened later. One removed after D
carries ``removed_on`` and its reason; removed as erroneous (撤销/更正: the objection was upheld) it
is ``later_revoked``. ``under_objection`` is the flag as of D: today's flag for today and later
dates, the entry's objection periods for past ones.

The one copy of the rule: the check and screenings (``measures.engine.entry_as_of``) and the
subject detail's ``entries`` section (``selectors.subject_entries_section``) call ``entry_as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from .models import EntryState, RemovalReason

# Removed because the listing was wrong (objection upheld as 撤销/更正), not because it ran its course.
ERRONEOUS_REMOVALS = frozenset({RemovalReason.REVOKED, RemovalReason.CORRECTED})


def in_force(valid_from: date | None, valid_until: date | None, on: date) -> bool:
    """Within validity on ``on``; nulls are open ends (ListEntry.is_effective, RelatedPerson
    valid_from/valid_until)."""
    return (valid_from is None or valid_from <= on) and (valid_until is None or on <= valid_until)


@dataclass(frozen=True, slots=True)
class EntryOnDate:
    """An entry in force on the date asked about: the facts that depend on that date."""

    under_objection: bool
    # Set only when the entry was removed after the date.
    removed_on: date | None = None
    removal_reason: str = ""

    @property
    def later_revoked(self) -> bool:
        return self.removed_on is not None and self.removal_reason in ERRONEOUS_REMOVALS


def entry_as_of(
    *,
    state: str,
    valid_from: date | None,
    valid_until: date | None,
    published_at: datetime | None,
    removed_at: datetime | None,
    removal_reason: str,
    objection_periods: list | None,
    under_objection: bool,
    on: date,
    today: date,
) -> EntryOnDate | None:
    """The entry as it stood at the end of ``on``; None when it was not in force then.

    Only published and removed entries are asked about. A published row without ``published_at``
    (written before it was stamped, or by bulk loads) counts from its validity start; a removed one
    without it was never published. ``objection_periods`` are ``[start, end or None]`` ISO dates."""
    if not in_force(valid_from, valid_until, on):
        return None
    if published_at is not None and timezone.localdate(published_at) > on:
        return None
    removed_on = None
    if state == EntryState.REMOVED:
        if published_at is None or removed_at is None:
            return None
        removed_on = timezone.localdate(removed_at)
        if removed_on <= on:
            return None
    if on < today:
        iso = on.isoformat()
        under_objection = any(
            start <= iso and (end is None or iso < end) for start, end in (objection_periods or ())
        )
    return EntryOnDate(under_objection, removed_on, removal_reason if removed_on else "")
