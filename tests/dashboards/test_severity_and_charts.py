"""The needs model and the chart functions, as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards import charts
from dashboards.selectors import RegionSeverity, with_severity
from dashboards.severity import SECTORS, per_100k, severity
from incidents.figures.sums import INCIDENT_SUMS
from incidents.selectors import RegionNeeds

SQUARE = {"type": "Polygon", "coordinates": [[[24, 49], [25, 49], [25, 50], [24, 50], [24, 49]]]}


def needs(pcode: str = "UA46", population: int | None = 1_000_000, **figures) -> RegionNeeds:
    # The incident sums go in ``sums``; the other figures by their own names.
    sums = {name: figures.pop(name) for name in INCIDENT_SUMS if name in figures}
    return RegionNeeds(
        pcode=pcode,
        iso_code="",
        name=f"Region {pcode}",
        population=population,
        sums=sums,
        **figures,
    )


@pytest.mark.parametrize(
    ("rate", "level"),
    [(None, None), (0, 1), (0.99, 1), (1, 2), (4.9, 2), (5, 3), (20, 4), (50, 5), (10**6, 5)],
)
def test_levels_follow_the_documented_thresholds(rate, level):
    assert severity(rate, (1, 5, 20, 50)) == level


def test_rates_are_per_100000_people_and_unknown_without_population():
    assert per_100k(25, 500_000) == 5
    assert per_100k(25, None) is None
    assert per_100k(25, 0) is None


def test_each_sector_is_graded_from_its_own_figure():
    row = needs(
        killed=10,
        injured=40,  # 50 per million = 5 per 100k -> protection level 3
        people_without={"electricity": 60_000, "water": 0},  # 6,000 per 100k -> level 4
        damaged={"residential": 3, "health": 1},  # shelter 0.3 -> 1; health 0.1 -> 1
    )
    graded = with_severity([row, needs("UA85", population=None)])
    assert graded[0].values == {
        "protection": 50,
        "shelter": 3,
        "energy": 60_000,
        "wash": 0,
        "heating": 0,
        "telecom": 0,
        "health": 1,
    }
    assert graded[0].levels == {
        "protection": 3,
        "shelter": 1,
        "energy": 4,
        "wash": 1,
        "heating": 1,
        "telecom": 1,
        "health": 1,
    }
    assert graded[0].highest == 4
    assert set(graded[1].levels.values()) == {None}
    assert graded[1].highest is None
    assert [sector.key for sector in SECTORS] == list(graded[0].levels)


def rows() -> list[RegionSeverity]:
    return with_severity([needs("UA46", injured=19), needs("UA71", injured=0)])


def test_map_fills_regions_with_geometry_and_shows_bubbles_for_the_others():
    figure = charts.region_map(
        rows(),
        metric="injured",
        label="Injured",
        boundaries={"UA46": SQUARE},
        centroids={"UA46": (49.8, 24.0), "UA71": (49.2, 31.9)},
    )
    filled, bubble, scale = figure.data
    assert (filled.fill, filled.text) == ("toself", "Region UA46: 19")
    assert list(filled.x) == [24, 25, 25, 24, 24, None]
    assert (bubble.mode, list(bubble.x), bubble.text) == ("markers", [31.9], "Region UA71: 0")
    assert scale.marker.showscale is True
    assert figure.layout.geo.visible is None  # no geo subplot: nothing to download


def test_needs_matrix_is_regions_by_sectors_of_levels():
    figure = charts.needs_matrix(rows(), title="Severity")
    heatmap = figure.data[0]
    assert heatmap.type == "heatmap"
    assert list(heatmap.y) == ["Region UA46", "Region UA71"]
    assert len(heatmap.x) == len(SECTORS)
    assert heatmap.z[0][0] == 2  # 1.9 injured per 100k: protection level 2


def test_incidents_over_time_stacks_types_and_draws_casualties():
    week = dt.date(2023, 8, 14)
    series = [
        {
            "week": week,
            "incident_type": "missile_strike",
            "incidents": 4,
            "killed": 3,
            "injured": 22,
        },
        {"week": week, "incident_type": "shelling", "incidents": 2, "killed": 0, "injured": 1},
    ]
    figure = charts.incidents_over_time(series, title="Weekly")
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.name for bar in bars] == ["Missile strike", "Shelling / artillery"]
    assert [list(bar.y) for bar in bars] == [[4], [2]]
    assert list(figure.data[-1].y) == [26]


def test_outlines_drop_points_finer_than_the_map_can_show():
    # A square whose edges carry points 0.001 degree off the line: they vanish.
    ring = [[24, 49], [24.5, 49.001], [25, 49], [25, 50], [24.5, 49.999], [24, 50], [24, 49]]
    lons, lats = charts._outline({"type": "Polygon", "coordinates": [ring]})
    assert list(zip(lons, lats, strict=True)) == [
        (24, 49),
        (25, 49),
        (25, 50),
        (24, 50),
        (24, 49),
        (None, None),
    ]
    # A real bend (0.2 degree) stays.
    bent = [[24, 49], [24.5, 49.2], [25, 49], [24, 49]]
    assert charts._outline({"type": "Polygon", "coordinates": [bent]})[1][:3] == [49, 49.2, 49]


def test_step_lines_keep_only_the_days_the_level_changes():
    days = [dt.date(2023, 8, day) for day in range(1, 7)]
    figure = charts.people_without_over_time(
        {"water": list(zip(days, [0, 5, 5, 5, 0, 0], strict=True))}, title="Out"
    )
    (line,) = figure.data
    assert list(line.x) == [days[0], days[1], days[4], days[5]]
    assert list(line.y) == [0, 5, 0, 0]


def test_geometry_is_simplified_once_into_a_multipolygon():
    ring = [[24, 49], [24.5, 49.001], [25, 49], [25, 50], [24, 50], [24, 49]]
    polygon = {"type": "Polygon", "coordinates": [ring, [[24.2, 49.2], [24.3, 49.2]]]}
    simplified = charts.simplified_geometry(polygon)
    assert simplified == {
        "type": "MultiPolygon",
        "coordinates": [[[[24, 49], [25, 49], [25, 50], [24, 50], [24, 49]]]],
    }
    # Simplifying again changes nothing, and the map draws the same outline from either.
    assert charts.simplified_geometry(simplified) == simplified
    assert charts._outline(simplified) == charts._outline(polygon)
