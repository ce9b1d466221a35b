"""One place where names and codes of regions and ports become database ids.

Sources spell places many ways: P-codes (``UA46``), ISO codes (``UA-46``), OCHA names
(``Lvivska``), English names with or without "Oblast", transliterations (``Odessa``,
``Kirovograd``) and Ukrainian names. Matching is case-insensitive and ignores apostrophes
and the word "oblast"; a name that would match two places matches neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# Values that name no administrative unit; events there are kept without a region.
NOT_A_REGION = frozenset(
    {"black sea", "sea of azov", "azov sea", "kerch strait", "dnipro river", "danube river"}
)
_UNIT_WORDS = re.compile(
    r"\b(oblast|oblast'|obl|region|область|обл|raion|район)\b\.?", flags=re.IGNORECASE
)
_APOSTROPHES = re.compile(r"['’ʼ`]")


def normalise(name: str) -> str:
    return " ".join(_APOSTROPHES.sub("", name).casefold().split())


def _without_unit_words(name: str) -> str:
    return " ".join(_UNIT_WORDS.sub(" ", name).split())


class Match(StrEnum):
    FOUND = "found"
    EMPTY = "empty"
    NOT_A_REGION = "not_a_region"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Place:
    id: int
    codes: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    match: Match
    id: int | None = None


class NameIndex:
    """Looks places up by code or any of their names."""

    def __init__(self, places: Iterable[Place]) -> None:
        exact: dict[str, set[int]] = {}
        loose: dict[str, set[int]] = {}
        for place in places:
            for key in (*place.codes, *place.names):
                normal = normalise(key)
                if normal:
                    exact.setdefault(normal, set()).add(place.id)
                    loose.setdefault(_without_unit_words(normal), set()).add(place.id)
        self._exact = {key: ids.pop() for key, ids in exact.items() if len(ids) == 1}
        self._loose = {key: ids.pop() for key, ids in loose.items() if len(ids) == 1}

    def resolve(self, reference: str) -> Resolution:
        normal = normalise(reference)
        if not normal:
            return Resolution(Match.EMPTY)
        if normal in NOT_A_REGION:
            return Resolution(Match.NOT_A_REGION)
        place_id = self._lookup(normal)
        if place_id is None and "/" in normal:
            # "Yuzhny/Pivdennyi": one place under two of its names, as the JCC writes the
            # port. Every part must name the same place, or the whole names none.
            found = {self._lookup(part.strip()) for part in normal.split("/")}
            if len(found) == 1:
                place_id = found.pop()
        return Resolution(Match.FOUND, place_id) if place_id else Resolution(Match.UNKNOWN)

    def _lookup(self, normal: str) -> int | None:
        return self._exact.get(normal) or self._loose.get(_without_unit_words(normal))
