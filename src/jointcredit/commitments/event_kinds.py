"""Event kinds the commitments app emits (collected by ``exchange.kinds``; every one is subscribable)."""

FAMILIES = {"commitment": "信用承诺"}
KINDS = {
    "commitment.created": "信用承诺受理",
    "commitment.fulfilled": "信用承诺履约",
    "commitment.reminder_due": "信用承诺补齐期限将至",
    "commitment.broken": "信用承诺失信",
}
