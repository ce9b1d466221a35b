"""Figures over any period, read from the monthly and weekly rollups and the daily edges,
equal the same figures summed straight from the incidents."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from incidents.figures.periods import whole_units
from incidents.figures.sums import INCIDENT_SUMS, SUMMED_COUNTS
from incidents.models import Incident
from incidents.selectors import Period, national_summary, region_needs, weekly_incidents
from tests.factories import DamagedAssetFactory, IncidentFactory, region

pytestmark = pytest.mark.django_db
d = dt.date

# (pcode or None, day, type, status, killed, injured, damaged asset or None)
RECORDS = [
    ("UA46", d(2023, 1, 10), "missile_strike", "verified", 1, 2, ("residential", 3)),
    ("UA46", d(2023, 1, 31), "shelling", "verified", 0, 4, None),
    ("UA46", d(2023, 2, 1), "missile_strike", "verified", 2, 0, ("health", 1)),
    ("UA46", d(2023, 2, 15), "drone_strike", "submitted", 5, 5, ("residential", 9)),
    ("UA46", d(2023, 2, 28), "missile_strike", "verified", 1, 1, ("residential", 2)),
    ("UA46", d(2023, 3, 1), "shelling", "verified", 3, 0, None),
    ("UA46", d(2023, 3, 20), "missile_strike", "verified", 0, 7, ("energy", 4)),
    ("UA46", d(2023, 3, 20), "missile_strike", "draft", 99, 99, ("energy", 99)),
    ("UA51", d(2023, 1, 18), "drone_strike", "verified", 1, 1, ("port", 1)),
    ("UA51", d(2023, 2, 6), "missile_strike", "verified", 2, 3, None),
    ("UA51", d(2023, 3, 9), "drone_strike", "verified", 0, 2, ("residential", 5)),
    (None, d(2023, 2, 20), "drone_strike", "verified", 4, 0, None),
]


@pytest.fixture
def records(organisation):
    for pcode, day, incident_type, status, killed, injured, asset in RECORDS:
        incident = IncidentFactory(
            organisation=organisation,
            region=region(pcode) if pcode else None,
            settlement="",
            occurred_on=day,
            incident_type=incident_type,
            killed=killed,
            injured=injured,
            children_injured=min(injured, 1),
            **({"verified": True} if status == "verified" else {}),
            **({"submitted": True} if status == "submitted" else {}),
        )
        if asset:
            DamagedAssetFactory(incident=incident, asset_type=asset[0], count=asset[1])


def counted(period: Period) -> list[Incident]:
    """The incidents a period counts, chosen in Python."""
    return [
        incident
        for incident in Incident.objects.select_related("region").prefetch_related("assets")
        if incident.status in period.statuses
        and (period.date_from is None or incident.occurred_on >= period.date_from)
        and (period.date_to is None or incident.occurred_on <= period.date_to)
        and (not period.incident_types or incident.incident_type in period.incident_types)
        and (period.region_id is None or incident.region_id == period.region_id)
    ]


def raw_by_region(period: Period) -> dict[str | None, tuple]:
    sums: dict[str | None, tuple] = {}
    damage: dict[str | None, Counter] = {}
    for incident in counted(period):
        pcode = incident.region.pcode if incident.region else None
        counts = (1, *(getattr(incident, count.field) for count in SUMMED_COUNTS))
        before = sums.get(pcode, (0,) * len(INCIDENT_SUMS))
        sums[pcode] = tuple(a + b for a, b in zip(before, counts, strict=True))
        for asset in incident.assets.all():
            damage.setdefault(pcode, Counter())[asset.asset_type] += asset.count
    return {pcode: (*sums[pcode], dict(damage.get(pcode, {}))) for pcode in sums}


def raw_weekly(period: Period) -> list[dict]:
    weeks: dict[tuple, Counter] = {}
    for incident in counted(period):
        monday = incident.occurred_on - dt.timedelta(days=incident.occurred_on.weekday())
        row = weeks.setdefault((monday, incident.incident_type), Counter())
        row["incidents"] += 1
        for count in SUMMED_COUNTS:
            row[count.column] += getattr(incident, count.field)
    return [
        {"week": week, "incident_type": kind, **{n: row[n] for n in INCIDENT_SUMS}}
        for (week, kind), row in sorted(weeks.items())
    ]


def selected_by_region(period: Period) -> dict[str | None, tuple]:
    """The selectors' figures in the shape of ``raw_by_region``; what the national summary
    holds beyond the regions is the incidents without one."""
    rows = {
        row.pcode: (*(getattr(row, name) for name in INCIDENT_SUMS), row.damaged)
        for row in region_needs(period=period)
    }
    summary = national_summary(period=period)
    national = tuple(getattr(summary, name) for name in INCIDENT_SUMS)
    unplaced = [
        total - sum(counts[index] for counts in rows.values())
        for index, total in enumerate(national)
    ]
    damage = Counter(summary.damaged)
    for counts in rows.values():
        damage.subtract(counts[-1])
    rows[None] = (*unplaced, dict(damage))
    return {
        pcode: (*counts[:-1], {kind: total for kind, total in counts[-1].items() if total})
        for pcode, counts in rows.items()
        if any(counts[:-1]) or any(counts[-1].values())
    }


PERIODS = {
    "open": Period(),
    "from mid-month": Period(date_from=d(2023, 1, 18)),
    "to mid-month": Period(date_to=d(2023, 3, 9)),
    "mid-month to mid-month": Period(date_from=d(2023, 1, 18), date_to=d(2023, 3, 9)),
    "whole months": Period(date_from=d(2023, 2, 1), date_to=d(2023, 3, 31)),
    "inside one month": Period(date_from=d(2023, 2, 2), date_to=d(2023, 2, 27)),
    "across one month end": Period(date_from=d(2023, 1, 31), date_to=d(2023, 2, 1)),
    "inside one week": Period(date_from=d(2023, 2, 7), date_to=d(2023, 2, 9)),
    "one day": Period(date_from=d(2023, 3, 20), date_to=d(2023, 3, 20)),
    "with submitted": Period(
        date_from=d(2023, 1, 11), date_to=d(2023, 3, 1), include_submitted=True
    ),
    "types": Period(date_from=d(2023, 1, 5), incident_types=("missile_strike",)),
    "after everything": Period(date_from=d(2023, 6, 1)),
}


@pytest.mark.parametrize("name", PERIODS)
def test_figures_by_region_equal_the_incidents_summed(records, name):
    period = PERIODS[name]
    assert selected_by_region(period) == raw_by_region(period)


@pytest.mark.parametrize("name", PERIODS)
def test_weekly_chart_equals_the_incidents_summed(records, name):
    period = PERIODS[name]
    assert weekly_incidents(period=period) == raw_weekly(period)


def test_a_regions_figures_equal_its_incidents_summed(records):
    period = Period(date_from=d(2023, 1, 18), date_to=d(2023, 3, 9), region_id=region("UA51").pk)
    assert selected_by_region(period) == raw_by_region(period)
    assert weekly_incidents(period=period) == raw_weekly(period)


def test_a_period_from_mid_january_to_mid_march(records):
    period = PERIODS["mid-month to mid-month"]
    assert selected_by_region(period) == {
        "UA46": (4, 6, 5, 0, 2, {"health": 1, "residential": 2}),
        "UA51": (3, 3, 6, 0, 3, {"port": 1, "residential": 5}),
        None: (1, 4, 0, 0, 0, {}),
    }
    summary = national_summary(period=period)
    assert (summary.incidents, summary.killed, summary.injured) == (8, 13, 11)
    assert summary.damaged["residential"] == 7
    weekly = weekly_incidents(period=period)
    assert [(row["week"], row["incident_type"], row["killed"]) for row in weekly] == [
        (d(2023, 1, 16), "drone_strike", 1),
        (d(2023, 1, 30), "missile_strike", 2),
        (d(2023, 1, 30), "shelling", 0),
        (d(2023, 2, 6), "missile_strike", 2),
        (d(2023, 2, 20), "drone_strike", 4),
        (d(2023, 2, 27), "missile_strike", 1),
        (d(2023, 2, 27), "shelling", 3),
        (d(2023, 3, 6), "drone_strike", 0),
    ]


def test_each_figure_is_one_query_whatever_the_period(records, django_assert_num_queries):
    for period in PERIODS.values():
        with django_assert_num_queries(1):
            weekly_incidents(period=period)
        with django_assert_num_queries(7):
            region_needs(period=period)


@pytest.mark.parametrize(
    ("unit", "date_from", "date_to", "expected"),
    [
        ("month", None, None, (None, None)),
        ("month", d(2023, 1, 18), d(2023, 3, 9), (d(2023, 2, 1), d(2023, 3, 1))),
        ("month", d(2023, 2, 1), d(2023, 3, 31), (d(2023, 2, 1), d(2023, 4, 1))),
        ("month", d(2023, 12, 2), None, (d(2024, 1, 1), None)),
        ("month", None, d(2024, 2, 28), (None, d(2024, 2, 1))),
        ("month", None, d(2024, 2, 29), (None, d(2024, 3, 1))),
        ("month", d(2023, 2, 2), d(2023, 2, 27), None),
        ("month", d(2023, 1, 31), d(2023, 2, 1), None),
        ("week", d(2023, 1, 18), d(2023, 3, 9), (d(2023, 1, 23), d(2023, 3, 6))),
        ("week", d(2023, 1, 30), d(2023, 2, 5), (d(2023, 1, 30), d(2023, 2, 6))),
        ("week", d(2023, 2, 7), d(2023, 2, 9), None),
    ],
)
def test_whole_months_and_weeks_inside_a_period(unit, date_from, date_to, expected):
    assert whole_units(unit, date_from, date_to) == expected
