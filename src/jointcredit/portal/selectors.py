"""Reads behind the public portal: unified search and the subject page (ADR 0005).

Subject search strategy (PostgreSQL, 10M rows, p95 < 100 ms):
  * identifier-shaped queries (USCC, 组织机构代码, ID numbers) → exact match on the unique
    ``identifier`` index or the alias index;
  * name fragments of ≥ 3 characters → ``UPPER(name) LIKE '%q%'`` served by the pg_trgm GIN index
    ``subject_name_trgm`` (pg_trgm extracts trigrams from CJK characters under the C.UTF-8 ctype),
    forced to a bitmap scan that stops after COUNT_CAP + 1 rows; when the planner estimates more
    than BROAD_ESTIMATE matches ("有限公司") the fragment is too broad to be useful and the search
    falls back to the prefix match below, with a note asking for a longer query;
  * 1–2 characters → trigrams cannot serve them, so they match names *starting with* the fragment
    (``name COLLATE "C" LIKE 'q%'``: a range on the btree ``subject_name_c``, already in result order);
  * natural persons are only found by their full name or full document number, never by fragment,
    so the portal cannot be used to enumerate people (``subjects.privacy``, the rule of every public
    surface);
  * results are ordered by ``name COLLATE "C"`` (index ``subject_name_c``) and fetched as the first
    ``COUNT_CAP`` = 200 ids in one walk, giving both the page and the capped total ("超过 200 条"):
    a very common fragment ("有限公司") costs ~200 matching index entries, not a table scan.
SQLite (development) uses the same ORM lookups without the indexes.
"""

from __future__ import annotations

import json
import re

from django.core.cache import cache
from django.db import connection, connections, router, transaction
from django.db.models import Q
from django.db.models.functions import Collate

from jointcredit.common.errors import ValidationFailed
from jointcredit.common.portal_registry import (
    SEARCH_COUNT_CAP,
    SearchResults,
    portal_stats,
    search_provider,
    search_providers,
)
from jointcredit.subjects import privacy
from jointcredit.subjects.identifiers import normalize
from jointcredit.subjects.models import Subject, SubjectKind
from jointcredit.subjects.public import subject_public_ref
from jointcredit.subjects.selectors import subject_ids_for_identifier

COUNT_CAP = SEARCH_COUNT_CAP
BROAD_ESTIMATE = 20_000  # planner-estimated matches above which a fragment counts as too broad
MAX_PAGE_SIZE = 50
MAX_QUERY = 100
_IDENTIFIER_RE = re.compile(r"^[0-9A-Z]{8,18}$")


def clean_query(q: str | None) -> str:
    q = " ".join((q or "").split())
    if len(q) > MAX_QUERY:
        raise ValidationFailed.single("q", "max_length", f"查询内容不能超过 {MAX_QUERY} 个字符。")
    return q


def _name_c() -> Collate:
    """Code-point order: "C" on PostgreSQL (the ``subject_name_c`` index), BINARY on SQLite."""
    return Collate("name", "C" if connection.vendor == "postgresql" else "BINARY")


def _prefix(base, q: str):
    """One range condition on the C-collated name index: “名称以 q 开头”, persons only by full name."""
    return base.alias(name_c=_name_c()).filter(Q(name_c__startswith=q) & privacy.person_name_guard(q))


def _ordered_ids(qs) -> list[int]:
    """The first COUNT_CAP + 1 ids in name order, in one walk: the page and the capped total."""
    return list(qs.order_by(_name_c().asc(), "pk").values_list("pk", flat=True)[: COUNT_CAP + 1])


def _estimated_rows(qs) -> float:
    """The planner's row estimate (EXPLAIN, ~0.3 ms): tells a rare fragment from a broad one."""
    sql, params = qs.values("pk").query.sql_with_params()
    with connections[router.db_for_read(Subject)].cursor() as cursor:  # where the ORM reads (ADR 0048)
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])


def _trigram_ids(qs) -> list[int]:
    """Up to COUNT_CAP + 1 matches through the pg_trgm GIN bitmap, then put in name order. An ORDER
    BY here would let the planner walk the name index and filter row by row, which is slow when
    the matches sit far down the order; the bitmap cost depends on the matches only."""
    alias = router.db_for_read(Subject)  # a read replica for the public search (ADR 0048)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        ids = list(qs.order_by().values_list("pk", flat=True)[: COUNT_CAP + 1])
    ordered = _ordered_ids(Subject.objects.filter(pk__in=ids[:COUNT_CAP]))
    return (
        ordered + [0] if len(ids) > COUNT_CAP else ordered
    )  # capped: the first COUNT_CAP found, in name order


def subject_search_public(
    q: str, page: int = 1, page_size: int = 10, *, kind: str | None = None
) -> SearchResults:
    """The built-in ``subjects`` search provider: masked, paginated, capped count."""
    q = clean_query(q)
    if not q:
        return SearchResults()
    base = Subject.objects.filter(merged_into__isnull=True)
    if kind:
        base = base.filter(kind=kind)
    code = normalize(q)
    broad = False
    if _IDENTIFIER_RE.match(code) and any(ch.isdigit() for ch in code):
        ids = _ordered_ids(base.filter(pk__in=subject_ids_for_identifier(code)))
    elif len(q) >= 3:
        qs = base.filter(privacy.name_match(q))
        if connection.vendor != "postgresql":
            ids = _ordered_ids(qs)
        elif _estimated_rows(qs) <= BROAD_ESTIMATE:
            ids = _trigram_ids(qs)
        else:
            # Too broad for a fragment search ("有限公司"): names starting with it instead, which the
            # C-collated index serves in order at constant cost; the page asks for a longer query.
            broad = True
            ids = _ordered_ids(_prefix(base, q))
    else:
        ids = _ordered_ids(_prefix(base, q))
    total, capped = (COUNT_CAP, True) if len(ids) > COUNT_CAP else (len(ids), False)
    offset = (page - 1) * page_size
    page_ids = ids[offset : min(offset + page_size, COUNT_CAP)]
    rows = Subject.objects.in_bulk(page_ids) if page_ids else {}
    return SearchResults(
        items=[_subject_item(rows[i]) for i in page_ids if i in rows],
        total=total,
        capped=capped,
        note="查询词过于宽泛，仅显示名称以该词开头的主体，请输入更完整的名称。" if broad else "",
    )


def _subject_item(subject: Subject) -> dict:
    ref = subject_public_ref(subject)
    fields = [(ref["id_type_label"], ref["identifier"]), ("主体类别", ref["kind_label"])]
    if subject.legal_representative:
        label = "经营者" if subject.kind == SubjectKind.INDIVIDUAL_BUSINESS else "法定代表人/负责人"
        fields.append((label, privacy.mask_person_name(subject.legal_representative)))
    return {
        "title": ref["name"],
        "url": ref["url"],
        "subtitle": subject.industry or "",
        "fields": fields,
        "tags": [],
        "subject": ref,
    }


def unified_search(q: str, *, provider: str | None = None, page: int = 1, page_size: int = 10) -> list[dict]:
    """Run one provider (paginated) or all of them (first page each): [{key, label, results}]."""
    q = clean_query(q)
    if page < 1:
        raise ValidationFailed.single("page", "min", "页码 page 必须是大于等于 1 的整数。")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed.single(
            "page_size", "range", f"每页条数 page_size 必须在 1 到 {MAX_PAGE_SIZE} 之间。"
        )
    if provider:
        chosen = search_provider(provider)
        if chosen is None:
            raise ValidationFailed.single("type", "choice", f"查询类别 type 取值“{provider}”不存在。")
        providers = [chosen]
    else:
        providers = search_providers()
        page = 1
    out = []
    for p in providers:
        results = p.fn(q, page, page_size) if q else SearchResults()
        out.append(
            {
                "key": p.key,
                "label": p.label,
                "results": results,
                "pages": max(1, -(-results.total // page_size)),
                "page": page,
            }
        )
    return out


def home_counts() -> list[dict]:
    """Home-page counters, cached for five minutes (a COUNT over 10M rows is not free)."""

    def compute():
        rows = [{"key": "subjects", "label": "信用主体", "value": Subject.objects.count()}]
        for stat in portal_stats():
            try:
                rows.append({"key": stat.key, "label": stat.label, "value": int(stat.fn())})
            except Exception:  # noqa: BLE001 - a broken counter must not take the home page down
                continue
        return rows

    return cache.get_or_set("portal:home_counts", compute, 300)
