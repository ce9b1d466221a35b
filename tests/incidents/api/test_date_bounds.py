"""Every date the API accepts lies between 2014-01-01 and today in Kyiv plus a day, and a
record at either bound can be summed, read back, edited and deleted. Dates outside are a
400 naming the field for records; the periods of lists and aggregates are held within
them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from incidents.limits import EARLIEST_DATE, latest_date
from incidents.models import Incident, IncidentDayFigures, IncidentMonthFigures
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"
BOUNDS_MESSAGE = "Dates from 2014-01-01 to {last} are accepted (today in Kyiv plus a day)."
OUTSIDE = ["0001-01-01", "2013-12-31", "9999-11-30", "9999-12-31"]


def bounds_error() -> list[str]:
    return [BOUNDS_MESSAGE.format(last=latest_date().isoformat())]


def too_late() -> str:
    return (latest_date() + dt.timedelta(days=1)).isoformat()


def payload(**changes: object) -> dict[str, object]:
    return {"occurred_on": "2023-08-15", "incident_type": "drone_strike", "injured": 1} | changes


@pytest.mark.parametrize("day", [*OUTSIDE, "tomorrow+1"])
def test_a_record_dated_outside_the_bounds_is_refused_on_create(partner_a, day):
    day = too_late() if day == "tomorrow+1" else day
    response = partner_a.post(URL, payload(occurred_on=day), format="json")
    assert response.status_code == 400
    assert response.json() == {"occurred_on": bounds_error()}
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00"])
def test_a_time_outside_the_bounds_is_refused_not_crashed_on(partner_a, moment):
    response = partner_a.post(URL, payload(occurred_at=moment), format="json")
    assert response.status_code == 400
    assert "occurred_at" in response.json()
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_record_cannot_be_moved_outside_the_bounds(partner_a, method, day):
    created = partner_a.post(URL, payload(), format="json").json()
    send = getattr(partner_a, method)
    response = send(f"{URL}{created['id']}/", payload(occurred_on=day), format="json")
    assert response.status_code == 400
    assert response.json() == {"occurred_on": bounds_error()}
    assert Incident.objects.get().occurred_on == dt.date(2023, 8, 15)


def test_records_at_both_bounds_are_summed_edited_and_deleted(
    partner_a, anonymous, client, verifier
):
    first, last = EARLIEST_DATE.isoformat(), latest_date().isoformat()
    for day in (first, last):
        created = partner_a.post(URL, payload(occurred_on=day), format="json")
        assert created.status_code == 201
        edited = partner_a.patch(f"{URL}{created.json()['id']}/", {"injured": 3}, format="json")
        assert (edited.status_code, edited.json()["occurred_on"]) == (200, day)
    published = [
        IncidentFactory(verified=True, occurred_on=day, killed=1)
        for day in (EARLIEST_DATE, latest_date())
    ]
    months = set(IncidentMonthFigures.objects.values_list("month", flat=True))
    assert months == {EARLIEST_DATE, latest_date().replace(day=1)}
    period = {"date_from": first, "date_to": last}
    assert anonymous.get("/api/v1/summary/", period).json()["killed"] == 2

    client.force_login(verifier)
    for incident in published:
        url = reverse("admin:incidents_incident_delete", args=[incident.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert anonymous.get("/api/v1/summary/", period).json()["killed"] == 0
    # What is left is the partner's two reports, awaiting review.
    for table in (IncidentDayFigures, IncidentMonthFigures):
        assert list(table.objects.values_list("status", "incidents")) == [("submitted", 1)] * 2


def test_a_record_stored_at_the_end_of_the_calendar_can_be_corrected_and_deleted(
    partner_a, organisation, client, verifier
):
    """Written before the bounds (the database refuses only dates before 2014): summing
    it and removing it must not step past the calendar's last day."""
    legacy = IncidentFactory(organisation=organisation, occurred_on=dt.date(9999, 12, 31))
    IncidentFactory(organisation=organisation, submitted=True, occurred_on=dt.date.max)
    assert set(IncidentMonthFigures.objects.values_list("month", flat=True)) == {
        dt.date(9999, 12, 1)
    }
    response = partner_a.patch(
        f"{URL}{legacy.public_id}/", {"occurred_on": "2023-08-15"}, format="json"
    )
    assert response.status_code == 200
    client.force_login(verifier)
    for incident in Incident.objects.all():
        url = reverse("admin:incidents_incident_delete", args=[incident.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Incident.objects.exists()
    assert not IncidentMonthFigures.objects.exists()


@pytest.mark.parametrize("endpoint", ["/api/v1/needs/", "/api/v1/summary/"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("date_to", "9999-12-31"),
        ("date_to", "9999-11-30"),
        ("date_from", "0001-01-01"),
        ("date_from", "2013-12-31"),
        ("date_to", "tomorrow+1"),
        ("as_of", "2100-01-01T00:00:00Z"),
        ("as_of", "2013-12-31T12:00:00Z"),
    ],
)
def test_aggregates_hold_a_period_within_the_bounds(anonymous, endpoint, name, value):
    """A period reaching beyond the accepted dates is narrowed to them: what it asks
    for is the same, and its edges never reach the calendar's."""
    IncidentFactory(verified=True, occurred_on=latest_date(), killed=2)
    IncidentFactory(verified=True, occurred_on=EARLIEST_DATE, killed=3)
    value = too_late() if value == "tomorrow+1" else value
    response = anonymous.get(endpoint, {name: value})
    assert response.status_code == 200
    if name != "as_of":  # the moment of the outage figures: the same when no outage exists
        assert response.json() == anonymous.get(endpoint).json()


@pytest.mark.parametrize("endpoint", ["/api/v1/needs/", "/api/v1/summary/"])
def test_aggregates_answer_at_both_bounds(anonymous, endpoint):
    IncidentFactory(verified=True, occurred_on=latest_date(), killed=2)
    period = {"date_from": EARLIEST_DATE.isoformat(), "date_to": latest_date().isoformat()}
    response = anonymous.get(endpoint, period)
    assert response.status_code == 200
    if endpoint.endswith("summary/"):
        assert response.json()["killed"] == 2


@pytest.mark.parametrize(
    "endpoint", [URL, "/api/v1/grain-disruptions/", "/api/v1/grain-shipments/"]
)
@pytest.mark.parametrize(
    ("name", "value"),
    [("date_to", "9999-12-31"), ("date_from", "0001-01-01"), ("date_to", "tomorrow+1")],
)
def test_list_filters_hold_dates_within_the_bounds(anonymous, endpoint, name, value):
    """ "Up to the end of the year" is a fair question: it is narrowed, not refused."""
    IncidentFactory(verified=True, occurred_on=latest_date())
    value = too_late() if value == "tomorrow+1" else value
    response = anonymous.get(endpoint, {name: value})
    assert response.status_code == 200
    assert response.json() == anonymous.get(endpoint).json()


def test_list_filters_accept_the_bounds_themselves(anonymous):
    IncidentFactory(verified=True, occurred_on=EARLIEST_DATE)
    period = {"date_from": EARLIEST_DATE.isoformat(), "date_to": latest_date().isoformat()}
    response = anonymous.get(URL, period)
    assert response.status_code == 200
    assert response.json()["count"] == 1
