"""What the exchange needs to know about list entries and measures, registered by the apps that own
them (``lists`` and ``measures`` sit above the exchange and import it, never the reverse; ADR 0016).

* ``register_push_planner(fn)`` — measures: ``fn(entry_ids) -> {entry_id: PushPlan}`` for published
  list entries: which cooperating departments must apply which of the entry's measures (信息推送).
* ``register_list_type_codes(fn)`` — lists: ``fn(codes) -> set`` of the codes that exist, to
  validate a subscription's list-type filter.
* ``register_recorded_check_rule(fn)`` — measures: ``fn(recorded_check_id, department, entry_id) ->
  str | None``, why a feedback may not cite that recorded check (核查留痕), or None when it may.
* ``register_entry_ended_q(fn)`` — lists: ``fn(on, prefix) -> Q``, a list entry out of force for good
  on ``on`` (removed, or past ``valid_until``): the pushes of such entries read as withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q


@dataclass
class PushPlan:
    """One published list entry's push: the entry (``lists.ListEntry``), its memorandum's feedback
    period (None: the configured default) and ``{department id: [measures.Measure, …]}``."""

    entry: object
    feedback_working_days: int | None
    measures_by_department: dict[int, list] = field(default_factory=dict)


_push_planner: Callable[[list[int]], dict[int, PushPlan]] | None = None
_list_type_codes: Callable[[Iterable[str]], set[str]] | None = None
_entry_ended_q: Callable[[date, str], Q] | None = None


def register_push_planner(fn: Callable[[list[int]], dict[int, PushPlan]]) -> None:
    global _push_planner
    _push_planner = fn


def push_plans(entry_ids: list[int]) -> dict[int, PushPlan]:
    return _push_planner(entry_ids) if _push_planner is not None and entry_ids else {}


def register_list_type_codes(fn: Callable[[Iterable[str]], set[str]]) -> None:
    global _list_type_codes
    _list_type_codes = fn


def list_type_codes_existing(codes: Iterable[str]) -> set[str]:
    return _list_type_codes(codes) if _list_type_codes is not None else set()


def register_entry_ended_q(fn: Callable[[date, str], Q]) -> None:
    global _entry_ended_q
    _entry_ended_q = fn


def entry_ended_q(on: date, prefix: str = "") -> Q:
    if _entry_ended_q is None:
        raise RuntimeError("lists 应用未登记名单条目的失效条件（register_entry_ended_q）。")
    return _entry_ended_q(on, prefix)


_recorded_check_rule: Callable[[int, object, int], str | None] | None = None


def register_recorded_check_rule(fn: Callable[[int, object, int], str | None]) -> None:
    global _recorded_check_rule
    _recorded_check_rule = fn


def recorded_check_refusal(recorded_check_id: int, department, entry_id: int) -> str | None:
    """Why feedback of ``department`` on entry ``entry_id`` may not cite the recorded check (None: it may)."""
    if _recorded_check_rule is None:
        raise RuntimeError("measures 应用未登记核查留痕的引用规则（register_recorded_check_rule）。")
    return _recorded_check_rule(recorded_check_id, department, entry_id)
