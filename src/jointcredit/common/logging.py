import logging
import re

from .middleware import current_request_id

# Bearer tokens, passwords and secrets must never reach a log line.
_PATTERNS = [
    (re.compile(r"(Bearer\s+)[A-Za-z0-9_\-\.]+", re.I), r"\1[已隐藏]"),
    (re.compile(r"(jc_)[A-Za-z0-9_\-]{8,}"), r"\1[已隐藏]"),
    (re.compile(r"((?:password|passwd|secret|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,]+", re.I), r"\1[已隐藏]"),
]


def scrub(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - never break logging
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
