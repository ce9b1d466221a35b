"""People counted from households, as a pure rule: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from incidents.households import NATIONAL_HOUSEHOLD_SIZE, CountedPeople, counted_people


def test_the_national_household_size_is_the_state_statistics_figure():
    assert Decimal("2.58") == NATIONAL_HOUSEHOLD_SIZE


@pytest.mark.parametrize(
    ("people", "households", "size", "expected"),
    [
        (None, 2_000, None, CountedPeople(5_160, is_estimated=True)),  # 2,000 x 2.58
        (None, 2_000, Decimal("3.0"), CountedPeople(6_000, is_estimated=True)),
        (None, 1_001, None, CountedPeople(2_583, is_estimated=True)),  # 2,582.58
        (None, 1, Decimal("2.50"), CountedPeople(3, is_estimated=True)),  # half up
        (None, 3, Decimal("1.50"), CountedPeople(5, is_estimated=True)),  # 4.5, half up
        (None, 0, None, CountedPeople(0, is_estimated=True)),
        (4_800, 2_000, None, CountedPeople(4_800, is_estimated=False)),  # people win
        (0, 2_000, Decimal("3.0"), CountedPeople(0, is_estimated=False)),  # a given zero too
        (None, None, Decimal("3.0"), CountedPeople(0, is_estimated=False)),
        (None, 2_147_483_647, Decimal("10"), CountedPeople(21_474_836_470, is_estimated=True)),
    ],
)
def test_people_affected_else_households_times_the_household_size(
    people, households, size, expected
):
    counted = counted_people(
        people_affected=people, households_affected=households, household_size=size
    )
    assert counted == expected
