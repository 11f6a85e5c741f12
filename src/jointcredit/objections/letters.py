"""受理通知书, 不予受理通知书, 异议处理决定书 (templates and states in ``kind.OBJECTION_LETTERS``;
HTML and PDF through ``casework.letters``)."""

from __future__ import annotations

from jointcredit.casework.letters import letters_available

from .kind import OBJECTION


def objection_letters_available(o) -> list[tuple[str, str]]:
    return letters_available(OBJECTION, o)
