"""Event kinds the exchange emits: its own (执行反馈, ``feedback.recorded``) and on behalf of lower
apps (``audit`` does not import the exchange; its checkpoints go out through
``exchange.audit_checkpoints``)."""

from jointcredit.audit.checkpoints import CHECKPOINT_EVENT

FAMILIES = {"audit": "审计链", "feedback": "执行反馈"}
KINDS = {CHECKPOINT_EVENT: "审计链签名检查点", "feedback.recorded": "执行反馈"}
