"""Who the check reaches besides the subject itself (ADR 0046): the roles a subject holds in
organisations, shares held through other companies (股东 of a 股东), and the persons an approver
named directly responsible at 认定. Reads only; the rule itself is ``engine.link_reaches``.

Kept apart from the entry rules (``selectors``): what is in force *on the list* and who is
*reached* change for different reasons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from jointcredit.lists.models import ListEntry
from jointcredit.subjects.models import RelatedPerson, RelatedRole

from .engine import RoleLink

# However deep a measure says: a chain of holdings longer than this is not followed.
MAX_DEPTH = 5
SHAREHOLDER = RelatedRole.SHAREHOLDER.value


def _held_q(on: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on})) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on})
    )


def _share(value) -> float | None:
    return None if value is None else float(value)


def ownership_up(links: list[RoleLink], *, on: date, depth: int) -> list[RoleLink]:
    """Shares held through other companies: from the subject's direct 股东 links, the companies
    those companies hold shares in, and so on up to ``depth`` (one query per level, none when the
    subject holds no shares or no measure looks further than direct shareholders). Each link
    carries the least share along its chain and the companies it passes through."""
    depth = min(depth, MAX_DEPTH)
    frontier = [link for link in links if link.role == SHAREHOLDER]
    found: list[RoleLink] = []
    seen = {link.organisation_id for link in frontier}
    for level in range(2, depth + 1):
        if not frontier:
            break
        by_holder = {link.organisation_id: link for link in frontier}
        rows = (
            RelatedPerson.objects.filter(_held_q(on), role=SHAREHOLDER, person_id__in=list(by_holder))
            .order_by("subject_id", "id")
            .values_list(
                "person_id", "subject_id", "subject__identifier", "subject__name", "id", "share_ratio"
            )
        )
        frontier = []
        for holder_id, org_id, identifier, name, link_id, share in rows:
            if org_id in seen:  # a cycle of holdings, or a company reached by a shorter chain
                continue
            seen.add(org_id)
            below = by_holder[holder_id]
            shares = [s for s in (below.share, _share(share)) if s is not None]
            link = RoleLink(
                organisation_id=org_id,
                role=SHAREHOLDER,
                directly_responsible=False,
                organisation_identifier=identifier,
                organisation_name=name,
                link_id=link_id,
                share=min(shares) if len(shares) == 2 else None,
                depth=level,
                through=(*below.through, f"{below.organisation_name}（{below.organisation_identifier}）"),
            )
            found.append(link)
            frontier.append(link)
    return found


def ownership_down(org_ids: Iterable[int], *, on: date, depth: int) -> dict[int, list[RoleLink]]:
    """The same chains seen from the listed organisations (batch screening): for each company
    holding shares in a listed organisation through ``2..depth`` levels, its links (person id →
    links). Level by level, one query each."""
    depth = min(depth, MAX_DEPTH)
    out: dict[int, list[RoleLink]] = defaultdict(list)
    if depth < 2:
        return out
    # Level 1: companies holding shares directly (the direct links themselves are the caller's).
    frontier: dict[int, list[RoleLink]] = defaultdict(list)
    reached: set[tuple[int, int]] = set()
    for org_id, holder_id, identifier, name, link_id, share in (
        RelatedPerson.objects.filter(_held_q(on), role=SHAREHOLDER, subject_id__in=list(org_ids))
        .exclude(person__kind="natural")
        .order_by()
        .values_list("subject_id", "person_id", "subject__identifier", "subject__name", "id", "share_ratio")
    ):
        frontier[holder_id].append(
            RoleLink(org_id, SHAREHOLDER, False, identifier, name, link_id, _share(share))
        )
        reached.add((holder_id, org_id))
    for level in range(2, depth + 1):
        if not frontier:
            break
        nxt: dict[int, list[RoleLink]] = defaultdict(list)
        for holder_id, company_id, company_identifier, company_name, share in (
            RelatedPerson.objects.filter(_held_q(on), role=SHAREHOLDER, subject_id__in=list(frontier))
            .order_by("id")
            .values_list("person_id", "subject_id", "subject__identifier", "subject__name", "share_ratio")
        ):
            for below in frontier[company_id]:
                # A cycle of holdings, or an organisation this holder already reaches more directly.
                if holder_id == below.organisation_id or (holder_id, below.organisation_id) in reached:
                    continue
                reached.add((holder_id, below.organisation_id))
                shares = [s for s in (below.share, _share(share)) if s is not None]
                link = RoleLink(
                    organisation_id=below.organisation_id,
                    role=SHAREHOLDER,
                    directly_responsible=False,
                    organisation_identifier=below.organisation_identifier,
                    organisation_name=below.organisation_name,
                    link_id=below.link_id,
                    share=min(shares) if len(shares) == 2 else None,
                    depth=level,
                    through=(f"{company_name}（{company_identifier}）", *below.through),
                )
                out[holder_id].append(link)
                nxt[holder_id].append(link)
        frontier = nxt
    return out


def responsible_choices(entry_ids: Iterable[int] | None) -> dict[int, frozenset[int]]:
    """Entry id → the related-person links its approver named directly responsible at 认定, for
    the entries where a choice was made (possibly nobody); entries without a choice are absent.
    ``None``: every entry with a choice (batch screening; they are few)."""
    entries = ListEntry.objects.filter(responsible_chosen=True)
    if entry_ids is not None:
        ids = list(entry_ids)
        if not ids:
            return {}
        entries = entries.filter(pk__in=ids)
    out: dict[int, set[int]] = {pk: set() for pk in entries.values_list("pk", flat=True)}
    if not out:
        return {}
    through = ListEntry.responsible_persons.through
    for entry_id, link_id in through.objects.filter(listentry_id__in=list(out)).values_list(
        "listentry_id", "relatedperson_id"
    ):
        out[entry_id].add(link_id)
    return {k: frozenset(v) for k, v in out.items()}
