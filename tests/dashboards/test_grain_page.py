from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards.grain_charts import exports_chart
from dashboards.selectors import disruption_effects
from tests.factories import GrainDisruptionFactory, GrainShipmentFactory, port

pytestmark = pytest.mark.django_db
URL = "/dashboards/grain/"


@pytest.fixture
def corridor(organisation):
    day = dt.date(2023, 7, 17)
    GrainShipmentFactory(voyage_number=1, tonnes=30_000, departed_on=day - dt.timedelta(days=10))
    GrainShipmentFactory(
        voyage_number=1,
        tonnes=5_000,
        departed_on=day - dt.timedelta(days=10),
        commodity="Wheat",
        is_additional_cargo=True,
    )
    GrainShipmentFactory(
        voyage_number=2,
        tonnes=20_000,
        departed_on=day - dt.timedelta(days=60),
        departure_port=port("Chornomorsk"),
        income_group="low",
    )
    GrainShipmentFactory(voyage_number=3, tonnes=1_000, departed_on=day + dt.timedelta(days=5))
    terminated = GrainDisruptionFactory(
        organisation=organisation,
        disruption_type="corridor_terminated",
        port=None,
        started_on=day,
        status="verified",
        verified_at=timezone.now(),
    )
    GrainDisruptionFactory(organisation=organisation, started_on=day)  # a draft
    return terminated


def test_tonnes_before_and_after_each_disruption(corridor):
    (effect,) = disruption_effects([corridor])
    assert effect.before == {30: 35_000, 90: 55_000}
    assert effect.after == {30: 1_000, 90: 1_000}


def test_grain_page_totals_match_the_data(client, analyst, corridor):
    client.force_login(analyst)
    response = client.get(URL)
    assert response.status_code == 200
    overview = response.context["overview"]
    assert (overview.voyages, overview.tonnes) == (3, 56_000)
    assert [row["commodity"] for row in overview.by_commodity] == ["Corn", "Wheat"]
    assert [effect.disruption for effect in overview.effects] == [corridor]
    assert response.content.decode().count('data-figure="figure-') == 3


def test_grain_exports_download_and_filter(client, analyst, corridor):
    client.force_login(analyst)
    lines = client.get(URL, {"download": "exports"}).getvalue().decode().splitlines()
    assert lines[0] == "month,port,tonnes,voyages"
    assert "2023-07-01,Odesa,36000,2" in lines
    later = client.get(URL, {"date_from": "2023-07-17"}).context["overview"]
    assert (later.voyages, later.tonnes) == (1, 1_000)


def test_exports_chart_marks_disruptions_on_the_timeline(corridor):
    from incidents.selectors import GrainMonth

    months = (GrainMonth(port="Odesa", month=dt.date(2023, 7, 1), tonnes=36_000, voyages=2),)
    figure = exports_chart(months, [corridor], title="Exports")
    assert [trace.name for trace in figure.data] == ["Odesa"]
    assert len(figure.layout.shapes) == 1
    assert figure.layout.annotations[0].text == "Corridor agreement terminated"
