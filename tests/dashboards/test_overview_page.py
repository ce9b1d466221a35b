from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone

from tests.factories import DamagedAssetFactory, IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db
URL = "/dashboards/"


@pytest.fixture
def data(organisation):
    lviv = IncidentFactory(
        organisation=organisation,
        verified=True,
        injured=19,
        children_injured=1,
        occurred_on=dt.date(2023, 8, 15),
    )
    DamagedAssetFactory(incident=lviv, asset_type="residential", count=120)
    IncidentFactory(organisation=organisation, killed=99)  # a draft: never shown
    ServiceDisruptionFactory(
        organisation=organisation,
        region=region("UA71"),
        people_affected=12_000,
        status="verified",
        verified_at=timezone.now(),
        started_at=dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC),
    )
    return lviv


def test_dashboards_need_a_staff_login_by_default(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/dashboards/")


def test_dashboards_can_be_public(client, settings, data):
    settings.DASHBOARDS_PUBLIC = True
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", ["analyst", "verifier", "reporter", "superuser"])
def test_overview_renders_three_charts_from_verified_data(client, request, role, data):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 200
    assert set(response.context["figures"]) == {"map", "matrix", "weekly", "outages", "by_region"}
    summary = response.context["summary"]
    assert (summary.incidents, summary.injured, summary.killed) == (1, 19, 0)
    assert summary.people_without["water"] == 12_000
    page = response.content.decode()
    assert page.count('data-figure="figure-') == 5
    assert "plotly/plotly.min.js" in page
    # No address on a CDN (a random CSRF token may hold the letters, never "//").
    assert not re.search(r"//[^\s\"'<>]*cdn", page, flags=re.IGNORECASE)


def test_filters_live_in_the_url_and_change_the_figures(client, analyst, data):
    client.force_login(analyst)
    later = client.get(URL, {"date_from": "2023-09-01"})
    assert later.context["summary"].incidents == 0
    drones = client.get(URL, {"type": "drone_strike"})
    assert drones.context["summary"].incidents == 0
    assert client.get(URL, {"date_from": "2023-09-01", "date_to": "2023-08-01"}).status_code == 400
    assert client.get(URL, {"date_from": "someday"}).status_code == 400


def test_chart_data_downloads_as_csv_with_the_same_filters(client, analyst, data):
    client.force_login(analyst)
    response = client.get(URL, {"download": "needs"})
    assert response["Content-Type"].startswith("text/csv")
    rows = {row["pcode"]: row for row in csv.DictReader(io.StringIO(response.getvalue().decode()))}
    assert len(rows) == 27
    assert (rows["UA46"]["protection"], rows["UA46"]["shelter"]) == ("19", "120")
    assert rows["UA71"]["wash"] == "12000"
    weekly = client.get(URL, {"download": "weekly", "type": "missile_strike"}).getvalue().decode()
    assert list(csv.reader(io.StringIO(weekly)))[1] == [
        "2023-08-14",
        "missile_strike",
        "1",
        "0",
        "19",
    ]


def test_the_weekly_table_is_on_the_page_warm_or_cold(client, analyst, data):
    client.force_login(analyst)
    row = "<tr><td>2023-08-14</td><td>missile_strike</td><td>1</td><td>0</td><td>19</td></tr>"
    cold = client.get(URL).content.decode()
    warm = client.get(URL).content.decode()
    assert row in cold
    assert warm.count(row) == cold.count(row) == 1
    later = client.get(URL, {"date_from": "2023-09-01"}).content.decode()
    assert row not in later
    assert "<th>Week</th>" in later


def test_text_from_the_data_is_escaped(client, analyst, organisation):
    IncidentFactory(organisation=organisation, verified=True)
    from incidents.models import Region

    Region.objects.filter(pcode="UA46").update(name_en="</script><script>alert(1)</script>")
    client.force_login(analyst)
    page = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    figure = json.loads(
        page.split('id="figure-matrix" type="application/json">')[1].split("</script>")[0]
    )
    assert "</script><script>alert(1)</script>" in figure["data"][0]["y"]


@pytest.mark.parametrize(
    "period",
    [
        {},
        {"date_from": "2023-01-18", "date_to": "2023-09-09"},  # months and edge days
        {"date_from": "2023-08-02", "date_to": "2023-08-20"},  # inside one month
    ],
)
def test_overview_query_count_does_not_grow_with_the_data_or_the_period(
    client, analyst, data, period, django_assert_num_queries
):
    IncidentFactory.create_batch(30, verified=True)
    client.force_login(analyst)
    with django_assert_num_queries(17):
        response = client.get(URL, period)
    assert response.context["summary"].incidents == 31


def test_figures_are_cached_until_the_data_change(
    client, analyst, data, organisation, django_assert_max_num_queries
):
    client.force_login(analyst)
    assert client.get(URL).context["summary"].incidents == 1
    # Warm: the session, the user, their permissions and the region filter's choices.
    with django_assert_max_num_queries(5):
        assert client.get(URL).context["summary"].incidents == 1
    # A new verified report, an edit, a deletion: each shows on the next view.
    added = IncidentFactory(organisation=organisation, verified=True, killed=4)
    assert client.get(URL).context["summary"].incidents == 2
    added.killed = 6
    added.save()
    assert client.get(URL).context["summary"].killed == 6
    added.delete()
    assert client.get(URL).context["summary"].incidents == 1
    # Bulk writes (as ingestion makes them) refresh the daily figures and announce it.
    from incidents.figures.cache import figures_changed
    from incidents.figures.rewrites import refresh_day_figures
    from incidents.models import Incident

    Incident.objects.filter(pk=data.pk).update(injured=1)
    refresh_day_figures({(data.region_id, data.occurred_on)})
    assert client.get(URL).context["summary"].injured == 19
    figures_changed()
    assert client.get(URL).context["summary"].injured == 1


def test_people_without_services_day_by_day(organisation):
    from dashboards.selectors import Period, daily_levels, people_without_over_time

    kyiv = dt.timezone(dt.timedelta(hours=3))
    verified = {"organisation": organisation, "status": "verified", "verified_at": timezone.now()}
    # Started before the period and still out; started in it and restored during it.
    ServiceDisruptionFactory(
        service="water",
        people_affected=1_000,
        started_at=dt.datetime(2023, 7, 1, 10, tzinfo=kyiv),
        **verified,
    )
    ServiceDisruptionFactory(
        service="water",
        people_affected=500,
        started_at=dt.datetime(2023, 8, 2, 10, tzinfo=kyiv),
        restored_at=dt.datetime(2023, 8, 4, 9, tzinfo=kyiv),
        **verified,
    )
    ServiceDisruptionFactory(
        service="water",
        people_affected=9_999,
        organisation=organisation,
        started_at=dt.datetime(2023, 8, 2, 10, tzinfo=kyiv),
    )  # unverified
    period = Period(date_from=dt.date(2023, 8, 1), date_to=dt.date(2023, 8, 5))
    series = people_without_over_time(period=period)
    assert series == {
        "water": [
            (dt.date(2023, 8, 1), 1_000),
            (dt.date(2023, 8, 2), 1_500),
            (dt.date(2023, 8, 4), 1_000),
            (dt.date(2023, 8, 5), 1_000),
        ]
    }
    assert {service: list(daily_levels(points)) for service, points in series.items()} == {
        "water": [
            (dt.date(2023, 8, 1), 1_000),
            (dt.date(2023, 8, 2), 1_500),
            (dt.date(2023, 8, 3), 1_500),
            (dt.date(2023, 8, 4), 1_000),
            (dt.date(2023, 8, 5), 1_000),
        ]
    }


def test_restored_outages_are_drawn_until_a_month_after_the_last_change(organisation):
    from dashboards.selectors import Period, people_without_over_time

    kyiv = dt.timezone(dt.timedelta(hours=3))
    ServiceDisruptionFactory(
        service="electricity",
        people_affected=300,
        organisation=organisation,
        status="verified",
        verified_at=timezone.now(),
        started_at=dt.datetime(2023, 8, 15, 4, tzinfo=kyiv),
        restored_at=dt.datetime(2023, 8, 15, 18, tzinfo=kyiv),
    )
    points = people_without_over_time(period=Period(), today=dt.date(2026, 1, 1))["electricity"]
    assert points[0] == (dt.date(2023, 8, 15), 0)
    assert points[-1] == (dt.date(2023, 9, 14), 0)
