from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db
URL = "/dashboards/regions/UA71/"


@pytest.fixture
def smila(organisation):
    incident = IncidentFactory(
        organisation=organisation,
        verified=True,
        region=region("UA71"),
        settlement="Smila",
        injured=0,
        occurred_on=dt.date(2023, 8, 15),
    )
    IncidentFactory(organisation=organisation, verified=True, region=region("UA46"), injured=19)
    IncidentFactory(organisation=organisation, region=region("UA71"), settlement="Draftville")
    start = dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC)
    ServiceDisruptionFactory(
        organisation=organisation,
        region=region("UA71"),
        settlement="Smila",
        people_affected=12_000,
        started_at=start,
        status="verified",
        verified_at=timezone.now(),
    )
    ServiceDisruptionFactory(
        organisation=organisation,
        region=region("UA71"),
        service="electricity",
        people_affected=500,
        started_at=start,
        restored_at=start + dt.timedelta(hours=5),
        status="verified",
        verified_at=timezone.now(),
    )
    return incident


def test_region_page_shows_only_that_regions_verified_records(client, verifier, smila):
    client.force_login(verifier)
    response = client.get(URL)
    assert response.status_code == 200
    row = response.context["row"]
    assert (row.needs.pcode, row.needs.incidents, row.needs.people_without["water"]) == (
        "UA71",
        1,
        12_000,
    )
    assert [incident.settlement for incident in response.context["incidents"]] == ["Smila"]
    # The ongoing outage comes first, then the restored one.
    assert [outage.service for outage in response.context["outages"]] == ["water", "electricity"]
    page = response.content.decode()
    assert "Draftville" not in page
    assert f"/admin/incidents/incident/{smila.pk}/change/" in page


def test_public_region_page_has_no_admin_links(client, settings, smila):
    settings.DASHBOARDS_PUBLIC = True
    page = client.get(URL).content.decode()
    assert "/admin/incidents/incident/" not in page
    assert "Smila" in page


def test_unknown_region_is_404_and_codes_are_case_insensitive(client, analyst, smila):
    client.force_login(analyst)
    assert client.get("/dashboards/regions/UA99/").status_code == 404
    assert client.get("/dashboards/regions/ua71/").status_code == 200


def test_region_downloads_and_filters(client, analyst, smila):
    client.force_login(analyst)
    csv_text = client.get(URL, {"download": "weekly"}).getvalue().decode()
    assert csv_text.splitlines()[1] == "2023-08-14,missile_strike,1,0,0"
    assert client.get(URL, {"date_from": "2024-01-01"}).context["row"].needs.incidents == 0
    assert client.get(URL, {"date_to": "nope"}).status_code == 400
