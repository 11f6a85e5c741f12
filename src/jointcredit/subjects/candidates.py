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
    words alone (餐饮管理, 有限公司) never pull in tens of thousands of rows. Many cores (batch
    screening) go in one round trip: ``unnest`` of the cores joined laterally to the same search,
    one statement per core length (the threshold depends on it).
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
    subject: Subject  # loaded with ``CANDIDATE_FIELDS`` only, in the search's own query
    name: str  # the stored name that matched
    former: bool  # a former name (名称变更 history) rather than the current one

    @property
    def subject_id(self) -> int:
        return self.subject.pk


# What scoring, the match answer and screening read of a candidate subject: name hits bring these
# columns along (no second query for the rows), and only these are loaded for any other candidate.
CANDIDATE_FIELDS = ("id", "identifier", "id_type", "name", "kind", "region_code", "address", "merged_into")
_CANDIDATE_ATTNAMES = [f.attname for f in Subject._meta.concrete_fields if f.name in CANDIDATE_FIELDS]
_FORMER_FIELDS = ("old_name", *(f"subject__{f}" for f in CANDIDATE_FIELDS))


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


def organisation_name_hits_many(
    texts: list[str], *, kind: str | None, limit: int
) -> dict[str, list[NameHit]]:
    """Current and former names of organisations (``kind`` ≠ 自然人) near each of ``texts``
    (normalised cores), at most ``limit`` of each source per core: core → hits. A match query is a
    batch of one; batch screening sends many. On PostgreSQL one round trip per ``NAMES_PER_QUERY``
    cores; elsewhere the portable search, core by core."""
    distinct = list(dict.fromkeys(texts))
    found: dict[str, list[NameHit]] = {}
    for text in [t for t in distinct if len(t) < 3]:
        # Trigrams cannot serve one or two characters: only names starting with them.
        current = _current(kind).filter(name__startswith=text)[:limit]
        found[text] = [NameHit(subject, subject.name, False) for subject in current]
    searched = [t for t in distinct if len(t) >= 3]
    if connection.vendor == "postgresql":
        for start in range(0, len(searched), NAMES_PER_QUERY):
            found |= _postgresql_hits(searched[start : start + NAMES_PER_QUERY], kind=kind, limit=limit)
    else:
        for text in searched:
            found[text] = _portable_hits(text, kind=kind, limit=limit)
    return found


def _current(kind: str | None):
    qs = Subject.objects.exclude(kind=SubjectKind.NATURAL).only(*CANDIDATE_FIELDS)
    return qs.filter(kind=kind) if kind else qs


NAMES_PER_QUERY = 200

# The cores of one threshold (one length) in one statement: each core (``unnest``) joined laterally
# to its nearest current and former names. Former names of persons are not filtered here (no join):
# the matcher keeps candidates by kind and scores persons by their whole name only.
_PG_NAMES = """
SELECT set_config('pg_trgm.word_similarity_threshold', %(threshold)s, true);
SELECT q.text, h.name, h.former, {columns}
FROM unnest(%(texts)s::text[]) AS q(text)
CROSS JOIN LATERAL (
 (SELECT id, name, false AS former FROM subjects_subject
  WHERE q.text <%% UPPER(name::text) AND kind <> 'natural'
    AND (%(kind)s::text IS NULL OR kind = %(kind)s)
  ORDER BY q.text <<-> UPPER(name::text), id LIMIT %(limit)s)
 UNION ALL
 (SELECT subject_id, old_name, true FROM subjects_subjectnamechange
  WHERE q.text <%% UPPER(old_name::text)
  ORDER BY q.text <<-> UPPER(old_name::text), id LIMIT %(limit)s)
) AS h
JOIN subjects_subject AS s ON s.id = h.id;
""".replace("{columns}", ", ".join(f"s.{column}" for column in _CANDIDATE_ATTNAMES))


def name_search_sql(texts: list[str], *, kind: str | None, limit: int) -> tuple[str, dict[str, Any], int]:
    """The PostgreSQL name search for ``texts`` (cores of three characters or more): the statement
    text, its parameters and the number of searches in it (one per core length).

    pg_trgm pads the word: a core of n characters has n + 1 trigrams, of which the n − 2 inner ones
    can occur inside a longer stored name. The GIN index keeps rows sharing at least threshold ×
    (n + 1) of them; the threshold is set just below the count wanted, so it depends on the length
    only: the cores are grouped by length, one ``set_config`` + search each. All the statements go
    in one simple-protocol query (Django's client-side binding cursor): PostgreSQL runs them in one
    implicit transaction, so each local setting holds for the search after it. JIT is off for it:
    the estimated cost of a batch passes ``jit_above_cost`` and compiling costs far more (hundreds of
    ms) than the index scans it would speed up."""
    by_length: dict[int, list[str]] = {}
    for text in texts:
        by_length.setdefault(len(text), []).append(text)
    sql = ["SELECT set_config('jit', 'off', true);"]
    params: dict[str, Any] = {"limit": limit, "kind": kind}
    for i, (length, group) in enumerate(by_length.items()):
        sql.append(
            _PG_NAMES.replace("%(threshold)s", f"%(threshold{i})s").replace("%(texts)s", f"%(texts{i})s")
        )
        params[f"threshold{i}"] = f"{(trigrams_needed(group[0]) - 0.5) / (length + 1):.4f}"
        params[f"texts{i}"] = group
    return "".join(sql), params, len(by_length)


def _postgresql_hits(texts: list[str], *, kind: str | None, limit: int) -> dict[str, list[NameHit]]:
    sql, params, searches = name_search_sql(texts, kind=kind, limit=limit)
    found: dict[str, list[NameHit]] = {text: [] for text in texts}
    # Raw SQL: where the ORM's reads of subjects go (a read replica for POST /match, ADR 0048).
    alias = router.db_for_read(Subject)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        for _ in range(searches):
            cursor.nextset()  # the set_config row
            cursor.nextset()
            for text, name, former, *values in cursor.fetchall():
                subject = Subject.from_db(alias, _CANDIDATE_ATTNAMES, values)
                found[text].append(NameHit(subject, name, former))
    return found


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
        .order_by("-windows_found", "id")[:limit]
    )
    any_old = Q()
    for w in windows:
        any_old |= Q(old_name__contains=w)
    former = (
        SubjectNameChange.objects.exclude(subject__kind=SubjectKind.NATURAL)
        .select_related("subject")
        .only(*_FORMER_FIELDS)
    )
    if kind:
        former = former.filter(subject__kind=kind)
    former_rows = (
        former.filter(any_old)
        .annotate(windows_found=_window_count("old_name", windows))
        .filter(windows_found__gte=need)
        .order_by("-windows_found", "id")[:limit]
    )
    return [NameHit(subject, subject.name, False) for subject in current] + [
        NameHit(change.subject, change.old_name, True) for change in former_rows
    ]


def person_name_hits(names: list[str], *, limit: int) -> list[NameHit]:
    """Natural persons whose current or former name is one of ``names`` (exact, indexed)."""
    # No ORDER BY: with one, PostgreSQL may walk the primary key instead of the name index.
    current = (
        Subject.objects.filter(kind=SubjectKind.NATURAL, name__in=names).only(*CANDIDATE_FIELDS).order_by()
    )[:limit]
    former = (
        SubjectNameChange.objects.filter(old_name__in=names, subject__kind=SubjectKind.NATURAL)
        .select_related("subject")
        .only(*_FORMER_FIELDS)
        .order_by()
    )[:limit]
    return [NameHit(subject, subject.name, False) for subject in current] + [
        NameHit(change.subject, change.old_name, True) for change in former
    ]
