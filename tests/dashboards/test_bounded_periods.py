"""A dashboard period is held within the dates records may have (2014-01-01 to today in
Kyiv plus a day), with a note saying so, so that no URL costs more than the longest period
the data can hold: year 1 to year 9999 answers like 2014 to tomorrow, in the same number of
queries, and its daily download streams one row per day of that span."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from incidents.limits import EARLIEST_DATE, latest_date
from tests.factories import IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db

EXTREMES = {"date_from": "0001-01-01", "date_to": "9999-11-30"}
START_NOTE = "Figures start on 2014-01-01: no record is dated earlier."
END_NOTE = "Figures end on {last} (today in Kyiv plus a day): no record is later."
OUTAGE_STARTED_ON = dt.date(2023, 8, 15)


@pytest.fixture
def public(settings):
    settings.DASHBOARDS_PUBLIC = True


@pytest.fixture
def data(organisation):
    verified = {"organisation": organisation, "status": "verified", "verified_at": timezone.now()}
    IncidentFactory(
        verified=True, organisation=organisation, killed=2, occurred_on=OUTAGE_STARTED_ON
    )
    IncidentFactory(verified=True, organisation=organisation, killed=1, occurred_on=EARLIEST_DATE)
    ServiceDisruptionFactory(
        region=region("UA71"),
        people_affected=12_000,
        started_at=dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC),
        **verified,
    )


def end_note() -> str:
    return END_NOTE.format(last=latest_date().isoformat())


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.usefixtures("public", "data")
@pytest.mark.parametrize(
    ("query", "notes"),
    [
        ({"date_to": "9999-11-30"}, ["end"]),
        ({"date_to": "9999-12-31"}, ["end"]),
        (EXTREMES, ["start", "end"]),
        ({"date_from": "2013-12-31"}, ["start"]),
    ],
)
def test_a_period_beyond_the_bounds_is_held_within_them_with_a_note(client, query, notes):
    response = client.get("/dashboards/", query)
    assert response.status_code == 200
    page = response.content.decode()
    expected = {"start": START_NOTE, "end": end_note()}
    for name, note in expected.items():
        assert (note in page) == (name in notes)
    summary = response.context["summary"]
    assert (summary.incidents, summary.killed) == (2, 3)
    assert summary.people_without["water"] == 12_000


@pytest.mark.usefixtures("public", "data")
def test_the_longest_period_costs_the_queries_of_a_short_one(client, django_assert_num_queries):
    client.get("/dashboards/")  # the region boundaries, cached for every period
    with django_assert_num_queries(12):
        client.get("/dashboards/", {"date_from": "2023-08-01", "date_to": "2023-08-31"})
    with django_assert_num_queries(12):
        response = client.get("/dashboards/", EXTREMES)
    # The chart draws the corners of its step line, not every day of the span.
    (line,) = response.context["figures"]["outages"]["data"]
    assert line["x"] == [OUTAGE_STARTED_ON.isoformat(), latest_date().isoformat()]
    assert line["y"] == [12_000, 12_000]


@pytest.mark.usefixtures("public", "data")
def test_the_daily_download_of_the_longest_period_streams_one_row_per_day(client):
    response = client.get("/dashboards/", {**EXTREMES, "download": "outages"})
    assert response.status_code == 200
    assert response.streaming
    rows = csv_rows(response)
    days = (latest_date() - OUTAGE_STARTED_ON).days + 1
    assert len(rows) == days
    assert rows[0] == {"day": "2023-08-15", "service": "water", "people_without": "12000"}
    assert rows[-1] == {
        "day": latest_date().isoformat(),
        "service": "water",
        "people_without": "12000",
    }


@pytest.mark.usefixtures("public", "data")
@pytest.mark.parametrize("url", ["/dashboards/regions/UA71/", "/dashboards/grain/"])
def test_the_other_pages_hold_the_period_too(client, url):
    response = client.get(url, EXTREMES)
    assert response.status_code == 200
    page = response.content.decode()
    assert START_NOTE in page
    assert end_note() in page
    download = client.get(
        url, {**EXTREMES, "download": "weekly" if "regions" in url else "exports"}
    )
    assert download.status_code == 200


@pytest.mark.usefixtures("public")
def test_an_inverted_period_after_holding_is_still_an_error(client):
    response = client.get("/dashboards/", {"date_from": "9999-01-01", "date_to": "2020-01-01"})
    assert response.status_code == 400


@pytest.mark.usefixtures("public")
def test_the_date_inputs_offer_only_the_accepted_dates(client):
    page = client.get("/dashboards/").content.decode()
    assert f'min="{EARLIEST_DATE.isoformat()}"' in page
    assert f'max="{latest_date().isoformat()}"' in page
