"""Cells for files people open in a spreadsheet: shared by the API's CSV and HXL exports and
the dashboards' downloads, so neither depends on the other for it."""

from __future__ import annotations

import re
from typing import Any

# A cell a spreadsheet would run as a formula starts with one of these (OWASP "CSV
# injection"); numbers such as "-33.5" are data and stay as they are.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would take for a formula, prefixed with ``'`` so it shows as text."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value
