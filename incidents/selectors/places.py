"""Region codes, read on every filtered API request and kept in memory.

P-codes and ISO codes are reference data that change perhaps once a decade, so each
process keeps the code-to-id map for a minute instead of asking the database on every
request. A change saved in this process clears it at once; other processes see it
within ``CODES_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from incidents.models import Region

CODES_SECONDS = 60.0
_lock = threading.Lock()
_codes: dict[str, set[int]] = {}
_loaded_at = float("-inf")


def region_ids_for_codes(codes: Iterable[str]) -> list[int]:
    """Ids of the regions with these P-codes or ISO 3166-2 codes (upper case); unknown
    codes match nothing."""
    known = _code_map()
    return sorted({pk for code in codes for pk in known.get(code, ())})


def unknown_region_codes(codes: Iterable[str]) -> list[str]:
    """The codes (upper case) that name no region."""
    known = _code_map()
    return [code for code in codes if code not in known]


def _code_map() -> dict[str, set[int]]:
    global _codes, _loaded_at
    with _lock:
        if time.monotonic() - _loaded_at > CODES_SECONDS:
            codes: dict[str, set[int]] = {}
            for pk, pcode, iso_code in Region.objects.values_list("pk", "pcode", "iso_code"):
                for code in (pcode, iso_code):
                    if code:
                        codes.setdefault(code.upper(), set()).add(pk)
            _codes, _loaded_at = codes, time.monotonic()
        return _codes


def forget_region_codes(*args: Any, **kwargs: Any) -> None:
    """Drop the map now and again once the change commits (a reader in between would
    load it without the change)."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    global _loaded_at
    with _lock:
        _loaded_at = float("-inf")


def connect_signals() -> None:
    post_save.connect(forget_region_codes, sender=Region, dispatch_uid="region-codes-save")
    post_delete.connect(forget_region_codes, sender=Region, dispatch_uid="region-codes-delete")
