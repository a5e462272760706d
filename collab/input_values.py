"""Reading numbers and dates that arrive either as JSON values (API) or as form text
(pages), so that both paths give the same answer to the same input."""
from __future__ import annotations

from datetime import date, datetime


def whole_number(value) -> int | None:
    """An int (not a bool); a string of ASCII digits (a leading minus allowed, so range checks
    can say "not negative"); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and value.strip().isascii():
        return int(value.strip())
    return None


def iso_date(value) -> date | None:
    """A date, or a YYYY-MM-DD string as one; a datetime or anything else is None."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
