"""People counted for households: an outage reported only in households counts as their
number times an average household size.

The national figure is the State Statistics Service of Ukraine's (Держстат) average
household size from its household survey (the household living-conditions survey,
"Обстеження умов життя домогосподарств"): 2.58 persons. Regions differ (rural west
households are larger, city households smaller), so a region may carry its own figure
(``Region.household_size``, entered by staff from the same survey); a region without one
counts with the national figure. Nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

NATIONAL_HOUSEHOLD_SIZE = Decimal("2.58")
# The sizes a region may be given: a household is at least one person, and no region's
# average comes near ten.
HOUSEHOLD_SIZE_BOUNDS = (Decimal("1"), Decimal("10"))


@dataclass(frozen=True)
class CountedPeople:
    """The people an outage counts, and whether they are an estimate from households."""

    people: int
    is_estimated: bool


def counted_people(
    *,
    people_affected: int | None,
    households_affected: int | None,
    household_size: Decimal | None,
) -> CountedPeople:
    """``people_affected`` when given; else the households times the region's household
    size (the national figure when the region has none), rounded half up; else nobody."""
    if people_affected is not None:
        return CountedPeople(people_affected, is_estimated=False)
    if households_affected is None:
        return CountedPeople(0, is_estimated=False)
    size = household_size if household_size is not None else NATIONAL_HOUSEHOLD_SIZE
    people = (households_affected * size).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return CountedPeople(int(people), is_estimated=True)
