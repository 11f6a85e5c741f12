"""The grading rule, set-based (polars): input rows + rule set → score, grade and explanation.

One implementation for the bulk run (every subject) and the incremental regrade (a few subjects),
so both always give the same answer (tested).

Rules (all weights from ``GradingRuleSet``):
* every input row contributes points by its ``source``: deductions are negative, credits positive;
* a penalty deducts the highest weight among its CF_CFLB categories plus its fine per 万元 (capped);
  a penalty with 吊销许可证件 also yields a ``revocation`` row (records provider);
* items no longer in force decay: × 0.5^(age/half-life) counted from ``occurred_on``; items in
  force (an effective list entry, a valid licence, a held honour) count in full;
* repaired items (信用修复) have their deduction reduced by ``repair_relief``;
* licences together earn at most ``licence_points_cap``;
* an in-force black entry of an organisation reaches its 法定代表人/主要负责人 and every related
  person marked directly responsible, and vice versa (``related_black``), like the measures do;
* score = round(base + Σ points), never below 0; grade by thresholds; a subject with an in-force
  black entry is never better than ``black_max_grade``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import polars as pl

from .inputs import SCHEMA

SOURCES = {
    "penalty": "行政处罚",
    "revocation": "吊销许可证件",
    "black_entry": "黑名单",
    "related_black": "关联主体在黑名单",
    "red_entry": "红名单",
    "broken_commitment": "违背信用承诺",
    "licence": "有效行政许可",
    "honour": "荣誉称号",
}
# Roles through which a black entry reaches the other side of a related-person link.
PROPAGATING_ROLES = ("legal_representative", "principal")
EMPTY_EXPLANATION = "[]"
EMPTY_DIGEST = hashlib.sha1(EMPTY_EXPLANATION.encode()).hexdigest()
MAX_EXPLANATION_ITEMS = 50


@dataclass(frozen=True)
class Rules:
    """Plain floats of a ``GradingRuleSet`` (the engine never touches the ORM)."""

    version: int
    base_score: float
    penalty_category_points: dict
    fine_points_per_10k: float
    fine_points_cap: float
    revocation_points: float
    black_entry_points: float
    related_black_points: float
    red_entry_points: float
    broken_commitment_points: float
    licence_points: float
    licence_points_cap: float
    honour_points: float
    extra_source_points: dict
    repair_relief: float
    half_life_days: int
    threshold_a: float
    threshold_b: float
    threshold_c: float
    black_max_grade: str

    @classmethod
    def of(cls, ruleset) -> Rules:
        def f(name):
            return float(getattr(ruleset, name))

        return cls(
            version=ruleset.version,
            base_score=f("base_score"),
            penalty_category_points={
                str(k): float(v) for k, v in (ruleset.penalty_category_points or {}).items()
            },
            fine_points_per_10k=f("fine_points_per_10k"),
            fine_points_cap=f("fine_points_cap"),
            revocation_points=f("revocation_points"),
            black_entry_points=f("black_entry_points"),
            related_black_points=f("related_black_points"),
            red_entry_points=f("red_entry_points"),
            broken_commitment_points=f("broken_commitment_points"),
            licence_points=f("licence_points"),
            licence_points_cap=f("licence_points_cap"),
            honour_points=f("honour_points"),
            extra_source_points={str(k): float(v) for k, v in (ruleset.extra_source_points or {}).items()},
            repair_relief=f("repair_relief"),
            half_life_days=max(1, int(ruleset.half_life_days)),
            threshold_a=f("threshold_a"),
            threshold_b=f("threshold_b"),
            threshold_c=f("threshold_c"),
            black_max_grade=ruleset.black_max_grade,
        )

    def grade_of(self, score: float, black: bool) -> str:
        grade = (
            "A"
            if score >= self.threshold_a
            else "B"
            if score >= self.threshold_b
            else "C"
            if score >= self.threshold_c
            else "D"
        )
        if black and grade < self.black_max_grade:
            grade = self.black_max_grade
        return grade


def related_black_rows(inputs: pl.DataFrame, links: pl.DataFrame, scope: pl.Series | None) -> pl.DataFrame:
    """``related_black`` rows from in-force black entries across related-person links.

    ``links``: subject_id (organisation), person_id, role, directly_responsible, org_name, person_name.
    """
    black = (
        inputs.filter((pl.col("source") == "black_entry") & pl.col("in_force"))
        .select("subject_id", "ref", "occurred_on")
        .unique(subset=["subject_id"], keep="first")
    )
    if black.height == 0 or links.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    links = links.filter(pl.col("role").is_in(PROPAGATING_ROLES) | pl.col("directly_responsible"))
    # organisation black-listed → its persons
    to_person = links.join(black, on="subject_id").select(
        pl.col("person_id").alias("subject_id"),
        pl.lit("related_black").alias("source"),
        pl.col("ref"),
        pl.format("所任职的{}被列入黑名单（{}）", pl.col("org_name"), pl.col("role_label")).alias("label"),
        pl.col("occurred_on"),
    )
    # person black-listed → the organisations where the person holds the role
    to_org = links.join(black.rename({"subject_id": "person_id"}), on="person_id").select(
        pl.col("subject_id"),
        pl.lit("related_black").alias("source"),
        pl.col("ref"),
        pl.format("{}{}被列入黑名单", pl.col("role_label"), pl.col("person_name")).alias("label"),
        pl.col("occurred_on"),
    )
    out = (
        pl.concat([to_person, to_org])
        .with_columns(
            pl.lit("").alias("category"),
            pl.lit(0.0).alias("amount"),
            pl.lit(False).alias("repaired"),
            pl.lit(True).alias("in_force"),
        )
        .select(list(SCHEMA))
        .cast(SCHEMA)
    )
    if scope is not None:
        out = out.filter(pl.col("subject_id").is_in(scope.implode()))
    return out.unique(subset=["subject_id", "ref"], keep="first", maintain_order=True)


def _points(rows: pl.DataFrame, rules: Rules, on: date) -> pl.DataFrame:
    cats = rules.penalty_category_points
    other = cats.get("其他", 0.0)
    category_points = (
        pl.col("category")
        .str.split(";")
        .list.eval(
            pl.element().str.strip_chars().replace_strict(cats, default=other, return_dtype=pl.Float64)
        )
        .list.max()
        .fill_null(other)
    )
    fine = pl.min_horizontal(
        pl.col("amount").fill_null(0.0) * rules.fine_points_per_10k, pl.lit(rules.fine_points_cap)
    )
    fixed = {
        "revocation": -rules.revocation_points,
        "black_entry": -rules.black_entry_points,
        "related_black": -rules.related_black_points,
        "red_entry": rules.red_entry_points,
        "broken_commitment": -rules.broken_commitment_points,
        "licence": rules.licence_points,
        "honour": rules.honour_points,
    }
    extra = {k: v for k, v in rules.extra_source_points.items() if k not in fixed and k != "penalty"}
    base = (
        pl.when(pl.col("source") == "penalty")
        .then(-(category_points + fine))
        .otherwise(pl.col("source").replace_strict({**fixed, **extra}, default=0.0, return_dtype=pl.Float64))
    )
    age = (pl.lit(on) - pl.col("occurred_on")).dt.total_days().clip(lower_bound=0)
    decay = (
        pl.when(pl.col("in_force"))
        .then(1.0)
        .otherwise(pl.lit(0.5).pow(age.cast(pl.Float64) / rules.half_life_days))
    )
    relief = pl.when(pl.col("repaired") & (pl.col("raw") < 0)).then(1.0 - rules.repair_relief).otherwise(1.0)
    known = pl.col("source").is_in(list(fixed) + list(extra) + ["penalty"])
    return rows.with_columns(base.alias("raw"), decay.alias("decay"), known.alias("configured")).with_columns(
        (pl.col("raw") * pl.col("decay") * relief).round(2).alias("points")
    )


def _cap_licences(rows: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """All valid licences of a subject become one line, capped (a big firm holds hundreds)."""
    lic = rows.filter(pl.col("source") == "licence")
    if lic.height == 0:
        return rows
    merged = (
        lic.group_by("subject_id")
        .agg(
            pl.len().alias("n"),
            pl.col("points").sum().alias("sum"),
            pl.col("occurred_on").max().alias("occurred_on"),
        )
        .with_columns(
            pl.lit("licence").alias("source"),
            pl.lit("").alias("ref"),
            pl.format(
                "有效行政许可 {} 条（加分上限 {}）", pl.col("n"), pl.lit(rules.licence_points_cap)
            ).alias("label"),
            pl.lit("").alias("category"),
            pl.lit(0.0).alias("amount"),
            pl.lit(False).alias("repaired"),
            pl.lit(True).alias("in_force"),
            pl.lit(rules.licence_points).alias("raw"),
            pl.lit(1.0).alias("decay"),
            pl.lit(True).alias("configured"),
            pl.min_horizontal(pl.col("sum"), pl.lit(rules.licence_points_cap)).round(2).alias("points"),
        )
        .select(rows.columns)
    )
    return pl.concat([rows.filter(pl.col("source") != "licence"), merged.cast(dict(rows.schema))])


def grade_compute(
    *, scope: pl.Series, inputs: pl.DataFrame, links: pl.DataFrame, rules: Rules, on: date
) -> pl.DataFrame:
    """→ subject_id, score (int), grade, explanation (JSON text), digest — one row per scope id."""
    related = related_black_rows(inputs, links, scope)
    rows = inputs.filter(pl.col("subject_id").is_in(scope.implode()))
    if related.height:
        rows = pl.concat([rows, related])
    rows = _cap_licences(_points(rows, rules, on), rules)
    item = pl.struct(
        pl.col("source"),
        pl.col("source").replace_strict(SOURCES, default=pl.col("source")).alias("source_label"),
        pl.col("ref"),
        pl.col("label"),
        pl.col("points"),
        pl.col("occurred_on").cast(pl.Utf8).alias("occurred_on"),
        pl.col("decay").round(3).alias("decay"),
        pl.col("repaired"),
        pl.col("in_force"),
        pl.col("configured"),
    ).struct.json_encode()
    per_subject = (
        rows.with_columns(item.alias("item"), pl.col("points").abs().alias("_abs"))
        .sort(["subject_id", "_abs", "ref"], descending=[False, True, False])
        .group_by("subject_id", maintain_order=True)
        .agg(
            pl.col("points").sum().alias("delta"),
            ((pl.col("source") == "black_entry") & pl.col("in_force")).any().alias("black"),
            pl.col("item").head(MAX_EXPLANATION_ITEMS).str.join(",").alias("items"),
            pl.len().cast(pl.Int64).alias("n_items"),
        )
    )
    out = (
        pl.DataFrame({"subject_id": scope.cast(pl.Int64)})
        .unique(maintain_order=True)
        .join(per_subject, on="subject_id", how="left")
        .with_columns(
            pl.col("delta").fill_null(0.0), pl.col("black").fill_null(False), pl.col("n_items").fill_null(0)
        )
        .with_columns(
            (pl.lit(rules.base_score) + pl.col("delta"))
            .round(0)
            .clip(lower_bound=0)
            .cast(pl.Int64)
            .alias("score")
        )
    )
    grade = (
        pl.when(pl.col("score") >= rules.threshold_a)
        .then(pl.lit("A"))
        .when(pl.col("score") >= rules.threshold_b)
        .then(pl.lit("B"))
        .when(pl.col("score") >= rules.threshold_c)
        .then(pl.lit("C"))
        .otherwise(pl.lit("D"))
    )
    capped = (
        pl.when(pl.col("black") & (grade < pl.lit(rules.black_max_grade)))
        .then(pl.lit(rules.black_max_grade))
        .otherwise(grade)
    )
    more = pl.col("n_items") - MAX_EXPLANATION_ITEMS
    explanation = (
        pl.when(pl.col("items").is_null())
        .then(pl.lit(EMPTY_EXPLANATION))
        .when(more > 0)
        .then(pl.format('[{},{{"source":"more","label":"其余 {} 项未列出"}}]', pl.col("items"), more))
        .otherwise(pl.format("[{}]", pl.col("items")))
    )
    out = out.with_columns(capped.alias("grade"), explanation.alias("explanation"))
    digests = [
        EMPTY_DIGEST if e == EMPTY_EXPLANATION else hashlib.sha1(e.encode()).hexdigest()
        for e in out["explanation"].to_list()
    ]
    return out.with_columns(pl.Series("digest", digests)).select(
        "subject_id", "score", "grade", "explanation", "digest"
    )
