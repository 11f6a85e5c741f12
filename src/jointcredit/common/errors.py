"""Domain errors raised by services and selectors.

The API turns them into ``{"error": {"code", "message", "details"}}`` with the status below; the
staff pages show ``message``. Messages are Chinese and say which field and which rule failed.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationFailed(DomainError):
    """Input breaks a rule. ``details`` items: {"field", "rule", "message"} (+ "row" for files)."""

    status = 422
    code = "validation_failed"

    @classmethod
    def single(cls, field: str, rule: str, message: str) -> ValidationFailed:
        return cls(message, details=[{"field": field, "rule": rule, "message": message}])


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class Conflict(DomainError):
    """Illegal or concurrent state change; ``details`` carries the current state."""

    status = 409
    code = "conflict"


class CalendarNotConfigured(DomainError):
    """A working-day computation reached a year with no holiday arrangement."""

    status = 409
    code = "calendar_not_configured"

    def __init__(self, year: int):
        super().__init__(
            f"{year} 年节假日安排未配置，请信用办在“工作日历”中录入该年度安排。",
            details=[{"field": "year", "rule": "calendar_configured", "value": year}],
        )
        self.year = year
