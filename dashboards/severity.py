"""Severity 1-5 per sector and region, by simple thresholds relative to population.

The thresholds are deliberately plain so a reader can check every number; the overview
page prints this table under "How this is computed". Levels follow OCHA's scale:
1 minimal, 2 stressed, 3 severe, 4 extreme, 5 catastrophic.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Sector:
    key: str
    label: str | Promise
    measure: str | Promise  # what the thresholds apply to, in words
    # Lower bounds of levels 2, 3, 4 and 5, in the sector's unit per 100,000 people.
    thresholds: tuple[float, float, float, float]


SECTORS = (
    Sector(
        "protection", _("Protection"), _("people killed or injured per 100,000"), (1, 5, 20, 50)
    ),
    Sector("shelter", _("Shelter"), _("homes damaged or destroyed per 100,000"), (5, 25, 100, 250)),
    Sector(
        "energy", _("Energy"), _("people without electricity per 100,000"), (100, 1000, 5000, 20000)
    ),
    Sector("wash", _("WASH"), _("people without water per 100,000"), (100, 1000, 5000, 20000)),
    Sector(
        "heating", _("Heating"), _("people without heating per 100,000"), (100, 1000, 5000, 20000)
    ),
    Sector(
        "telecom",
        _("Telecom"),
        _("people without phone or internet per 100,000"),
        (100, 1000, 5000, 20000),
    ),
    Sector("health", _("Health"), _("health facilities damaged per 100,000"), (0.5, 2, 5, 10)),
)
LEVEL_NAMES = {
    1: _("Minimal"),
    2: _("Stressed"),
    3: _("Severe"),
    4: _("Extreme"),
    5: _("Catastrophic"),
}


def per_100k(value: float, population: int | None) -> float | None:
    if not population:
        return None
    return value * 100_000 / population


def severity(rate: float | None, thresholds: tuple[float, float, float, float]) -> int | None:
    """The level whose lower bound ``rate`` reaches; None when the population is unknown."""
    if rate is None:
        return None
    return 1 + sum(rate >= bound for bound in thresholds)
