"""Signatures of the HTTPS transport (docs/platforms.md “HTTPS 接口”, ADR 0043).

A request carries ``X-JC-Timestamp`` (unix seconds), ``X-JC-Nonce`` (random, 16–64 hex chars),
``X-JC-Content-SHA256`` (hex digest of the exact body bytes, of ``b""`` for a GET) and
``X-JC-Signature``: HMAC-SHA256, with the platform's key, over::

    METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n BODY-SHA256

The receiver refuses a timestamp outside ``WINDOW`` seconds of its own clock and a nonce it has
seen within the window (``NonceStore``), so a captured request can be neither replayed nor kept
for later. The answer is signed over ``RESPONSE \\n STATUS \\n REQUEST-NONCE \\n TIMESTAMP \\n
BODY-SHA256``: bound to the request's nonce, a recorded answer cannot be replayed to another
request, and the district trusts nothing it pulls down without it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass

WINDOW = 300  # seconds either side of the receiver's clock
TIMESTAMP, NONCE, DIGEST, SIGNATURE = "X-JC-Timestamp", "X-JC-Nonce", "X-JC-Content-SHA256", "X-JC-Signature"
_NONCE = re.compile(r"^[0-9a-f]{16,64}$")


class SignatureInvalid(Exception):
    """Why a request or answer is refused (Chinese, for the log and the 401 body)."""

    def __init__(self, message: str, rule: str):
        super().__init__(message)
        self.message, self.rule = message, rule


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def request_signature(key: bytes, *, method: str, path: str, timestamp: int, nonce: str, digest: str) -> str:
    return _mac(key, f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}")


def response_signature(key: bytes, *, status: int, nonce: str, timestamp: int, digest: str) -> str:
    return _mac(key, f"RESPONSE\n{status}\n{nonce}\n{timestamp}\n{digest}")


def request_headers(key: bytes, *, method: str, path: str, body: bytes, now: float) -> dict[str, str]:
    timestamp, nonce, digest = int(now), secrets.token_hex(16), body_digest(body)
    return {
        TIMESTAMP: str(timestamp),
        NONCE: nonce,
        DIGEST: digest,
        SIGNATURE: request_signature(
            key, method=method, path=path, timestamp=timestamp, nonce=nonce, digest=digest
        ),
    }


def response_headers(key: bytes, *, status: int, nonce: str, body: bytes, now: float) -> dict[str, str]:
    timestamp, digest = int(now), body_digest(body)
    return {
        TIMESTAMP: str(timestamp),
        DIGEST: digest,
        SIGNATURE: response_signature(key, status=status, nonce=nonce, timestamp=timestamp, digest=digest),
    }


def _timestamp(headers, now: float) -> int:
    try:
        timestamp = int(headers.get(TIMESTAMP) or "")
    except ValueError:
        raise SignatureInvalid(f"缺少或无法识别请求头 {TIMESTAMP}。", "timestamp") from None
    if abs(now - timestamp) > WINDOW:
        raise SignatureInvalid(
            f"时间戳 {timestamp} 超出允许的 {WINDOW} 秒时间窗口（请核对双方时钟）。", "window"
        )
    return timestamp


def _digest(headers, body: bytes) -> str:
    digest = body_digest(body)
    if not hmac.compare_digest(headers.get(DIGEST) or "", digest):
        raise SignatureInvalid(f"请求头 {DIGEST} 与报文内容不一致（报文被改动）。", "digest")
    return digest


class NonceStore:
    """Nonces seen within the window (memory of one receiving process; expired ones are dropped
    as new ones arrive). A receiver running several processes keeps them in a shared store."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, nonce: str, *, timestamp: int, now: float) -> bool:
        """True the first time a nonce is presented within the window, False for a replay."""
        with self._lock:
            if len(self._seen) > 1000:
                self._seen = {n: t for n, t in self._seen.items() if t > now - 2 * WINDOW}
            if nonce in self._seen:
                return False
            self._seen[nonce] = timestamp
            return True


@dataclass(frozen=True)
class Verified:
    nonce: str
    timestamp: int


def request_verify(
    key: bytes, *, method: str, path: str, headers, body: bytes, now: float, nonces: NonceStore
) -> Verified:
    """Check a request's signature, window and nonce; raises ``SignatureInvalid`` with the reason."""
    timestamp = _timestamp(headers, now)
    nonce = headers.get(NONCE) or ""
    if not _NONCE.match(nonce):
        raise SignatureInvalid(f"请求头 {NONCE} 必须是 16–64 位小写十六进制随机串。", "nonce")
    digest = _digest(headers, body)
    expected = request_signature(
        key, method=method, path=path, timestamp=timestamp, nonce=nonce, digest=digest
    )
    if not hmac.compare_digest(headers.get(SIGNATURE) or "", expected):
        raise SignatureInvalid("签名不正确（密钥、请求方法、路径或内容不符）。", "signature")
    if not nonces.claim(nonce, timestamp=timestamp, now=now):
        raise SignatureInvalid(f"随机串 {nonce} 已使用过：拒绝重放的请求。", "replay")
    return Verified(nonce=nonce, timestamp=timestamp)


def response_verify(key: bytes, *, status: int, nonce: str, headers, body: bytes, now: float) -> None:
    """Check an answer to the request that carried ``nonce``; raises ``SignatureInvalid``."""
    timestamp = _timestamp(headers, now)
    digest = _digest(headers, body)
    expected = response_signature(key, status=status, nonce=nonce, timestamp=timestamp, digest=digest)
    if not hmac.compare_digest(headers.get(SIGNATURE) or "", expected):
        raise SignatureInvalid("上级平台应答的签名不正确：不采信该应答。", "signature")
