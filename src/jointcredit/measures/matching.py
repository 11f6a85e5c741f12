"""Matching a subject by name as well as by code (issue #20 §1, ADR 0041, docs/matching.md).

A cooperating department often holds a name, an old registration number or a 15-digit ID rather
than a clean USCC. ``subject_match`` takes whatever it has — name, identifier, former identifiers,
kind, a person's birth date and region, an address — finds candidates through indexed lookups
(``subjects.candidates``), scores each with the features that matched and how (``SCORING``), and
returns those at or above the threshold, best first, each with the list entries in force today so
the caller sees why it matters. It sits in ``measures`` because the answer carries list entries
(layers: measures reads lists and subjects); the check page's "按名称查找" and name-only screening
rows use the same function.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.lists.selectors import entries_effective_for_subjects
from jointcredit.subjects.candidates import (
    CANDIDATE_FIELDS,
    IdentifierHit,
    NameHit,
    identifier_clean,
    identifier_hits,
    organisation_name_hits_many,
    person_name_hits,
)
from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import Subject, SubjectKind, SubjectNameChange
from jointcredit.subjects.names import NormalisedName, name_normalize, names_compare, text_normalize

DEFAULT_THRESHOLD = 0.6
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
CANDIDATES_PER_SOURCE = 50  # name candidates fetched per source (current names, former names)

# The scoring, as documented in docs/matching.md and returned with every answer. A candidate's score
# is the best of its features' scores; supporting evidence (birth date, region, address) moves a
# score that rests on a name, never one that rests on an identifier. Names alone stay below 1.
SCORING: list[dict] = [
    {
        "feature": "exact_identifier",
        "label": "标识一致",
        "rule": "统一社会信用代码或证件号码与主体登记的完全一致：1.00",
    },
    {
        "feature": "alias_identifier",
        "label": "别名标识一致",
        "rule": "与主体的其他标识（旧组织机构代码、工商注册号、被合并主体的标识）一致：0.99",
    },
    {
        "feature": "converted_identifier",
        "label": "15 位身份证号升位后一致",
        "rule": "15 位身份证号补“19”和校验码后与主体证件号一致：0.99",
    },
    {
        "feature": "org_code",
        "label": "组织机构代码一致",
        "rule": "9 位组织机构代码与统一社会信用代码第 9–17 位一致：0.98",
    },
    {"feature": "exact_name", "label": "名称完全一致", "rule": "名称逐字一致：0.98（自然人 0.80）"},
    {
        "feature": "normalised_name",
        "label": "名称归一后一致",
        "rule": "全半角、繁简、标点括号、组织形式（有限责任公司=有限公司）、行政区划前缀、分公司归一后一致："
        "0.96 × 系数（仅一方带行政区划 0.95，区划包含关系 0.93–0.95，区划不同 0.85，组织形式不同 0.90，"
        "分公司与总公司 0.90）；自然人 0.80",
    },
    {
        "feature": "fuzzy_name",
        "label": "名称相似",
        "rule": "归一后字号与行业部分的编辑距离相似度 × 上述系数 × 0.90",
    },
    {"feature": "former_name", "label": "曾用名", "rule": "与主体曾用名比对，按上述名称规则计分后 × 0.97"},
    {
        "feature": "birth_date",
        "label": "出生日期",
        "rule": "自然人：与身份证号中的出生日期一致 +0.15，不一致 × 0.5",
    },
    {"feature": "region", "label": "地区", "rule": "行政区划码与主体一致（或为其上级）+0.02，不一致 × 0.9"},
    {"feature": "address", "label": "住所", "rule": "住所相似度 ≥ 0.85 时 +0.02"},
    {"feature": "cap", "label": "上限", "rule": "仅凭名称及辅助信息的得分不超过 0.99；只有标识一致才得 1.00"},
]

IDENTIFIER_SCORES = {
    "exact_identifier": 1.0,
    "alias_identifier": 0.99,
    "converted_identifier": 0.99,
    "org_code": 0.98,
}
NAME_WEIGHTS = {"exact": 0.98, "normalised": 0.96, "fuzzy": 0.9}
PERSON_NAME_SCORE = 0.8
FORMER_NAME_FACTOR = 0.97
BIRTH_DATE_BONUS, BIRTH_DATE_MISMATCH = 0.15, 0.5
REGION_BONUS, REGION_MISMATCH = 0.02, 0.9
ADDRESS_BONUS, ADDRESS_SIMILAR = 0.02, 0.85
NAME_CAP = 0.99

FEATURE_LABELS = {row["feature"]: row["label"] for row in SCORING}
_REGION_RE = re.compile(r"^\d{2}(\d{2}){0,2}$")


@dataclass(frozen=True)
class MatchQuery:
    name: str = ""
    identifier: str = ""
    former_identifiers: tuple[str, ...] = ()
    kind: str | None = None
    birth_date: date | None = None
    region: str = ""
    address: str = ""
    threshold: float = DEFAULT_THRESHOLD
    limit: int = DEFAULT_LIMIT


def match_query_validate(
    *,
    name: str | None = "",
    identifier: str | None = "",
    former_identifiers: list[str] | tuple[str, ...] | None = (),
    kind: str | None = None,
    birth_date: date | None = None,
    region: str | None = "",
    address: str | None = "",
    threshold: float | None = None,
    limit: int | None = None,
) -> MatchQuery:
    """Every field checked; 422 naming the field and the rule."""
    name, identifier = (name or "").strip(), (identifier or "").strip()
    formers = tuple(x.strip() for x in (former_identifiers or ()) if x and x.strip())
    errors: list[dict] = []

    def fail(field_name: str, rule: str, message: str) -> None:
        errors.append({"field": field_name, "rule": rule, "message": message})

    if not name and not identifier and not formers:
        fail("name", "required", "name、identifier、former_identifiers 至少填写一项。")
    if len(name) > 200:
        fail("name", "max_length", "name（名称/姓名）不能超过 200 个字符。")
    for field_name, label, text in (("name", "名称/姓名", name), ("address", "住所", address or "")):
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            fail(field_name, "charset", f"{field_name}（{label}）不能包含控制字符。")
    if len(formers) > 10:
        fail("former_identifiers", "max_items", "former_identifiers（曾用标识）最多 10 个。")
    if kind not in (None, "", *SubjectKind.values):
        fail("kind", "choice", f"kind（主体类别）应为 {'、'.join(SubjectKind.values)} 之一。")
    region = (region or "").strip()
    if region and not _REGION_RE.match(region):
        fail("region", "format", "region（行政区划码）应为 2、4 或 6 位数字，如 370102。")
    address = (address or "").strip()
    if len(address) > 255:
        fail("address", "max_length", "address（住所）不能超过 255 个字符。")
    if birth_date is not None and birth_date > clock.today():
        fail("birth_date", "not_future", "birth_date（出生日期）不能晚于今天。")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    if not 0 <= threshold <= 1:
        fail("threshold", "range", "threshold（得分下限）应在 0 到 1 之间。")
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        fail("limit", "range", f"limit（候选数上限）应在 1 到 {MAX_LIMIT} 之间。")
    codes: list[str] = []
    for field_name, raw in [("identifier", identifier)] + [
        (f"former_identifiers[{i}]", raw) for i, raw in enumerate(formers)
    ]:
        if raw:
            try:
                codes.append(identifier_clean(raw, field=field_name))
            except ValidationFailed as exc:
                errors.extend(exc.details)
    if errors:
        raise ValidationFailed(errors[0]["message"], details=errors)
    return MatchQuery(
        name=name,
        identifier=codes[0] if identifier else "",
        former_identifiers=tuple(codes[1:] if identifier else codes),
        kind=kind or None,
        birth_date=birth_date,
        region=region,
        address=address,
        threshold=threshold,
        limit=limit,
    )


@dataclass
class Feature:
    feature: str
    field: str
    query: str
    matched: str
    score: float
    similarity: float | None = None
    how: str = ""

    def as_dict(self) -> dict:
        return {
            "feature": self.feature,
            "label": FEATURE_LABELS[self.feature],
            "field": self.field,
            "query": self.query,
            "matched": self.matched,
            "similarity": self.similarity,
            "score": round(self.score, 4),
            "how": self.how,
        }


@dataclass
class Candidate:
    subject: Subject
    features: list[Feature] = field(default_factory=list)
    score: float = 0.0
    merged: list[str] = field(default_factory=list)  # identifiers of merged duplicates that led here
    entries: list[dict] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        parts = [f"{FEATURE_LABELS[f.feature]}（{f.how or f.matched}）" for f in self.features if f.score > 0]
        text = "；".join(parts) or "无匹配特征"
        if self.merged:
            text += f"；经已合并主体 {'、'.join(self.merged)} 找到"
        return f"得分 {self.score:.2f}：{text}。"

    def as_dict(self) -> dict:
        s = self.subject
        return {
            "subject": {
                "id": s.pk,
                "identifier": s.identifier,
                "name": s.name,
                "kind": s.kind,
                "kind_label": s.get_kind_display(),
                "region_code": s.region_code,
            },
            "score": round(self.score, 4),
            "features": [f.as_dict() for f in self.features],
            "explanation": self.explanation,
            "merged_from": self.merged,
            "entries": self.entries,
        }


@dataclass
class MatchResult:
    query: MatchQuery
    normalised: NormalisedName | None
    candidates: list[Candidate]
    considered: int  # candidate subjects scored before the threshold and the limit

    def as_dict(self) -> dict:
        n = self.normalised
        return {
            "threshold": self.query.threshold,
            "limit": self.query.limit,
            "normalised_name": (
                {
                    "text": n.text,
                    "core": n.core,
                    "region": n.region,
                    "form": n.form,
                    "branch": n.branch,
                    "steps": list(n.steps),
                }
                if n is not None
                else None
            ),
            "considered": self.considered,
            "scoring": SCORING,
            "candidates": [c.as_dict() for c in self.candidates],
        }


def _how(steps: tuple[str, ...]) -> str:
    return "、".join(steps)


def _name_feature(query: NormalisedName, stored_name: str, *, person: bool, former: bool) -> Feature | None:
    stored = name_normalize(stored_name, person=person)
    comparison = names_compare(query, stored)
    if comparison.method == "none":
        return None
    if person:
        if comparison.method == "fuzzy":
            return None  # persons match by their whole name only
        score = PERSON_NAME_SCORE * comparison.similarity
    else:
        weight = NAME_WEIGHTS[comparison.method]
        score = weight * comparison.similarity
    feature = {"exact": "exact_name", "normalised": "normalised_name", "fuzzy": "fuzzy_name"}[
        comparison.method
    ]
    how = _how(comparison.steps)
    if comparison.method == "fuzzy":
        how = f"相似度 {comparison.similarity:.2f}" + (f"，{how}" if how else "")
    if former:
        score *= FORMER_NAME_FACTOR
        how = f"曾用名，{FEATURE_LABELS[feature]}" + (f"：{how}" if how else "")
        feature = "former_name"
    return Feature(
        feature=feature,
        field="name",
        query=query.raw,
        matched=stored_name,
        score=score,
        similarity=comparison.similarity,
        how=how or FEATURE_LABELS[feature],
    )


def _birth_date_of(subject: Subject) -> date | None:
    code = subject.identifier
    if subject.id_type != IdType.RESIDENT_ID or len(code) != 18:
        return None
    try:
        return date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


def _region_of(subject: Subject) -> str:
    if subject.region_code:
        return subject.region_code
    if subject.id_type == IdType.RESIDENT_ID:
        return subject.identifier[:6]
    return ""


def _support(candidate: Candidate, query: MatchQuery, name_score: float) -> float:
    """Birth date, region, address: move a name-based score (docs/matching.md)."""
    s = candidate.subject
    score = name_score
    if query.birth_date is not None and s.kind == SubjectKind.NATURAL:
        born = _birth_date_of(s)
        if born is not None:
            same = born == query.birth_date
            score = score + BIRTH_DATE_BONUS if same else score * BIRTH_DATE_MISMATCH
            candidate.features.append(
                Feature(
                    "birth_date",
                    "birth_date",
                    query.birth_date.isoformat(),
                    born.isoformat(),
                    BIRTH_DATE_BONUS if same else 0.0,
                    how="一致" if same else "不一致",
                )
            )
    if query.region:
        region = _region_of(s)
        if region:
            same = region.startswith(query.region)
            score = score + REGION_BONUS if same else score * REGION_MISMATCH
            candidate.features.append(
                Feature(
                    "region",
                    "region",
                    query.region,
                    region,
                    REGION_BONUS if same else 0.0,
                    how="一致" if same else "不一致",
                )
            )
    if query.address and s.address:
        similarity = fuzz.ratio(text_normalize(query.address)[0], text_normalize(s.address)[0]) / 100
        if similarity >= ADDRESS_SIMILAR:
            score += ADDRESS_BONUS
        candidate.features.append(
            Feature(
                "address",
                "address",
                query.address,
                s.address,
                ADDRESS_BONUS if similarity >= ADDRESS_SIMILAR else 0.0,
                similarity=round(similarity, 4),
                how=f"相似度 {similarity:.2f}",
            )
        )
    return min(score, NAME_CAP)


def _subjects_resolved(
    ids: set[int], known: dict[int, Subject]
) -> tuple[dict[int, Subject], dict[int, Subject]]:
    """The candidate rows (``CANDIDATE_FIELDS``; those not ``known`` already — name hits bring
    theirs — in one query) and, for each, the subject it stands for now (merged duplicates → their
    survivor, up to five hops; one query per hop, none when nothing was merged)."""
    missing_rows = ids - known.keys()
    if missing_rows:
        known |= {s.pk: s for s in Subject.objects.filter(pk__in=missing_rows).only(*CANDIDATE_FIELDS)}
    rows = {pk: known[pk] for pk in ids if pk in known}
    for _ in range(5):
        missing = {s.merged_into_id for s in known.values() if s.merged_into_id} - known.keys()
        if not missing:
            break
        known |= {s.pk: s for s in Subject.objects.filter(pk__in=missing).only(*CANDIDATE_FIELDS)}
    resolved: dict[int, Subject] = {}
    for pk, subject in rows.items():
        hops, current = 0, subject
        while current.merged_into_id is not None and current.merged_into_id in known and hops < 5:
            current, hops = known[current.merged_into_id], hops + 1
        resolved[pk] = current
    return rows, resolved


def subject_match(query: MatchQuery, *, entries: bool = True) -> MatchResult:
    """Scored candidates for ``query`` (validated by ``match_query_validate``)."""
    return subjects_match([query], entries=entries)[0]


def subjects_match(queries: list[MatchQuery], *, entries: bool = True) -> list[MatchResult]:
    """``subject_match`` for many queries at once (batch screening): the organisation-name searches
    of all queries go in one round trip per chunk (``organisation_name_hits_many``), the candidate
    subjects and their entries are loaded once, and each query is scored on its own."""
    normalised: list[NormalisedName | None] = []
    searches: dict[str | None, list[str]] = {}  # kind → organisation cores to search
    for query in queries:
        person_only = query.kind == SubjectKind.NATURAL
        n = name_normalize(query.name, person=person_only) if query.name else None
        normalised.append(n)
        if n is not None and not person_only:
            searches.setdefault(query.kind, []).append(n.search_text)
    org_hits = {
        kind: organisation_name_hits_many(texts, kind=kind, limit=CANDIDATES_PER_SOURCE)
        for kind, texts in searches.items()
    }
    gathered = []
    for query, n in zip(queries, normalised, strict=True):
        id_hits = identifier_hits(query.identifier) if query.identifier else []
        former_hits = [(code, hit) for code in query.former_identifiers for hit in identifier_hits(code)]
        name_hits: list[NameHit] = []
        if n is not None:
            person_only = query.kind == SubjectKind.NATURAL
            if not person_only:
                name_hits += org_hits[query.kind][n.search_text]
            # A name with an organisational form (有限公司 …) is no person's name: no person lookup.
            if person_only or (query.kind is None and not n.form):
                as_person = name_normalize(query.name, person=True)
                name_hits += person_name_hits(
                    list(dict.fromkeys([query.name, as_person.text])), limit=CANDIDATES_PER_SOURCE
                )
        gathered.append((id_hits, former_hits, name_hits))
    ids = {h.subject_id for id_hits, former_hits, name_hits in gathered for h in id_hits + name_hits}
    ids |= {h.subject_id for _, former_hits, _ in gathered for _, h in former_hits}
    loaded = {h.subject.pk: h.subject for _, _, name_hits in gathered for h in name_hits}
    rows, resolved = _subjects_resolved(ids, loaded)
    results = [
        _scored(query, n, *hits, rows=rows, resolved=resolved)
        for query, n, hits in zip(queries, normalised, gathered, strict=True)
    ]
    if entries:
        _attach_entries([c for result in results for c in result.candidates])
    return results


def _scored(
    query: MatchQuery,
    normalised: NormalisedName | None,
    id_hits: list[IdentifierHit],
    former_hits: list[tuple[str, IdentifierHit]],
    name_hits: list[NameHit],
    *,
    rows: dict[int, Subject],
    resolved: dict[int, Subject],
) -> MatchResult:
    """One query's candidates scored (``SCORING``), at or above the threshold, best first."""
    person_only = query.kind == SubjectKind.NATURAL
    candidates: dict[int, Candidate] = {}

    def candidate_for(pk: int) -> Candidate | None:
        if pk not in resolved:
            return None
        subject = resolved[pk]
        if query.kind and subject.kind != query.kind:
            return None
        c = candidates.setdefault(subject.pk, Candidate(subject))
        if pk != subject.pk and rows[pk].identifier not in c.merged:
            c.merged.append(rows[pk].identifier)
        return c

    id_score: dict[int, float] = {}
    for field_name, hits in [
        ("identifier", [(query.identifier, h) for h in id_hits]),
        ("former_identifiers", former_hits),
    ]:
        for code, hit in hits:
            c = candidate_for(hit.subject_id)
            if c is None:
                continue
            score = IDENTIFIER_SCORES[hit.feature]
            c.features.append(
                Feature(hit.feature, field_name, code, hit.value, score, how=FEATURE_LABELS[hit.feature])
            )
            id_score[c.subject.pk] = max(id_score.get(c.subject.pk, 0.0), score)
    former_names: dict[int, set[str]] = {}
    for name_hit in name_hits:
        c = candidate_for(name_hit.subject_id)
        if c is not None:
            names = former_names.setdefault(c.subject.pk, set())
            if name_hit.former or name_hit.subject_id != c.subject.pk:
                names.add(name_hit.name)
    for pk, c in candidates.items():
        name_score = 0.0
        if normalised is not None:
            is_person = c.subject.kind == SubjectKind.NATURAL
            query_name = (
                normalised if not is_person or person_only else name_normalize(query.name, person=True)
            )
            options = [_name_feature(query_name, c.subject.name, person=is_person, former=False)]
            options += [
                _name_feature(query_name, old, person=is_person, former=True)
                for old in sorted(former_names.get(pk, ()))
            ]
            best = max((f for f in options if f is not None), key=lambda f: f.score, default=None)
            if best is not None:
                c.features.append(best)
                name_score = best.score
        name_score = _support(c, query, name_score) if name_score else 0.0
        c.score = max(id_score.get(pk, 0.0), name_score)
    ranked = sorted(
        (c for c in candidates.values() if c.score >= query.threshold and c.score > 0),
        key=lambda c: (-c.score, c.subject.pk),
    )[: query.limit]
    return MatchResult(query=query, normalised=normalised, candidates=ranked, considered=len(candidates))


def _attach_entries(candidates: list[Candidate]) -> None:
    """The list entries in force today of each candidate (one query)."""
    if not candidates:
        return
    by_subject: dict[int, list[list[dict]]] = {}
    for c in candidates:  # a subject may be a candidate of several queries of a batch
        by_subject.setdefault(c.subject.pk, []).append(c.entries)
    rows = (
        entries_effective_for_subjects(by_subject)
        .order_by("subject_id", "id")
        .values_list(
            "subject_id",
            "id",
            "list_type__code",
            "list_type__name",
            "list_type__color",
            "department__name",
            "decided_on",
            "valid_until",
            "under_objection",
        )
    )
    for subject_id, pk, code, name, color, department, decided_on, valid_until, under_objection in rows:
        entry = {
            "id": pk,
            "list_type": code,
            "list_type_name": name,
            "color": color,
            "department": department,
            "decided_on": decided_on,
            "valid_until": valid_until,
            "under_objection": under_objection,
        }
        for entries in by_subject[subject_id]:
            entries.append(dict(entry))


# --- screening rows with a name and no identifier --------------------------------------------------

SCREENING_CANDIDATES = 3
NAME_UNMATCHED = (
    "按名称未找到得分不低于 {threshold} 的主体：不能据此判定“未命中”，"
    "请补充统一社会信用代码或证件号码后再比对。"
)


NAMES_PER_BATCH = 1000  # names scored per ``subjects_match`` call in batch screening
# Exact names per bulk lookup: at 5,000 PostgreSQL's estimate for ``name = ANY(…)`` passes that of a
# sequential scan of the whole table (0.5 s a chunk over 1M subjects); at 1,000 it keeps to the
# btree (~30 ms).
EXACT_NAMES_PER_QUERY = 1000


def subjects_match_names(
    names: list[str], *, threshold: float = DEFAULT_THRESHOLD, limit: int
) -> list[list[Candidate]]:
    """Candidates for many names at once (batch screening). A name that is exactly the current name
    (or, failing that, a former name) of one or more subjects is answered from bulk lookups
    (``EXACT_NAMES_PER_QUERY`` names a query), with the scores ``subject_match`` gives such a name
    (exact name 0.98, persons 0.80; a former name × 0.97); every other name goes through
    ``subjects_match`` — the same search and scoring as ``POST /api/v1/match`` —
    ``NAMES_PER_BATCH`` names at a time."""
    exact: dict[str, list[tuple[Subject, bool]]] = {}
    distinct = list(dict.fromkeys(n for n in names if n))
    former_fields = ["old_name", *(f"subject__{f}" for f in CANDIDATE_FIELDS)]
    for start in range(0, len(distinct), EXACT_NAMES_PER_QUERY):
        chunk = distinct[start : start + EXACT_NAMES_PER_QUERY]
        current = Subject.objects.filter(name__in=chunk, merged_into__isnull=True).only(*CANDIDATE_FIELDS)
        for subject in current.order_by("id"):
            exact.setdefault(subject.name, []).append((subject, False))
        rest = [n for n in chunk if n not in exact]
        former = (
            SubjectNameChange.objects.filter(old_name__in=rest, subject__merged_into__isnull=True)
            .select_related("subject")
            .only(*former_fields)
            .order_by("id")
        )
        for change in former:
            exact.setdefault(change.old_name, []).append((change.subject, True))
    answers: dict[str, list[Candidate]] = {}
    asked: list[tuple[str, MatchQuery]] = []
    for name in distinct:
        if name in exact:
            answers[name] = _exact_candidates(name, exact[name], threshold=threshold, limit=limit)
            continue
        try:
            asked.append((name, match_query_validate(name=name[:200], threshold=threshold, limit=limit)))
        except ValidationFailed:  # a cell no name can be (control characters): no candidate
            answers[name] = []
    for start in range(0, len(asked), NAMES_PER_BATCH):
        batch = asked[start : start + NAMES_PER_BATCH]
        results = subjects_match([query for _, query in batch], entries=False)
        for (name, _), result in zip(batch, results, strict=True):
            answers[name] = result.candidates
    return [answers.get(n, []) for n in names]


def _exact_candidates(
    name: str, subjects: list[tuple[Subject, bool]], *, threshold: float, limit: int
) -> list[Candidate]:
    found: dict[int, Candidate] = {}
    for subject, is_former in subjects:
        person = subject.kind == SubjectKind.NATURAL
        score = (PERSON_NAME_SCORE if person else NAME_WEIGHTS["exact"]) * (
            FORMER_NAME_FACTOR if is_former else 1.0
        )
        feature = "former_name" if is_former else "exact_name"
        how = f"曾用名，{FEATURE_LABELS['exact_name']}" if is_former else FEATURE_LABELS["exact_name"]
        c = found.setdefault(subject.pk, Candidate(subject, score=score))
        c.features.append(Feature(feature, "name", name, name, score, similarity=1.0, how=how))
    ranked = sorted(found.values(), key=lambda c: (-c.score, c.subject.pk))
    return [c for c in ranked if c.score >= threshold][:limit]


def screening_name_rows(
    frame, *, names, targets, threshold: float = DEFAULT_THRESHOLD, limit: int = SCREENING_CANDIDATES
):
    """Screening rows with a name and no identifier (``frame`` and ``targets`` as in
    ``screening.screening_compute``): the best candidates by name, with their scores, in a
    ``candidates_json`` column. Such a row is "hit" when any candidate at or above the threshold
    has measures (the department must look: best such candidate's measures are shown), "clear"
    when candidates were found and none has measures, and "invalid" — never "clear" — when no
    candidate reaches the threshold."""
    import json

    import polars as pl

    frame = frame.with_columns(
        candidates_json=pl.lit(None, dtype=pl.String), candidates_text=pl.lit(None, dtype=pl.String)
    )
    mask = (frame["identifier"].fill_null("").str.strip_chars() == "") & (
        names.fill_null("").str.strip_chars() != ""
    )
    idx = mask.arg_true()
    if idx.len() == 0:
        return frame
    asked = [n.strip() for n in names.gather(idx).to_list()]
    answers = subjects_match_names(asked, threshold=threshold, limit=limit)
    identifiers = {c.subject.identifier for found in answers for c in found}
    listed = {
        row["normalized"]: row
        for row in targets.filter(pl.col("normalized").is_in(list(identifiers))).iter_rows(named=True)
    }
    updates: dict[str, list] = {
        k: []
        for k in (
            "status",
            "error",
            "subject_name",
            "measure_codes",
            "measures",
            "under_objection",
            "hits_json",
        )
    }
    updates["candidates_json"], updates["candidates_text"] = [], []
    for name, found in zip(asked, answers, strict=True):
        candidates = [
            {
                "identifier": c.subject.identifier,
                "name": c.subject.name,
                "score": round(c.score, 4),
                "explanation": c.explanation,
                "has_measures": c.subject.identifier in listed,
            }
            for c in found
        ]
        best = next((c for c in found if c.subject.identifier in listed), None)
        target = listed[best.subject.identifier] if best is not None else None
        if not found:
            status, error = "invalid", NAME_UNMATCHED.format(threshold=threshold)
        else:
            status, error = ("hit" if target else "clear"), None
        chosen = best or (found[0] if found else None)
        updates["status"].append(status)
        updates["error"].append(error)
        updates["subject_name"].append(
            f"{chosen.subject.name}（按名称“{name}”匹配，得分 {chosen.score:.2f}）" if chosen else None
        )
        for key in ("measure_codes", "measures", "hits_json"):
            updates[key].append(target[key] if target else None)
        updates["under_objection"].append(bool(target["under_objection"]) if target else False)
        updates["candidates_json"].append(json.dumps(candidates, ensure_ascii=False) if candidates else None)
        updates["candidates_text"].append(
            "；".join(f"{c['name']}（{c['identifier']}，{c['score']:.2f}）" for c in candidates) or None
        )
    columns = {k: pl.Series(k, v, dtype=frame.schema[k]) for k, v in updates.items()}
    return frame.with_columns([frame[k].scatter(idx, columns[k]) for k in updates])
