"""Publication rules of 双公示 records (DESIGN.md §2; NDRC Order 36, 2026).

* Deadline: published within ``PUBLICATION_WORKING_DAYS`` (7) working days of the decision date.
* Penalty windows by tier: 轻微 3 months, 一般 1 year (repairable after 3 months), 严重 3 years
  (repairable after 1 year). The window end is CF_GSJZQ; after it the record leaves the portal.
* The tier is what the department states (CF_SXCD); without it the rule below derives it from
  the categories and amounts, the way the credit office's guidance reads:
  - 严重: a category that stops or ends the business (吊销许可证件, 责令关闭, 责令停产停业,
    限制开展生产经营活动, 限制从业, 降低资质等级, 行政拘留) or fines + confiscation ≥ 10 万元;
  - 轻微: only 警告 / 通报批评, or those plus a fine below 0.1 万元 (1,000 元), nothing confiscated;
  - otherwise 一般.
* Licences stay on the portal until their 有效期至; without one, 3 years after the decision.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from django.conf import settings

from .models import PenaltyTier

SERIOUS_CATEGORIES = frozenset(
    {
        "吊销许可证件",
        "责令关闭",
        "责令停产停业",
        "限制开展生产经营活动",
        "限制从业",
        "降低资质等级",
        "行政拘留",
    }
)
MINOR_CATEGORIES = frozenset({"警告", "通报批评"})
SERIOUS_AMOUNT_WAN = 10.0
MINOR_FINE_WAN = 0.1

# (publication window, minimum time before repair) in months.
TIER_MONTHS = {PenaltyTier.MINOR: (3, 0), PenaltyTier.GENERAL: (12, 3), PenaltyTier.SERIOUS: (36, 12)}
LICENSE_DEFAULT_MONTHS = 36
TIER_BY_LABEL = {
    "轻微": PenaltyTier.MINOR,
    "一般": PenaltyTier.GENERAL,
    "严重": PenaltyTier.SERIOUS,
    PenaltyTier.MINOR.value: PenaltyTier.MINOR,
    PenaltyTier.GENERAL.value: PenaltyTier.GENERAL,
    PenaltyTier.SERIOUS.value: PenaltyTier.SERIOUS,
}


def publication_working_days() -> int:
    return int(settings.JOINTCREDIT.get("PUBLICATION_WORKING_DAYS", 7))


def penalty_tier_expr(stated: pl.Expr, categories: pl.Expr, fine: pl.Expr, confiscation: pl.Expr) -> pl.Expr:
    """The tier of each penalty row: the stated one (CF_SXCD, label or code) or the one derived
    from ``categories`` (a list column) and the amounts (text, 万元) by the rule above. The one
    source of the rule: forms, API and files all validate through this expression."""
    fine = fine.cast(pl.Float64, strict=False).fill_null(0)
    confiscation = confiscation.cast(pl.Float64, strict=False).fill_null(0)
    serious = categories.list.eval(pl.element().is_in(list(SERIOUS_CATEGORIES))).list.any() | (
        (fine + confiscation) >= SERIOUS_AMOUNT_WAN
    )
    only_minor = categories.list.eval(pl.element().is_in([*MINOR_CATEGORIES, "罚款"])).list.all()
    small_fine = ~categories.list.contains("罚款") | (fine < MINOR_FINE_WAN)
    minor = (categories.list.len() > 0) & only_minor & small_fine & (confiscation == 0)
    derived = (
        pl.when(serious)
        .then(pl.lit(PenaltyTier.SERIOUS.value))
        .when(minor)
        .then(pl.lit(PenaltyTier.MINOR.value))
        .otherwise(pl.lit(PenaltyTier.GENERAL.value))
    )
    by_label = {k: str(v) for k, v in TIER_BY_LABEL.items()}
    return pl.coalesce(stated.replace_strict(by_label, default=None, return_dtype=pl.String), derived)


def penalty_window_exprs(decision_date: pl.Expr, tier: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``penalty_window`` column-wise: (CF_GSJZQ, repairable from), both from ``TIER_MONTHS``;
    ``offset_by`` clamps to the month's end like ``add_months``."""
    window = {str(t): f"{m}mo" for t, (m, _) in TIER_MONTHS.items()}
    repair = {str(t): f"{m}mo" for t, (_, m) in TIER_MONTHS.items()}
    return (
        decision_date.dt.offset_by(tier.replace_strict(window, return_dtype=pl.String)),
        decision_date.dt.offset_by(tier.replace_strict(repair, return_dtype=pl.String)),
    )


def license_public_until_expr(decision_date: pl.Expr, valid_to: pl.Expr) -> pl.Expr:
    """Licences stay on the portal until 有效期至, without one ``LICENSE_DEFAULT_MONTHS`` after the
    decision."""
    return pl.coalesce(valid_to, decision_date.dt.offset_by(f"{LICENSE_DEFAULT_MONTHS}mo"))


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (end of month when that day does not exist: 1-31 + 1 → 2-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(d, day.day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def penalty_window(decision_date: date, tier: str) -> tuple[date, date]:
    """(CF_GSJZQ 公示截止期, date from which repair may be applied for)."""
    window, repair = TIER_MONTHS[tier]
    return add_months(decision_date, window), add_months(decision_date, repair)
