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


def penalty_tier(categories: list[str], fine: float | None, confiscation: float | None) -> str:
    cats = set(categories)
    amount = (fine or 0) + (confiscation or 0)
    if cats & SERIOUS_CATEGORIES or amount >= SERIOUS_AMOUNT_WAN:
        return PenaltyTier.SERIOUS
    small_fine = "罚款" not in cats or (fine or 0) < MINOR_FINE_WAN
    if cats and cats <= MINOR_CATEGORIES | {"罚款"} and small_fine and not confiscation:
        return PenaltyTier.MINOR
    return PenaltyTier.GENERAL


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


def license_public_until(decision_date: date, valid_to: date | None) -> date:
    return valid_to or add_months(decision_date, LICENSE_DEFAULT_MONTHS)
