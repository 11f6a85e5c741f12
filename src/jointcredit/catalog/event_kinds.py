"""Event kinds the catalog app emits (collected by ``exchange.kinds``; every one is subscribable)."""

FAMILIES = {"catalog": "公共信用信息目录"}
KINDS = {"catalog.submission_applied": "目录信息归集入库"}
