"""Event kinds the repairs app emits (collected by ``exchange.kinds``; every one is subscribable)."""

FAMILIES = {"repair": "信用修复"}
KINDS = {"repair.approved": "信用修复通过"}
