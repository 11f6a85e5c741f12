"""Where checkpoints go besides the file (ADR 0035). ``audit`` sits below ``exchange`` in the layers
and never imports it; the exchange registers here in its ``AppConfig.ready``:

    register_checkpoint_listener("exchange.outbox", fn)   # fn(record: dict) -> None

``fn`` receives every signed checkpoint record right after it was appended to the checkpoint file
(the same dict as the file's line: v, seq, hash, at, key, kid, dev, sig), outside any transaction.
A listener that raises is logged and does not undo the checkpoint (the file is the primary copy).
"""

from __future__ import annotations

from collections.abc import Callable

_listeners: dict[str, Callable[[dict], None]] = {}


def register_checkpoint_listener(key: str, fn: Callable[[dict], None]) -> None:
    _listeners[key] = fn


def checkpoint_listeners() -> dict[str, Callable[[dict], None]]:
    return dict(_listeners)
