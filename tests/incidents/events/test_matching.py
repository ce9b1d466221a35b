"""Scoring two reports of maybe one attack, and deciding among the candidates."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from incidents.events.matching import (
    AUTO_LINK,
    MARGIN,
    QUEUE,
    Likeness,
    Sighting,
    Verdict,
    candidate_days,
    likeness,
    verdict,
)
from incidents.events.names import latin, same_settlement, skeleton

KYIV = ZoneInfo("Europe/Kyiv")
KHARKIV = Sighting(
    occurred_on=dt.date(2023, 12, 5),
    region_id=63,
    settlement="Kharkiv",
    latitude=49.9923,
    longitude=36.2310,
    incident_type="missile_strike",
)
# 0.0288 degrees of latitude north: 3.2 km.
NORTH_3_KM = replace(KHARKIV, latitude=50.0211)


def alike(report: Sighting, other: Sighting) -> Likeness:
    found = likeness(report, other)
    assert found is not None
    return found


# -- blockers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(replace(KHARKIV, occurred_on=dt.date(2023, 12, 7)), id="two days apart"),
        pytest.param(replace(KHARKIV, occurred_on=dt.date(2023, 12, 3)), id="two days before"),
        pytest.param(replace(KHARKIV, region_id=64), id="other oblast"),
        pytest.param(replace(KHARKIV, latitude=50.2700), id="31 km, settlement precision"),
        pytest.param(
            replace(KHARKIV, latitude=50.5400, location_precision="district"),
            id="61 km, district precision",
        ),
        pytest.param(
            replace(
                KHARKIV,
                occurred_on=dt.date(2023, 11, 1),
                date_precision="month",
            ),
            id="a month before, month precision",
        ),
    ],
)
def test_what_cannot_be_the_same_event(other):
    assert likeness(KHARKIV, other) is None
    assert likeness(other, KHARKIV) is None


def test_two_exact_sites_three_km_apart_are_two_places():
    site = replace(KHARKIV, location_precision="exact")
    assert likeness(site, replace(NORTH_3_KM, location_precision="exact")) is None
    # One of them known only to the settlement: 3.2 km is within it.
    assert alike(site, NORTH_3_KM).score == 0.8


def test_times_more_than_a_day_apart_are_two_attacks():
    evening = replace(KHARKIV, occurred_at=dt.datetime(2023, 12, 5, 20, 0, tzinfo=KYIV))
    next_night = replace(
        KHARKIV,
        occurred_on=dt.date(2023, 12, 6),
        occurred_at=dt.datetime(2023, 12, 6, 20, 30, tzinfo=KYIV),
    )
    assert likeness(evening, next_night) is None


def test_only_the_oblast_known_puts_no_limit_on_the_distance():
    oblast_wide = replace(KHARKIV, location_precision="region", settlement="")
    found = alike(oblast_wide, replace(KHARKIV, latitude=49.2, settlement="Lozova"))
    assert found.reasons == ("same day", "88.1 km apart", "same type")
    assert found.score == 0.5975


def test_unknown_region_does_not_block():
    assert alike(KHARKIV, replace(KHARKIV, region_id=None)).score == 0.8


def test_no_type_blocks_because_shelling_names_any_attack():
    found = alike(KHARKIV, replace(KHARKIV, incident_type="shelling"))
    assert found.score == 0.66
    assert found.reasons[-1] == "type differs: Missile strike vs Shelling / artillery"


# -- reasons and scores -----------------------------------------------------------------------


def test_the_same_report_at_settlement_level_stays_below_auto_link():
    found = alike(KHARKIV, KHARKIV)
    assert found == Likeness(0.8, ("same day", "0.0 km apart", "same settlement", "same type"))
    assert found.score < AUTO_LINK


def test_each_reason():
    assert alike(KHARKIV, replace(NORTH_3_KM, occurred_on=dt.date(2023, 12, 6))).reasons == (
        "a day apart",
        "3.2 km apart",
        "same settlement",
        "same type",
    )
    assert alike(KHARKIV, replace(NORTH_3_KM, settlement="Chuhuiv")).reasons == (
        "same day",
        "3.2 km apart",
        "settlements differ: Kharkiv / Chuhuiv",
        "same type",
    )
    assert alike(KHARKIV, replace(KHARKIV, incident_type="drone_strike")).reasons[-1] == (
        "type differs: Missile strike vs Drone strike"
    )
    untyped = replace(KHARKIV, incident_type="other")
    assert alike(untyped, untyped).reasons[-1] == "type not given"
    nowhere = replace(KHARKIV, settlement="", latitude=None, longitude=None)
    assert alike(nowhere, replace(nowhere, location_precision="region")).reasons == (
        "same day",
        "same oblast",
        "same type",
    )
    weekly = replace(KHARKIV, date_precision="week", occurred_on=dt.date(2023, 12, 7))
    assert alike(KHARKIV, weekly).reasons[0] == "dated only to the week"
    monthly = replace(KHARKIV, date_precision="month", occurred_on=dt.date(2023, 12, 15))
    assert alike(KHARKIV, monthly).reasons[0] == "dated only to the month"
    counted = replace(KHARKIV, killed=2, injured=5)
    assert alike(counted, counted).reasons[-1] == "same casualty figures"


def test_scores_of_each_kind_of_evidence():
    assert alike(KHARKIV, replace(NORTH_3_KM, occurred_on=dt.date(2023, 12, 6))).score == 0.7475
    assert alike(KHARKIV, replace(NORTH_3_KM, settlement="Chuhuiv")).score == 0.7152
    assert alike(KHARKIV, replace(KHARKIV, incident_type="drone_strike")).score == 0.75
    assert alike(KHARKIV, replace(KHARKIV, incident_type="other")).score == 0.72
    assert alike(KHARKIV, replace(KHARKIV, incident_type="shelling")).score == 0.66
    assert alike(KHARKIV, replace(KHARKIV, killed=2, injured=5)).score == 0.8
    counted = replace(KHARKIV, killed=2, injured=5)
    # Equal figures add a little, never enough to link without review.
    assert alike(counted, counted).score == 0.83 < AUTO_LINK


def test_exact_sites_and_times_can_link_without_review():
    site = replace(KHARKIV, location_precision="exact")
    near = replace(site, latitude=49.9950)  # 0.3 km
    assert alike(site, near).score == 0.9125
    # 1.2 km: a little over half the weight of one site; at 1.9 km the shared name
    # still gives what the same settlement gives.
    assert alike(site, replace(site, latitude=50.0035)).score == 0.8007
    assert alike(site, replace(site, latitude=50.0093)).score == 0.8
    at_two = replace(KHARKIV, occurred_at=dt.datetime(2023, 12, 5, 2, 0, tzinfo=KYIV))
    at_half_past = replace(at_two, occurred_at=dt.datetime(2023, 12, 5, 2, 30, tzinfo=KYIV))
    found = alike(at_two, at_half_past)
    assert found.reasons[0] == "0.5 h apart"
    assert found.score == 0.8875
    assert verdict([found]) == (Verdict.LINK, 0)


def test_a_night_attack_dated_either_side_of_midnight():
    before = replace(KHARKIV, occurred_at=dt.datetime(2023, 12, 5, 23, 40, tzinfo=KYIV))
    after = replace(
        KHARKIV,
        occurred_on=dt.date(2023, 12, 6),
        occurred_at=dt.datetime(2023, 12, 6, 0, 20, tzinfo=KYIV),
        settlement="Харків",
    )
    found = alike(before, after)
    assert found == Likeness(
        0.8875, ("0.7 h apart", "0.0 km apart", "same settlement", "same type")
    )
    # Without times the next day still counts, a little less than the same day.
    undated = replace(after, occurred_at=None)
    assert alike(KHARKIV, undated).score == 0.7475


def test_a_shared_external_key_is_certain_whatever_else_differs():
    record = frozenset({("acled", "UKR12345")})
    first = replace(KHARKIV, external_keys=record | {("impact", "7")})
    revised = replace(
        KHARKIV,
        occurred_on=dt.date(2023, 11, 20),
        region_id=64,
        external_keys=record,
    )
    assert likeness(first, revised) == Likeness(
        1.0, ("the same record of the same source",), certain=True
    )
    assert likeness(first, replace(revised, external_keys=frozenset({("acled", "UKR9")}))) is None


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Kharkiv", "Харків"),
        ("Kharkiv", "Харьков"),
        ("Kharkiv", "Kharkov"),
        ("Kharkiv", "м. Харків"),
        ("Kyiv", "Київ"),
        ("Kyiv", "Kiev"),
        ("Zaporizhzhia", "Запорожье"),
        ("Chernihiv", "Чернигов"),
        ("Bila Tserkva", "Белая Церковь"),
        ("Ivano-Frankivsk", "Ivano Frankivsk"),
        ("Kam'ianske", "Кам’янське"),
        ("Kam'ianske", "Камʼянське"),
        ("Kam`ianske", "Kam’ianske"),
        ("Yahotyn", "Яготин"),
    ],
)
def test_spellings_of_one_settlement(first, second):
    assert same_settlement(first, second) is True
    assert alike(replace(KHARKIV, settlement=first), replace(KHARKIV, settlement=second)).reasons[
        2
    ] == ("same settlement")


def test_names_of_other_settlements_differ():
    assert same_settlement("Kharkiv", "Kherson") is False
    assert same_settlement("Sumy", "Lviv") is False
    assert same_settlement("Kharkiv", "") is None
    assert latin("Камʼянське") == "kamianske"
    assert skeleton("Харьков") == skeleton("Kharkiv") == "xrkv"


# -- candidate days ---------------------------------------------------------------------------


def test_candidate_days():
    assert candidate_days(KHARKIV) == (dt.date(2023, 12, 4), dt.date(2023, 12, 6))
    # Wednesday: the calendar week and three days either side of the date.
    weekly = replace(KHARKIV, date_precision="week", occurred_on=dt.date(2023, 12, 6))
    assert candidate_days(weekly) == (dt.date(2023, 12, 2), dt.date(2023, 12, 11))
    monthly = replace(KHARKIV, date_precision="month", occurred_on=dt.date(2023, 12, 15))
    assert candidate_days(monthly) == (dt.date(2023, 11, 29), dt.date(2024, 1, 1))
    leap = replace(monthly, occurred_on=dt.date(2024, 2, 1))
    assert candidate_days(leap) == (dt.date(2024, 1, 16), dt.date(2024, 3, 1))


# -- verdict ----------------------------------------------------------------------------------


def scored(*scores: float | None) -> list[Likeness | None]:
    return [None if score is None else Likeness(score, ()) for score in scores]


def test_thresholds_are_ordered():
    assert 0 < QUEUE < AUTO_LINK <= 1
    assert MARGIN == 0.08


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((), (Verdict.NEW, None)),
        ((None, None), (Verdict.NEW, None)),
        ((0.9,), (Verdict.LINK, 0)),
        ((0.85,), (Verdict.LINK, 0)),
        ((0.8499,), (Verdict.QUEUE, 0)),
        ((None, 0.9), (Verdict.LINK, 1)),
        ((0.82, 0.9), (Verdict.LINK, 1)),  # exactly the margin ahead
        ((0.9, 0.8201), (Verdict.QUEUE, 0)),  # not clearly ahead
        ((0.9, 0.9), (Verdict.QUEUE, 0)),  # a tie: the first candidate is shown
        ((0.3, 0.5), (Verdict.QUEUE, 1)),
        ((0.4999, 0.2), (Verdict.NEW, None)),
    ],
)
def test_verdict(scores, expected):
    assert verdict(scored(*scores)) == expected


def test_a_certain_match_links_unless_two_events_hold_the_record():
    certain = Likeness(1.0, (), certain=True)
    assert verdict([*scored(0.99), certain]) == (Verdict.LINK, 1)
    assert verdict([certain, *scored(0.5), certain]) == (Verdict.QUEUE, 0)


def test_other_thresholds_can_be_passed():
    assert verdict(scored(0.75), auto_link=0.7) == (Verdict.LINK, 0)
    assert verdict(scored(0.45), queue=0.4) == (Verdict.QUEUE, 0)
    assert verdict(scored(0.9, 0.88), margin=0.0) == (Verdict.LINK, 0)


@pytest.mark.parametrize("precision", ["day", "week", "month"])
@pytest.mark.parametrize("day", [dt.date.min, dt.date.max])
def test_the_days_searched_stay_within_the_calendar(precision, day):
    first, last = candidate_days(Sighting(occurred_on=day, date_precision=precision))
    assert first <= day <= last
    # Held at the calendar's edge, and widened everywhere else.
    assert (first == day) == (day == dt.date.min)
    assert (last == day) == (day == dt.date.max)


def test_reasons_are_translated_when_shown_in_the_language_then_active():
    from django.utils import translation

    found = likeness(KHARKIV, replace(KHARKIV, incident_type="drone_strike"))
    with translation.override("uk"):
        shown = [str(reason) for reason in found.reasons]
    assert "той самий день" in shown
    assert shown[-1] == "різний тип: Ракетний удар і Удар БпЛА"
    assert found.reasons[-1] == "type differs: Missile strike vs Drone strike"


def test_the_latitudes_alone_rule_out_points_farther_apart_than_the_tolerance():
    from incidents.events.matching import KM_PER_DEGREE_LATITUDE, distance_km

    north = replace(KHARKIV, location_precision="exact")
    south = replace(north, latitude=north.latitude - 3 / KM_PER_DEGREE_LATITUDE)
    # Three kilometres due south: the bound is the distance itself, give or take rounding.
    assert distance_km(north, south) == pytest.approx(3.0, abs=0.01)
    assert likeness(north, south) is None  # beyond the 2 km of two exact sites
    assert likeness(north, replace(south, location_precision="settlement")) is not None


def test_reports_with_neither_points_nor_names_share_the_oblast_at_most():
    bare = Sighting(
        occurred_on=dt.date(2023, 8, 15),
        region_id=7,
        location_precision="settlement",
        incident_type="shelling",
    )
    found = likeness(bare, bare)
    assert found.score == pytest.approx(0.35 * 0.75 + 0.45 * 0.3 + 0.2 * 1.0)
    assert found.reasons == ("same day", "same oblast", "same type")
    unplaced = replace(bare, region_id=None)
    assert likeness(unplaced, unplaced).score == pytest.approx(0.35 * 0.75 + 0.45 * 0.2 + 0.2)
