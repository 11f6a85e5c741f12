"""The one privacy policy of every public surface: portal pages, the public API and the public pages
of the apps (/gs/, /lists/…, /inspections/ …). DESIGN.md §6, docs/portal.md “隐私规则”, ADR 0018.

1. **Match.** A natural person — and anything filed under one (双公示 records, list entries) — is
   found only by the *full* name or the *full* document number. Organisations and 个体工商户 are
   also found by name fragment. Providers combine their own fragment lookup with
   :func:`person_name_guard` (or use :func:`name_match`) so that a fragment never reaches a person.
2. **Echo.** A query is shown back (page title, search box, tab and page links, the API's ``q``)
   only when it is neither a personal document number nor the full name of a natural person on
   file; otherwise its masked form (:attr:`PublicQuery.echo`) is shown and links do not carry it.
3. **Show.** Natural persons' names as ``张*``, their document numbers as ``370102********1234``;
   names of persons appearing as attributes (法定代表人, 经营者) masked the same way; a USCC in full;
   a 个体工商户 without USCC only by its masked operator ID.
4. **History.** Of a status history (ADR 0032) the public sees the public steps only (published,
   under objection, corrected, repaired, removed, expired …, as each kind lists them), each as what
   happened and from which day: never who recorded it nor the free-text reason, which may name
   persons (:func:`public_timeline`).

It lives in ``subjects`` (not ``common``) because the rules depend on subject kinds and the echo
rule asks the subjects table whether a query is a person's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from jointcredit.common.errors import ValidationFailed
from jointcredit.common.masking import mask_id_number, mask_person_name

from .identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER, IdType, detect_and_validate, normalize
from .models import Subject, SubjectKind

MAX_QUERY = 100
ORGANISATION_KINDS = (SubjectKind.LEGAL, SubjectKind.INDIVIDUAL_BUSINESS)
_IDENTIFIER_RE = re.compile(r"^[0-9A-Z]{8,18}$")

__all__ = [
    "ORGANISATION_KINDS",
    "PublicQuery",
    "has_public_identifier",
    "is_personal_identifier",
    "mask_id_number",
    "mask_person_name",
    "name_match",
    "person_name_guard",
    "public_identifier",
    "public_name",
    "public_name_of",
    "public_query",
    "public_timeline",
]


# --- 1. match -------------------------------------------------------------------------------------
def person_name_guard(q: str, *, name_field: str = "name", kind_field: str = "kind") -> Q:
    """Rows about natural persons pass only when their name is exactly ``q``; organisations and
    个体工商户 always pass. AND it with whatever fragment lookup a provider uses."""
    return Q(**{f"{kind_field}__in": ORGANISATION_KINDS}) | Q(
        **{name_field: q, kind_field: SubjectKind.NATURAL}
    )


def name_match(q: str, *, name_field: str = "name", kind_field: str = "kind", lookup: str = "icontains") -> Q:
    """Name search under the policy: a fragment for organisations, the full name for persons."""
    return Q(**{f"{name_field}__{lookup}": q}) & person_name_guard(
        q, name_field=name_field, kind_field=kind_field
    )


def is_personal_identifier(q: str | None) -> bool:
    """A document number that is not a USCC (ID card, passport …): matched exactly, never echoed."""
    code = normalize((q or "")[:MAX_QUERY])
    if len(code) == 9 or not (_IDENTIFIER_RE.match(code) and any(ch.isdigit() for ch in code)):
        return False  # 9 characters: a (public) 组织机构代码
    # detect_and_validate prefers the ID-card reading for codes valid as both (about 1 resident ID
    # in 31 also passes the USCC check, e.g. 370102199204093791): such a query is a person's.
    try:
        id_type, _ = detect_and_validate(code)
    except ValidationFailed:
        return True
    return id_type != IdType.USCC


# --- 2. echo --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicQuery:
    """A visitor's query as the policy sees it."""

    text: str  # whitespace-collapsed, at most MAX_QUERY characters
    personal_id: bool = False  # a person's document number
    person_name: bool = False  # the full name of a natural person on file

    @property
    def code(self) -> str:
        """The identifier form (upper case, no separators) for exact identifier lookups."""
        return normalize(self.text)

    @property
    def sensitive(self) -> bool:
        """Must not be echoed nor carried in links."""
        return self.personal_id or self.person_name

    @property
    def echo(self) -> str:
        """What a page or response may show back."""
        if self.personal_id:
            return mask_id_number(self.code)
        if self.person_name:
            return " ".join(mask_person_name(part) for part in self.text.split(" "))
        return self.text

    @property
    def link(self) -> str:
        """What links (tabs, pages) may carry: nothing for a sensitive query."""
        return "" if self.sensitive else self.text


def public_query(q: str | None) -> PublicQuery:
    text = " ".join((q or "").split())[:MAX_QUERY]
    if not text:
        return PublicQuery("")
    if is_personal_identifier(text):
        return PublicQuery(text, personal_id=True)
    # Exact lookups on the name index (``subject_name_idx``): the whole query and each word of it.
    names = {text, *text.split(" ")}
    person = Subject.objects.filter(kind=SubjectKind.NATURAL, name__in=names).exists()
    return PublicQuery(text, person_name=person)


# --- 3. show --------------------------------------------------------------------------------------
def has_public_identifier(subject: Subject) -> bool:
    return (
        subject.kind != SubjectKind.NATURAL
        and subject.id_type == IdType.USCC
        and not subject.identifier.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER)
    )


def public_name_of(name: str, kind: str) -> str:
    """A name stored beside its subject kind (records, list entries): masked for natural persons."""
    return mask_person_name(name) if kind == SubjectKind.NATURAL else name


def public_name(subject: Subject) -> str:
    return public_name_of(subject.name, subject.kind)


def public_identifier(subject: Subject) -> str:
    """USCC in full; a person's document number masked (370102********1234); a 个体工商户 without
    USCC shows only the masked operator ID."""
    if has_public_identifier(subject):
        return subject.identifier
    if subject.identifier.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":"):
        return f"无统一社会信用代码（经营者证件 {mask_id_number(subject.identifier.split(':', 1)[1])}）"
    return mask_id_number(subject.identifier)


# --- 4. history -----------------------------------------------------------------------------------
PUBLIC_STEP_FIELDS = ("event", "label", "effective_on")


def public_timeline(steps: list[dict], *, events) -> list[dict]:
    """The public part of a status history: steps whose ``event`` is in ``events``, reduced to what
    happened and from which day."""
    allowed = {str(e) for e in events}
    return [{k: s[k] for k in PUBLIC_STEP_FIELDS} for s in steps if str(s["event"]) in allowed]
