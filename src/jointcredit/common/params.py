"""Parsing of query-string parameters in views (one place for what every list page needs)."""


def int_or(value, default=None):
    """``int(value)``, or ``default`` when the parameter is missing or not a whole number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
