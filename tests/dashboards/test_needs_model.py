"""The needs model on small hand-built data, with every expected number worked out by hand.

Times are in Kyiv (UTC+3 in summer): the period 2023-08-01 .. 2023-08-31 runs from
2023-07-31 21:00 UTC to 2023-08-31 21:00 UTC.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incidents.models import NeedsBaseline
from incidents.selectors import Period, national_summary, region_needs
from tests.factories import DamagedAssetFactory, IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db

UTC = dt.UTC
AUGUST = Period(
    date_from=dt.date(2023, 8, 1),
    date_to=dt.date(2023, 8, 31),
    as_of=dt.datetime(2023, 8, 20, 21, tzinfo=UTC),  # end of 20 August in Kyiv
)


def outage(pcode: str, service: str, people: int, started, restored=None, status="verified"):
    return ServiceDisruptionFactory(
        region=region(pcode),
        service=service,
        people_affected=people,
        started_at=started,
        restored_at=restored,
        status=status,
        verified_at=timezone.now() if status == "verified" else None,
    )


@pytest.fixture
def lviv_and_odesa(organisation):
    august = IncidentFactory(
        organisation=organisation,
        verified=True,
        occurred_on=dt.date(2023, 8, 15),
        killed=3,
        injured=10,
        children_killed=1,
        children_injured=2,
    )
    DamagedAssetFactory(incident=august, asset_type="residential", count=40)
    DamagedAssetFactory(incident=august, asset_type="health", count=1)
    # Outside the period, a draft and a submitted report: none of them count.
    IncidentFactory(organisation=organisation, verified=True, occurred_on=dt.date(2023, 7, 31))
    IncidentFactory(organisation=organisation, occurred_on=dt.date(2023, 8, 16), killed=50)
    IncidentFactory(organisation=organisation, submitted=True, occurred_on=dt.date(2023, 8, 16))

    # Started before the period, still out: counts from the period's start up to as_of,
    # 20 days (1-20 August) x 1,000 people.
    outage("UA46", "electricity", 1_000, dt.datetime(2023, 7, 20, tzinfo=UTC))
    # Started and restored within the period: 2 days x 500 people; not out at as_of.
    outage(
        "UA46",
        "electricity",
        500,
        dt.datetime(2023, 8, 10, 6, tzinfo=UTC),
        dt.datetime(2023, 8, 12, 6, tzinfo=UTC),
    )
    # Started before the period and restored during it: 31 July 21:00 UTC to 3 August
    # 09:00 UTC is 2.5 days x 2,000 people.
    outage(
        "UA51",
        "water",
        2_000,
        dt.datetime(2023, 7, 1, tzinfo=UTC),
        dt.datetime(2023, 8, 3, 9, tzinfo=UTC),
    )
    # Restored before the period and one started after as_of: no people, no person-days.
    outage(
        "UA51",
        "water",
        7_000,
        dt.datetime(2023, 6, 1, tzinfo=UTC),
        dt.datetime(2023, 6, 5, tzinfo=UTC),
    )
    outage("UA51", "heating", 9_000, dt.datetime(2023, 8, 25, tzinfo=UTC))
    # Unverified: only when the period includes submitted reports.
    outage("UA51", "water", 300, dt.datetime(2023, 8, 5, tzinfo=UTC), status="submitted")
    return august


def by_pcode(period: Period) -> dict:
    return {row.pcode: row for row in region_needs(period=period)}


def test_each_region_gets_its_casualties_damage_and_outages(lviv_and_odesa):
    rows = by_pcode(AUGUST)
    assert len(rows) == 27
    lviv, odesa, kyiv = rows["UA46"], rows["UA51"], rows["UA80"]
    assert (lviv.incidents, lviv.killed, lviv.injured) == (1, 3, 10)
    assert (lviv.children_killed, lviv.children_injured) == (1, 2)
    assert lviv.damaged["residential"] == 40
    assert lviv.damaged["health"] == 1
    assert lviv.people_without["electricity"] == 1_000
    assert lviv.outages["electricity"] == 1
    assert lviv.person_days["electricity"] == 20 * 1_000 + 2 * 500
    assert odesa.people_without == dict.fromkeys(odesa.people_without, 0)
    assert odesa.person_days["water"] == 2.5 * 2_000
    assert odesa.person_days["heating"] == 0
    assert (kyiv.incidents, kyiv.person_days["water"]) == (0, 0)


def test_person_days_without_a_start_date_count_from_each_outage_start(lviv_and_odesa):
    period = Period(as_of=AUGUST.as_of)
    odesa = by_pcode(period)["UA51"]
    # 1 July 00:00 to 3 August 09:00 UTC = 33.375 days x 2,000, and 4 days x 7,000.
    assert odesa.person_days["water"] == 33.375 * 2_000 + 4 * 7_000
    lviv = by_pcode(period)["UA46"]
    # 20 July 00:00 UTC to as_of (20 August 21:00 UTC) = 31.875 days x 1,000, plus 1,000.
    assert lviv.person_days["electricity"] == 31.875 * 1_000 + 2 * 500


def test_the_period_end_caps_person_days_before_the_moment(lviv_and_odesa):
    period = Period(
        date_from=dt.date(2023, 8, 1),
        date_to=dt.date(2023, 8, 5),
        as_of=dt.datetime(2023, 9, 1, tzinfo=UTC),
    )
    lviv = by_pcode(period)["UA46"]
    assert lviv.person_days["electricity"] == 5 * 1_000
    # As of 1 September the 9,000 without heating since 25 August are out; the figure of
    # people without a service is "now", not "in the period".
    assert by_pcode(period)["UA51"].people_without["heating"] == 9_000


def test_submitted_reports_count_only_when_asked(lviv_and_odesa):
    assert by_pcode(AUGUST)["UA51"].people_without["water"] == 0
    with_submitted = Period(
        date_from=AUGUST.date_from,
        date_to=AUGUST.date_to,
        as_of=AUGUST.as_of,
        include_submitted=True,
    )
    odesa = by_pcode(with_submitted)["UA51"]
    assert (odesa.people_without["water"], odesa.outages["water"]) == (300, 1)
    assert national_summary(period=with_submitted).incidents == 2
    assert national_summary(period=AUGUST).incidents == 1


def test_national_summary_adds_up_the_regions(lviv_and_odesa):
    summary = national_summary(period=AUGUST)
    assert (summary.incidents, summary.killed, summary.injured) == (1, 3, 10)
    assert summary.people_without["electricity"] == 1_000
    assert summary.outages == {
        "electricity": 1,
        "water": 0,
        "heating": 0,
        "gas": 0,
        "health_care": 0,
        "telecom": 0,
        "other": 0,
    }
    assert summary.person_days["electricity"] == 21_000
    assert summary.person_days["water"] == 5_000
    assert summary.people_in_need is None


def test_baselines_come_from_the_latest_assessment(lviv_and_odesa):
    lviv = region("UA46")
    NeedsBaseline.objects.create(
        region=lviv, external_source="hno-2022", reference_year=2022, people_in_need=900_000
    )
    NeedsBaseline.objects.create(
        region=lviv,
        external_source="hno-2023",
        reference_year=2023,
        people_affected=700_000,
        people_in_need=638_000,
    )
    NeedsBaseline.objects.create(
        region=region("UA51"), external_source="hno-2023", reference_year=2023, people_in_need=1
    )
    rows = by_pcode(AUGUST)
    assert (rows["UA46"].people_in_need, rows["UA46"].people_affected) == (638_000, 700_000)
    assert rows["UA46"].baseline == "hno-2023 (2023)"
    assert rows["UA80"].people_in_need is None
    assert rows["UA80"].baseline == ""
    assert national_summary(period=AUGUST).people_in_need == 638_001
    only_lviv = Period(as_of=AUGUST.as_of, region_id=lviv.pk)
    assert national_summary(period=only_lviv).people_in_need == 638_000
