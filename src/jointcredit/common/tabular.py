"""Writing tabular files: what every exporter shares (the reading side is ``jointcredit.importing``)."""

from __future__ import annotations

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Exported cells never start a formula (CSV/XLSX injection, OWASP)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text
