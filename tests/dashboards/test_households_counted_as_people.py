"""An outage given only in households counts as people through the average household size
(the region's, else the national 2.58), everywhere its people are counted, and is said to
be an estimate wherever it is shown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import ServiceDisruption
from tests.factories import IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db
OVERVIEW = "/dashboards/"
REGION_PAGE = "/dashboards/regions/UA71/"
ESTIMATE_NOTE = "including 5,160 estimated from households"
HELP_TEXT = (
    "When people affected is empty, counted as people through the average household size "
    "of the region (national 2.58)."
)


@pytest.fixture
def cut_off(organisation) -> ServiceDisruption:
    """2,000 households without electricity in Cherkasy, beside 12,000 people without water."""
    start = dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC)
    verified = {"status": "verified", "verified_at": timezone.now(), "organisation": organisation}
    ServiceDisruptionFactory(
        region=region("UA71"), people_affected=12_000, started_at=start, **verified
    )
    return ServiceDisruptionFactory(
        region=region("UA71"),
        service="electricity",
        settlement="Smila",
        people_affected=None,
        households_affected=2_000,
        started_at=start,
        **verified,
    )


def set_household_size(size: str | None) -> None:
    cherkasy = region("UA71")
    cherkasy.household_size = None if size is None else Decimal(size)
    cherkasy.save()


def csv_rows(response) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(response.getvalue().decode()))
    return {row["pcode"]: row for row in rows}


def test_the_overview_counts_households_as_people_and_says_they_are_estimated(
    client, analyst, cut_off
):
    client.force_login(analyst)
    response = client.get(OVERVIEW)
    summary = response.context["summary"]
    assert (summary.people_without["electricity"], summary.people_without["water"]) == (
        5_160,
        12_000,
    )
    assert summary.people_without_estimated == {
        "electricity": 5_160,
        "water": 0,
        "heating": 0,
        "gas": 0,
        "health_care": 0,
        "telecom": 0,
        "other": 0,
    }
    page = response.content.decode()
    assert page.count(ESTIMATE_NOTE) == 1
    assert "<strong>5,160</strong>without electricity now" in page
    cherkasy = csv_rows(client.get(OVERVIEW, {"download": "needs"}))["UA71"]
    assert (cherkasy["energy"], cherkasy["electricity_people_estimated_now"]) == ("5160", "5160")
    assert (cherkasy["wash"], cherkasy["water_people_estimated_now"]) == ("12000", "0")
    (matrix_row,) = [row for row in response.context["graded"] if row.needs.pcode == "UA71"]
    assert matrix_row.values["energy"] == 5_160


def test_the_region_page_marks_the_estimated_outage(client, analyst, cut_off):
    client.force_login(analyst)
    response = client.get(REGION_PAGE)
    row = response.context["row"]
    assert (
        row.needs.people_without["electricity"],
        row.needs.people_without_estimated["electricity"],
    ) == (
        5_160,
        5_160,
    )
    page = response.content.decode()
    assert '≈ 5,160 <small class="estimated">(from 2,000 households × 2.58)</small>' in page
    # In the headline and in the services table.
    assert page.count(ESTIMATE_NOTE) == 2
    # The outage given in people is shown as given, not as an estimate.
    assert "<td>12000</td>" in page
    cherkasy = csv_rows(client.get(REGION_PAGE, {"download": "needs"}))["UA71"]
    assert (cherkasy["energy"], cherkasy["electricity_people_estimated_now"]) == ("5160", "5160")


def test_a_regions_own_household_size_counts_instead_of_the_national(client, analyst, cut_off):
    set_household_size("3.0")
    cut_off.refresh_from_db()
    assert (cut_off.people_counted, cut_off.people_estimated) == (6_000, True)
    client.force_login(analyst)
    assert client.get(OVERVIEW).context["summary"].people_without["electricity"] == 6_000
    page = client.get(REGION_PAGE).content.decode()
    assert '≈ 6,000 <small class="estimated">(from 2,000 households × 3)</small>' in page
    assert "including 6,000 estimated from households" in page
    api = APIClient().get("/api/v1/needs/").json()
    cherkasy = next(row for row in api if row["pcode"] == "UA71")
    assert cherkasy["people_without"]["electricity"] == 6_000


def test_people_affected_given_win_over_households(client, analyst, cut_off):
    cut_off.people_affected = 4_800
    cut_off.save()
    assert (cut_off.people_counted, cut_off.people_estimated) == (4_800, False)
    client.force_login(analyst)
    response = client.get(REGION_PAGE)
    assert response.context["row"].needs.people_without["electricity"] == 4_800
    page = response.content.decode()
    assert "estimated from households" not in page
    assert "households ×" not in page


def test_the_needs_api_counts_the_estimate_and_says_how_much_of_it_is_one(cut_off):
    api = APIClient()
    rows = {row["pcode"]: row for row in api.get("/api/v1/needs/").json()}
    cherkasy = rows["UA71"]
    assert (cherkasy["people_without"]["electricity"], cherkasy["people_without"]["water"]) == (
        5_160,
        12_000,
    )
    assert cherkasy["people_without_estimated"]["electricity"] == 5_160
    assert cherkasy["people_without_estimated"]["water"] == 0
    assert rows["UA46"]["people_without_estimated"]["electricity"] == 0
    summary = api.get("/api/v1/summary/").json()
    assert summary["people_without"]["electricity"] == 5_160
    assert summary["people_without_estimated"]["electricity"] == 5_160
    exported = api.get("/api/v1/needs/", {"format": "csv"})
    cherkasy_csv = csv_rows(exported)["UA71"]
    assert cherkasy_csv["people_without.electricity"] == "5160"
    assert cherkasy_csv["people_without_estimated.electricity"] == "5160"


def test_the_disruptions_api_gives_the_people_counted_and_whether_estimated(cut_off):
    api = APIClient()
    rows = {
        row["service"]: row for row in api.get("/api/v1/service-disruptions/").json()["results"]
    }
    electricity, water = rows["electricity"], rows["water"]
    assert (electricity["people_affected"], electricity["households_affected"]) == (None, 2_000)
    assert (electricity["people_counted"], electricity["people_estimated"]) == (5_160, True)
    assert (water["people_counted"], water["people_estimated"]) == (12_000, False)
    exported = api.get("/api/v1/service-disruptions/", {"format": "hxl"})
    hxl = b"".join(exported.streaming_content).decode()
    header, tags = list(csv.reader(io.StringIO(hxl)))[:2]
    columns = dict(zip(header, tags, strict=True))
    assert (columns["people_counted"], columns["people_estimated"]) == (
        "#affected+num+counted",
        "#meta+estimated",
    )


def test_the_disruption_forms_say_how_households_count(client, superuser, cut_off):
    client.force_login(superuser)
    own = client.get(reverse("admin:incidents_servicedisruption_change", args=[cut_off.pk]))
    assert HELP_TEXT in own.content.decode()
    incident = IncidentFactory(organisation=cut_off.organisation)
    ServiceDisruptionFactory(organisation=cut_off.organisation, incident=incident)
    inline = client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert HELP_TEXT in inline.content.decode()


def region_form(**changes) -> dict:
    cherkasy = region("UA71")
    data = {key: "" if value is None else value for key, value in model_to_dict(cherkasy).items()}
    data["alternative_names"] = json.dumps(cherkasy.alternative_names)
    return {**data, **changes}


def test_staff_set_a_regions_household_size_in_the_admin(client, superuser, cut_off):
    client.force_login(superuser)
    url = reverse("admin:incidents_region_change", args=[region("UA71").pk])
    assert "State Statistics Service of Ukraine" in client.get(url).content.decode()
    for wrong in ("0.5", "10.5"):
        refused = client.post(url, region_form(household_size=wrong))
        assert refused.status_code == 200
        assert refused.context["adminform"].form.errors.keys() == {"household_size"}
    cut_off.refresh_from_db()
    assert cut_off.people_counted == 5_160
    response = client.post(url, region_form(household_size="3.00"))
    assert response.status_code == 302
    cut_off.refresh_from_db()
    assert (cut_off.people_counted, region("UA71").household_size) == (6_000, Decimal("3.00"))
    client.post(url, region_form(household_size=""))
    cut_off.refresh_from_db()
    assert cut_off.people_counted == 5_160
