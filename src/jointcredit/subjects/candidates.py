"""Candidate subjects for a match query (issue #20 §1, ADR 0041): the indexed lookups that find the
few subjects worth scoring; the scoring itself is ``measures.matching``.

* Identifiers: the identifier a subject is filed under, an alias (legacy 组织机构代码, 工商注册号, the
  identifiers of merged duplicates), positions 9–17 of a USCC (组织机构代码), and a 15-digit 居民身份证
  号 converted to its 18-digit form — separate indexed lookups (``subject_ids_for_identifier``).
* Names of organisations, current and former (``SubjectNameChange.old_name``):
  - PostgreSQL: pg_trgm word similarity of the normalised core of the queried name within the
    stored names, ``core <% UPPER(name)``, served by the GIN indexes ``subject_name_trgm`` (ADR
    0005) and ``subject_old_name_trgm`` (migration 0005), nearest first (``<<->``), at most
    ``limit`` rows. The threshold is set per query (``set_config`` in the transaction) so that a
    stored name must contain at least ``trigrams_needed`` of the core's trigrams: all but the three
    one wrong character destroys, and at least half of them — a typo is tolerated while common
    words alone (餐饮管理, 有限公司) never pull in tens of thousands of rows.
  - Other databases (SQLite in development and tests): the same rule counted portably — names that
    contain at least ``trigrams_needed`` of the core's three-character windows, most windows first,
    at most ``limit`` rows. It scans the table (bounded by the LIMIT only after the scan), which is
    fine for a development database and documented as such (docs/matching.md).
* Names of natural persons: exact lookups only (names of persons are short and shared; a fuzzy
  candidate would be noise), by the name as given and by its simplified/half-width form.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, connections, router
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Substr

from jointcredit.common.errors import ValidationFailed

from .identifiers import IdType, normalize, resident_id_check_char
from .models import Subject, SubjectAlias, SubjectKind, SubjectNameChange

IDENTIFIER_RE = re.compile(r"^[0-9A-Z:]{5,64}$")


@dataclass(frozen=True)
class IdentifierHit:
    subject_id: int
    feature: str  # exact_identifier | alias_identifier | org_code | converted_identifier
    value: str  # the identifier as looked up (the converted one for a 15-digit ID)


@dataclass(frozen=True)
class NameHit:
    subject_id: int
    name: str  # the stored name that matched
    former: bool  # a former name (名称变更 history) rather than the current one


def identifier_clean(raw: str, *, field: str) -> str:
    """The identifier as subjects are filed (upper case, no spaces or hyphens); 422 naming ``field``
    when it cannot be an identifier of any kind (characters, length)."""
    code = normalize(raw)
    if not IDENTIFIER_RE.match(code):
        message = (
            f"{field} 格式错误：标识应为 5–64 位字母或数字"
            "（统一社会信用代码、证件号码、组织机构代码或注册号）。"
        )
        raise ValidationFailed.single(field, "format", message)
    return code


def resident_id_from_15(code: str) -> str | None:
    """The 18-digit form of a first-generation (15-digit) 居民身份证号: ``19`` before the two-digit
    birth year, the GB 11643 check character after; None when the birth date does not exist."""
    if len(code) != 15 or not code.isdigit():
        return None
    try:
        date(1900 + int(code[6:8]), int(code[8:10]), int(code[10:12]))
    except ValueError:
        return None
    code17 = code[:6] + "19" + code[6:]
    return code17 + resident_id_check_char(code17)


def identifier_hits(code: str) -> list[IdentifierHit]:
    """Every subject ``code`` leads to and how: each lookup is a separate indexed query."""
    hits = [
        IdentifierHit(pk, "exact_identifier", code) for pk in _ids(Subject.objects.filter(identifier=code))
    ]
    hits += [
        IdentifierHit(pk, "alias_identifier", code)
        for pk in SubjectAlias.objects.filter(value=code).values_list("subject_id", flat=True)[:20]
    ]
    if len(code) == 9:
        org = Subject.objects.annotate(org_code=Substr("identifier", 9, 9)).filter(
            org_code=code, id_type=IdType.USCC
        )
        hits += [IdentifierHit(pk, "org_code", code) for pk in _ids(org)]
    converted = resident_id_from_15(code)
    if converted:
        hits += [
            IdentifierHit(pk, "converted_identifier", converted)
            for pk in _ids(Subject.objects.filter(identifier=converted))
        ]
    return hits


def _ids(qs) -> list[int]:
    return list(qs.order_by().values_list("pk", flat=True)[:20])


def trigrams_needed(text: str) -> int:
    """How many of the core's inner three-character windows a stored name must contain: all but
    three (one wrong character spoils up to three windows), at least half, at least one."""
    inner = max(len(text) - 2, 1)
    return max(1, min(inner, max(inner - 3, math.ceil(inner / 2))))


def _windows(text: str) -> list[str]:
    if len(text) < 3:
        return [text]
    return list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))


def organisation_name_hits(text: str, *, kind: str | None, limit: int) -> list[NameHit]:
    """Current and former names of organisations (``kind`` ≠ 自然人) near ``text`` (a normalised
    core), at most ``limit`` of each."""
    if len(text) < 3:
        # Trigrams cannot serve one or two characters: only names starting with them.
        current = _current(kind).filter(name__startswith=text).values_list("pk", "name")[:limit]
        return [NameHit(pk, name, False) for pk, name in current]
    if connection.vendor == "postgresql":
        return _postgresql_hits(text, kind=kind, limit=limit)
    return _portable_hits(text, kind=kind, limit=limit)


def _current(kind: str | None):
    qs = Subject.objects.exclude(kind=SubjectKind.NATURAL)
    return qs.filter(kind=kind) if kind else qs


# One round trip: the threshold is set for the statement's own (implicit) transaction, then current
# and former names are searched. Former names of persons are not filtered here (no join): the
# matcher keeps candidates by kind and scores persons by their whole name only.
_PG_NAMES = """
SELECT set_config('pg_trgm.word_similarity_threshold', %(threshold)s, true);
(SELECT id, name, false FROM subjects_subject
 WHERE %(text)s <%% UPPER(name::text) AND kind <> 'natural'
   AND (%(kind)s::text IS NULL OR kind = %(kind)s)
 ORDER BY %(text)s <<-> UPPER(name::text), id LIMIT %(limit)s)
UNION ALL
(SELECT subject_id, old_name, true FROM subjects_subjectnamechange
 WHERE %(text)s <%% UPPER(old_name::text)
 ORDER BY %(text)s <<-> UPPER(old_name::text), id LIMIT %(limit)s)
"""


def _postgresql_hits(text: str, *, kind: str | None, limit: int) -> list[NameHit]:
    # pg_trgm pads the word: a core of n characters has n + 1 trigrams, of which the n − 2 inner
    # ones can occur inside a longer stored name. The GIN index keeps rows sharing at least
    # threshold × (n + 1) of them; the threshold is set just below the count wanted. Both
    # statements go in one simple-protocol query (Django's client-side binding cursor): PostgreSQL
    # runs them in one implicit transaction, so the local setting holds for the search.
    threshold = (trigrams_needed(text) - 0.5) / (len(text) + 1)
    params: dict[str, str | int | None] = {
        "threshold": f"{threshold:.4f}",
        "text": text,
        "limit": limit,
        "kind": kind,
    }
    # Raw SQL: where the ORM's reads of subjects go (a read replica for POST /match, ADR 0048).
    with connections[router.db_for_read(Subject)].cursor() as cursor:
        cursor.execute(_PG_NAMES, params)
        cursor.nextset()
        return [NameHit(pk, name, former) for pk, name, former in cursor.fetchall()]


def _window_count(column: str, windows: list[str]):
    total: Any = Value(0, output_field=IntegerField())
    for w in windows:
        total = total + Case(When(**{f"{column}__contains": w}, then=Value(1)), default=Value(0))
    return total


def _portable_hits(text: str, *, kind: str | None, limit: int) -> list[NameHit]:
    windows = _windows(text)
    need = min(trigrams_needed(text), len(windows))
    any_window = Q()
    for w in windows:
        any_window |= Q(name__contains=w)
    current = (
        _current(kind)
        .filter(any_window)
        .annotate(windows_found=_window_count("name", windows))
        .filter(windows_found__gte=need)
        .order_by("-windows_found", "id")
        .values_list("pk", "name")[:limit]
    )
    any_old = Q()
    for w in windows:
        any_old |= Q(old_name__contains=w)
    former = SubjectNameChange.objects.exclude(subject__kind=SubjectKind.NATURAL)
    if kind:
        former = former.filter(subject__kind=kind)
    former_rows = (
        former.filter(any_old)
        .annotate(windows_found=_window_count("old_name", windows))
        .filter(windows_found__gte=need)
        .order_by("-windows_found", "id")
        .values_list("subject_id", "old_name")[:limit]
    )
    return [NameHit(pk, name, False) for pk, name in current] + [
        NameHit(pk, name, True) for pk, name in former_rows
    ]


def person_name_hits(names: list[str], *, limit: int) -> list[NameHit]:
    """Natural persons whose current or former name is one of ``names`` (exact, indexed)."""
    # No ORDER BY: with one, PostgreSQL may walk the primary key instead of the name index.
    current = (
        Subject.objects.filter(kind=SubjectKind.NATURAL, name__in=names)
        .order_by()
        .values_list("pk", "name")[:limit]
    )
    former = (
        SubjectNameChange.objects.filter(old_name__in=names, subject__kind=SubjectKind.NATURAL)
        .order_by()
        .values_list("subject_id", "old_name")[:limit]
    )
    return [NameHit(pk, name, False) for pk, name in current] + [
        NameHit(pk, name, True) for pk, name in former
    ]
