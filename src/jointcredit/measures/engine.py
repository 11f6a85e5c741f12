"""The rule that turns effective list entries into applicable measures (DESIGN.md §2 the check).

Pure functions over small row tuples, shared by the single check (selectors.measure_check) and the
set-based batch screening (screening.py), so both always give the same answer.

Rules:
* an entry of the subject itself applies every measure of its list type's memorandum that bites
  in the scenario and ``reaches_subject`` → ``via = "self"``;
* an entry of an organisation where the subject holds a role applies the measures whose
  ``reach_roles`` contain that role (``link_reaches``, ADR 0046: 股东 as deep and from the share the
  measure says; for roles in ``directly_responsible_roles`` the persons the approver chose at 认定,
  or without a choice the link flagged "对失信行为负有直接责任")
  → ``via = "<role label>:<organisation identifier>"``;
* incentives are withheld from a subject that is itself on an effective black list on that date
  (a black-listed subject cannot be 诚信典型; the lists app also removes such red entries at once,
  this only covers the window before it does).

As of a date D (ADR 0032), as things stood at the end of D: an entry counts if it was in force on D
— published on or before D, within its validity, not removed on or before D — whatever happened
later. One removed later as erroneous (撤销/更正) is reported with that fact (``later_revoked``);
``under_objection`` is the flag as of D. The rule is ``lists.asof.entry_as_of`` (ADR 0036), which
the subject detail's entries section also uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from jointcredit.lists.asof import ERRONEOUS_REMOVALS
from jointcredit.lists.asof import entry_as_of as lists_entry_as_of

# Re-exported for the role links (RelatedPerson valid_from/valid_until) of selectors.
from jointcredit.lists.asof import in_force as in_force
from jointcredit.lists.models import RemovalReason
from jointcredit.subjects.models import RelatedRole

from .catalog import Catalog, MeasureInfo

ROLE_LABELS = dict(RelatedRole.choices)
REMOVAL_LABELS = dict(RemovalReason.choices)


@dataclass(frozen=True)
class EntryRow:
    id: int
    subject_id: int
    list_type_code: str
    list_type_name: str
    color: str
    memorandum_id: int | None
    department_name: str
    authority_name: str | None  # the outside authority of an upstream entry (ADR 0044)
    legal_basis: str
    valid_from: date | None
    valid_until: date | None
    under_objection: bool
    # Set only when the entry was removed after the date asked about (as-of answers).
    removed_on: date | None = None
    removal_reason: str = ""

    @property
    def issuer_name(self) -> str:
        """Who decided the entry: the outside authority of an upstream entry, else the department
        (an upstream entry's department is only the platform's 承接部门)."""
        return self.authority_name or self.department_name

    @property
    def issuer_label(self) -> str:
        return "认定单位" if self.authority_name else "认定部门"

    @property
    def later_revoked(self) -> bool:
        return self.removed_on is not None and self.removal_reason in ERRONEOUS_REMOVALS


def entry_as_of(row: tuple, on: date, today: date) -> EntryRow | None:
    """An entry row (``selectors.ENTRY_COLUMNS``) as it stood on ``on``; None when not in force then.
    The rule is the lists app's (``lists.asof.entry_as_of``), shared with the subject detail."""
    (*head, valid_from, valid_until, objecting, state, published_at, removed_at, reason, periods) = row
    found = lists_entry_as_of(
        state=state,
        valid_from=valid_from,
        valid_until=valid_until,
        published_at=published_at,
        removed_at=removed_at,
        removal_reason=reason,
        objection_periods=periods,
        under_objection=objecting,
        on=on,
        today=today,
    )
    if found is None:
        return None
    return EntryRow(  # type: ignore[call-arg]  # head: the row's columns up to legal_basis, in field order
        *head,
        valid_from,
        valid_until,
        found.under_objection,
        found.removed_on,
        found.removal_reason,
    )


@dataclass(frozen=True)
class RoleLink:
    organisation_id: int
    role: str
    directly_responsible: bool
    organisation_identifier: str
    organisation_name: str
    # ADR 0046: the RelatedPerson row (the one naming the listed organisation), the share held
    # (股东; the least along an ownership chain), the depth (1 = a role in the organisation itself,
    # 2+ = shares held through other companies) and those companies, nearest the subject first.
    link_id: int = 0
    share: float | None = None
    depth: int = 1
    through: tuple[str, ...] = ()


SHAREHOLDER = RelatedRole.SHAREHOLDER.value


def link_reaches(
    m: MeasureInfo, link: RoleLink, entry_id: int, responsible: Mapping[int, frozenset[int]] | None = None
) -> tuple[bool, bool]:
    """Whether measure ``m`` reaches a subject through ``link`` for entry ``entry_id``, and whether it
    was the approver's choice at 认定 that made it (ADR 0046):

    * the role must be in the measure's ``reach_roles``;
    * 股东 only as deep as ``shareholder_depth`` and, with ``shareholder_min_share``, only holdings of
      at least that share (every holding along a chain); other roles only in the listed
      organisation itself;
    * a role in ``directly_responsible_roles``: when the entry's approver chose the persons
      directly responsible at 认定 (``responsible[entry_id]``), only those; without a choice the
      link's own flag "对失信行为负有直接责任" decides (the behaviour before the choice existed).
    """
    if link.role not in m.reach_roles:
        return False, False
    if link.role == SHAREHOLDER:
        if link.depth > m.shareholder_depth:
            return False, False
        if m.shareholder_min_share is not None and (
            link.share is None or link.share < m.shareholder_min_share
        ):
            return False, False
    elif link.depth > 1:
        return False, False
    if link.role not in m.directly_responsible_roles:
        return True, False
    chosen = responsible.get(entry_id) if responsible else None
    if chosen is not None:
        return link.link_id in chosen, True
    return link.directly_responsible, False


@dataclass(frozen=True)
class Hit:
    measure: MeasureInfo
    entry: EntryRow
    link: RoleLink | None
    # Named directly responsible by the approver at 认定 (ADR 0046).
    chosen: bool = False

    @property
    def via(self) -> str:
        if self.link is None:
            return "self"
        return f"{ROLE_LABELS.get(self.link.role, self.link.role)}:{self.link.organisation_identifier}"

    @property
    def explanation(self) -> str:
        """Why the measure applies, in Chinese. A property, not a method: an f-string or a JSON
        field given ``hit.explanation`` must get the text (a method there stored
        ``<bound method Hit.explanation …>`` in commitments and audit rows; repaired by
        ``commitments.0004_repair_hit_explanations``)."""
        entry, m = self.entry, self.measure
        until = f"，有效期至 {entry.valid_until:%Y-%m-%d}" if entry.valid_until else ""
        listed = f"“{entry.list_type_name}”（{entry.issuer_label}：{entry.issuer_name}{until}）"
        memo = f"《{m.memorandum_name}》" + (
            f"（{m.memorandum_document_no}）" if m.memorandum_document_no else ""
        )
        if self.link is None:
            why = f"该主体被列入{listed}，{memo}规定对其实施“{m.name}”。"
        else:
            role = ROLE_LABELS.get(self.link.role, self.link.role)
            if self.chosen:
                direct = "且在认定时被确定为对失信行为负有直接责任的人员，"
            elif self.link.directly_responsible:
                direct = "且对失信行为负有直接责任，"
            else:
                direct = ""
            if self.link.depth > 1:
                role = f"{role}（经{'、'.join(self.link.through)}间接持股）"
            if self.link.share is not None and self.link.role == SHAREHOLDER:
                role += f"（持股{self.link.share:g}%）"
            only_direct = (
                "（该身份仅限负有直接责任者）" if self.link.role in m.directly_responsible_roles else ""
            )
            why = (
                f"该主体是{self.link.organisation_name}（{self.link.organisation_identifier}）的{role}，{direct}"
                f"该组织被列入{listed}，{memo}规定“{m.name}”同时作用于其{role}{only_direct}。"
            )
        if entry.removed_on is not None:
            label = REMOVAL_LABELS.get(entry.removal_reason, entry.removal_reason)
            why += f"该条目已于 {entry.removed_on:%Y-%m-%d} 移出（{label}）"
            why += "，认定有误，" if entry.later_revoked else "，"
            why += "核查日期当天仍在有效期内。"
        if entry.under_objection:
            why += "该名单条目正在异议处理中，请结合异议结果审慎实施。"
        return why

    def as_dict(self) -> dict:
        m, e = self.measure, self.entry
        return {
            "measure_code": m.code,
            "measure_name": m.name,
            "kind": m.kind,
            "list_type": e.list_type_code,
            "list_type_name": e.list_type_name,
            "list_color": e.color,
            "entry_id": e.id,
            "initiating_department": e.issuer_name,
            "legal_basis": m.legal_basis,
            "entry_legal_basis": e.legal_basis,
            "memorandum": m.memorandum_name,
            "implementing_departments": list(m.implementing_departments),
            "valid_until": e.valid_until,
            "via": self.via,
            "under_objection": e.under_objection,
            "later_revoked": e.later_revoked,
            "removed_on": e.removed_on,
            "removal_reason": e.removal_reason,
            "explanation": self.explanation,
        }


def hits_compute(
    *,
    self_entries: list[EntryRow],
    role_entries: list[tuple[EntryRow, RoleLink]],
    scenario: str,
    catalog: Catalog,
    on: date,
    responsible: Mapping[int, frozenset[int]] | None = None,
) -> list[Hit]:
    """Only memoranda and measure versions in force on ``on`` (the check's date) apply (ADR 0045)."""
    self_black = any(e.color == "black" for e in self_entries)
    hits: list[Hit] = []
    for entry in self_entries:
        for m in catalog.measures_for(entry.memorandum_id, scenario, on):
            if not m.reaches_subject or (self_black and m.kind == "incentive"):
                continue
            hits.append(Hit(m, entry, None))
    for entry, link in role_entries:
        for m in catalog.measures_for(entry.memorandum_id, scenario, on):
            reached, chosen = link_reaches(m, link, entry.id, responsible)
            if not reached:
                continue
            if self_black and m.kind == "incentive":
                continue
            hits.append(Hit(m, entry, link, chosen))
    # Punishments first, then by measure and cause, so the answer reads the same every time.
    hits.sort(
        key=lambda h: (h.measure.kind != "punishment", h.measure.code, h.link is not None, h.via, h.entry.id)
    )
    return hits
