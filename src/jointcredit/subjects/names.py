"""Name normalisation and comparison for matching subjects by name (issue #20 §1, ADR 0041).

A cooperating department's list carries names as its own system spelled them: full-width letters
and digits, traditional characters, ASCII or full-width brackets, 有限责任公司 where the register has
有限公司, the city or district in front ("济南市历下区…") or in brackets ("…（济南）有限公司"), a
branch ("…有限公司历下分公司") where the register holds the parent. ``name_normalize`` takes such a
name apart into what identifies the organisation (``core``) and what does not (region prefix,
organisational form, branch), recording each step it applied so that a match can say *how* the
name matched. ``names_compare`` compares two normalised names and says by which method they match
and with what similarity (rapidfuzz over the cores).

Natural persons' names only get the character-level steps (width, 繁简, spaces and middle dots).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import opencc
from rapidfuzz import fuzz

# Leading administrative names (longest first when several share a start) and their region codes:
# the district's province, city and the city's districts and counties. Only administrative names:
# 泉城, 齐鲁 or 大明湖 in front of a name are part of the 字号, not a region.
REGION_PREFIXES: dict[str, str] = {
    "山东省": "37",
    "山东": "37",
    "济南市": "3701",
    "济南": "3701",
    "历下区": "370102",
    "历下": "370102",
    "市中区": "370103",
    "槐荫区": "370104",
    "天桥区": "370105",
    "历城区": "370112",
    "长清区": "370113",
    "章丘区": "370114",
    "济阳区": "370115",
    "莱芜区": "370116",
    "钢城区": "370117",
    "平阴县": "370124",
    "商河县": "370126",
    "高新区": "3701",
}
_REGION_ALTERNATION = "|".join(sorted(map(re.escape, REGION_PREFIXES), key=len, reverse=True))
_REGION_PREFIX_RE = re.compile(rf"^(?:{_REGION_ALTERNATION})")
_BRACKETED_RE = re.compile(r"[(（\[【〔［]([^)）\]】〕］]*)[)）\]】〕］]")

# Organisational forms at the end of a name, longest first; the value is the canonical form used for
# comparison: 有限责任公司 and 有限公司 are the same legal form (公司法: 有限责任公司), spelled both ways.
FORMS: dict[str, str] = {
    "股份有限公司": "股份有限公司",
    "有限责任公司": "有限公司",
    "有限公司": "有限公司",
    "集团公司": "公司",
    "合伙企业有限合伙": "合伙企业",
    "合伙企业普通合伙": "合伙企业",
    "合伙企业": "合伙企业",
    "个人独资企业": "个人独资企业",
    "公司": "公司",
}
_FORM_SUFFIXES = sorted(FORMS, key=len, reverse=True)
_BRANCH_RE = re.compile(r"^(?P<parent>.+?(?:股份有限公司|有限责任公司|有限公司|公司))(?P<branch>.*)分公司$")

STEP_WIDTH = "全角转半角"
STEP_TRADITIONAL = "繁体转简体"
STEP_PUNCTUATION = "去除标点、空格和括号"
STEP_FORM = "组织形式归一"
STEP_REGION = "去除行政区划"
STEP_BRANCH = "分公司归总公司"


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


def _strip_punctuation(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


@dataclass(frozen=True)
class NormalisedName:
    """A name taken apart. ``core`` is what identifies the organisation (字号 and 行业): no region in
    front or in brackets, no organisational form, simplified, half-width, without punctuation."""

    raw: str
    text: str  # character-level normalisation only (width, 繁简, punctuation): the whole name
    core: str
    region: str = ""  # region code of the administrative names removed ("" none)
    form: str = ""  # canonical organisational form ("" none)
    branch: str = ""  # the branch's own part of a 分公司 name ("" not a branch)
    steps: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """Equal keys: the same name up to normalisation."""
        return f"{self.region}|{self.core}|{self.form}|{self.branch}"

    @property
    def search_text(self) -> str:
        """What candidate searches look for in stored names: the core (the whole text if the name
        is nothing but a region and a form)."""
        return self.core or self.text


def text_normalize(raw: str) -> tuple[str, tuple[str, ...]]:
    """Character-level steps: full-width → half-width (NFKC), traditional → simplified (OpenCC
    t2s), Latin letters upper case, punctuation, spaces and brackets removed (their content kept)."""
    steps: list[str] = []
    text = raw.strip()
    width = unicodedata.normalize("NFKC", text)
    if width != text:
        steps.append(STEP_WIDTH)
    simplified = _t2s().convert(width)
    if simplified != width:
        steps.append(STEP_TRADITIONAL)
    bare = _strip_punctuation(simplified).upper()
    if bare != simplified.upper():
        steps.append(STEP_PUNCTUATION)
    return bare, tuple(steps)


def _region_strip(text: str) -> tuple[str, str]:
    """Leading administrative names removed, repeatedly ("山东省济南市历下区"); the most specific
    region code among them."""
    region = ""
    while True:
        m = _REGION_PREFIX_RE.match(text)
        if m is None or len(text) - m.end() < 2:
            return text, region
        code = REGION_PREFIXES[m.group(0)]
        if len(code) > len(region):
            region = code
        text = text[m.end() :]


def name_normalize(raw: str, *, person: bool = False) -> NormalisedName:
    """Take an organisation's (or, ``person=True``, a natural person's) name apart; see the module
    docstring. Deterministic and cheap (a few µs): used on every candidate of every query."""
    raw = raw or ""
    text, steps = text_normalize(raw)
    if person:
        return NormalisedName(raw=raw, text=text, core=text, steps=steps)
    extra: list[str] = []
    region = ""
    # A region in brackets ("华信科技（济南）有限公司") is removed with its brackets before the
    # character steps would merge it into the name.
    width = _t2s().convert(unicodedata.normalize("NFKC", raw.strip()))

    def bracketed(m: re.Match) -> str:
        nonlocal region
        inner = _strip_punctuation(m.group(1))
        if inner in REGION_PREFIXES:
            code = REGION_PREFIXES[inner]
            region = code if len(code) > len(region) else region
            return ""
        return m.group(0)

    unbracketed = _BRACKETED_RE.sub(bracketed, width)
    if unbracketed != width:
        text = _strip_punctuation(unbracketed).upper()
        extra.append(STEP_REGION)
    branch = ""
    m = _BRANCH_RE.match(text)
    if m is not None:
        text, branch = m.group("parent"), m.group("branch") or "分"
        extra.append(STEP_BRANCH)
    rest, prefix_region = _region_strip(text)
    if prefix_region:
        region = prefix_region if len(prefix_region) > len(region) else region
        if STEP_REGION not in extra:
            extra.append(STEP_REGION)
    form = ""
    for suffix in _FORM_SUFFIXES:
        if rest.endswith(suffix) and len(rest) > len(suffix):
            form, rest = FORMS[suffix], rest[: -len(suffix)]
            if suffix != form:
                extra.append(STEP_FORM)
            break
    return NormalisedName(
        raw=raw,
        text=text,
        core=rest,
        region=region,
        form=form,
        branch=branch,
        steps=steps + tuple(extra),
    )


@dataclass(frozen=True)
class NameComparison:
    """How a queried name relates to a stored one. ``method``: ``exact`` (same characters),
    ``normalised`` (the same name after normalisation, ``steps`` says which), ``fuzzy`` (similar
    cores; ``similarity`` is rapidfuzz's ratio of the cores, 0–1, times the region and form
    factors), ``none``."""

    method: str
    similarity: float
    steps: tuple[str, ...] = ()


REGION_ONE_SIDED = 0.95  # one name names a region, the other none
REGION_DIFFERENT = 0.85  # both name regions, neither inside the other
FORM_DIFFERENT = 0.9  # 股份有限公司 vs 有限公司, or one a 合伙企业


def _region_factor(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return REGION_ONE_SIDED
    shorter, longer = sorted((a, b), key=len)
    if longer.startswith(shorter):  # 济南 (3701) and 历下区 (370102): the one inside the other
        return REGION_ONE_SIDED - 0.02 + 0.02 * len(shorter) / 6
    return REGION_DIFFERENT


def names_compare(query: NormalisedName, stored: NormalisedName) -> NameComparison:
    if query.raw.strip() == stored.raw.strip() and query.raw.strip():
        return NameComparison("exact", 1.0)
    steps = tuple(
        s
        for s in dict.fromkeys(query.steps + stored.steps)
        if s != STEP_REGION or query.region != stored.region
    )
    form_factor = 1.0 if (query.form == stored.form or not query.form or not stored.form) else FORM_DIFFERENT
    branch_factor = 1.0 if query.branch == stored.branch else 0.9
    region_factor = _region_factor(query.region, stored.region)
    if query.key == stored.key:
        return NameComparison("normalised", 1.0, steps)
    if query.search_text == stored.search_text:
        factor = region_factor * form_factor * branch_factor
        return NameComparison("normalised", round(factor, 4), steps)
    ratio = fuzz.ratio(query.search_text, stored.search_text) / 100
    if ratio <= 0:
        return NameComparison("none", 0.0)
    return NameComparison("fuzzy", round(ratio * region_factor * form_factor * branch_factor, 4), steps)
