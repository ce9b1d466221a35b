"""One strike, four sources: the Lviv missile strike of 15 August 2023 as a staff report,
a partner's API report, an ACLED row and an HXL row. Linked into one event, it is counted
once on every figure surface, and a Verifier's "different attack" survives re-ingesting
both source files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from dashboards.selectors import needs_with_severity
from dashboards.severity import SECTORS, per_100k, severity
from incidents.models import (
    DistinctReports,
    Event,
    Incident,
    IngestionRun,
    MatchCandidate,
    Tombstone,
)
from incidents.selectors import Period
from incidents.selectors.events import match_queue
from incidents.services.reports import incident_report
from incidents.services.review import record_submit, record_verify
from tests.factories import OrganisationFactory, region
from tests.incidents.api.conftest import key_client
from tests.incidents.summed_figures import assert_in_step

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"
QUEUE = reverse("admin:incidents_incident_duplicates")
DAY = {"date_from": "2023-08-15", "date_to": "2023-08-15"}
LVIV_DAY = {**DAY, "region": "UA46"}
# The regional administration's post, which the staff report and the HXL row both cite.
SHARED_URL = "https://t.me/kozytskyy_maksym_official/12345"

# What each source says: (killed, injured, children killed, children injured).
STAFF = (3, 19, 0, 1)
PARTNER = (3, 15, 0, 0)
ACLED = (3, 0, 0, 0)  # ACLED counts fatalities only
HXL = (3, 12, 0, 1)
FIGURES = ("killed", "injured", "children_killed", "children_injured")
# The staff report leads (verified, graded as the others, the earliest): the event
# publishes its figures, and the spread of the four beside them.
PUBLISHED = dict(zip(FIGURES, STAFF, strict=True))
SPREAD = {"killed": (3, 3), "injured": (0, 19), "children_killed": (0, 0)}
SPREAD["children_injured"] = (0, 1)


def figures_of(report: Incident) -> tuple[int, ...]:
    return tuple(getattr(report, name) for name in FIGURES)


def staff_report(reporter, verifier) -> Incident:
    """Entered by staff, submitted, then verified."""
    data = {
        "occurred_on": "2023-08-15",
        "region": region("UA46"),
        "settlement": "Lviv",
        "location_precision": "settlement",
        "incident_type": "missile_strike",
        "description": "Missile strike on a residential block.",
        **dict(zip(FIGURES, STAFF, strict=True)),
    }
    sources = [{"name": "Lviv Regional Military Administration", "url": SHARED_URL}]
    report = incident_report(by=reporter, data=data, sources=sources)
    assert report.status == "draft"
    record_submit(record=report, by=reporter)
    record_verify(record=report, by=verifier)
    report.refresh_from_db()
    assert (report.event_id, report.awaiting_match_since) == (None, None)
    return report


def partner_report() -> Incident:
    """Posted to the API with a partner's write key: the same settlement and day, no
    time, no shared link, so the matching can only queue it."""
    client = key_client(OrganisationFactory(name="Lviv partner"), "write")
    body = {
        "occurred_on": "2023-08-15",
        "incident_type": "missile_strike",
        "region": "UA-46",
        "settlement": "Lviv",
        **dict(zip(FIGURES, PARTNER, strict=True)),
        "sources": [{"name": "Partner field team", "url": "https://example.org/lviv-0815"}],
    }
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["awaiting_match"], data["event"]) == ("submitted", True, None)
    return Incident.objects.get(public_id=data["id"])


def ingest(name: str, format: str) -> IngestionRun:
    call_command("ingest", str(PAYLOADS / name), "--format", format, stdout=io.StringIO())
    run = IngestionRun.objects.latest("pk")
    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    return run


def acled_row() -> Incident:
    ingest("acled_export.csv", "acled")
    return Incident.objects.get(external_source="acled", external_id="UKR12002")


def hxl_row() -> Incident:
    ingest("incidents.hxl.csv", "hxl")
    return Incident.objects.get(external_id="ORG-2023-0001")


# Rows of the HXL file a day from rows of the ACLED file in the same place: possible
# repeats, left for a Verifier (they have nothing to do with the Lviv strike).
OTHER_POSSIBLE_REPEATS = ["ORG-2023-0003", "ORG-2023-0004", "ORG-2023-0005"]


def queued() -> list[str]:
    return sorted(report.external_id for report in match_queue())


def link_from_queue(client, report: Incident, candidate: Incident) -> None:
    """A Verifier's "same attack" in the duplicates queue."""
    assert list(match_queue()) == [report]
    response = client.post(
        QUEUE,
        {"report": report.pk, "candidate": candidate.pk, "decision": "same", "reason": "Same"},
    )
    assert response.status_code == 302


def refreshed(*reports: Incident) -> list[Incident]:
    return [Incident.objects.get(pk=report.pk) for report in reports]


@pytest.fixture
def admin_client(client, verifier):
    client.force_login(verifier)
    return client


def test_one_strike_from_four_sources_is_one_event_counted_once(admin_client, reporter, verifier):
    staff = staff_report(reporter, verifier)
    partner = partner_report()
    link_from_queue(admin_client, partner, staff)
    acled = acled_row()
    assert acled.awaiting_match_since is not None  # settlement, day and type only
    link_from_queue(admin_client, acled, staff)
    hxl = hxl_row()
    # The HXL row cites the post the staff report cites: linked as it is written.
    staff.refresh_from_db()
    assert (hxl.awaiting_match_since, hxl.event_id) == (None, staff.event_id)
    for report in (partner, acled, hxl):
        record_verify(record=Incident.objects.get(pk=report.pk), by=verifier)
    staff, partner, acled, hxl = reports = refreshed(staff, partner, acled, hxl)
    assert [figures_of(report) for report in reports] == [STAFF, PARTNER, ACLED, HXL]

    event = Event.objects.get()
    assert {report.event_id for report in reports} == {event.pk}
    assert queued() == OTHER_POSSIBLE_REPEATS
    assert event.lead_id == staff.pk
    assert event.public_id == staff.public_id  # formed from the report published first
    assert {name: getattr(event, name) for name in FIGURES} == PUBLISHED
    assert event.ranges == {name: [*SPREAD[name], 4] for name in FIGURES}
    assert Tombstone.objects.count() == 0  # no report published alone was absorbed
    assert_in_step()

    expected_row = events_row(event, reports)
    assert_counted_once_on_the_dashboards(admin_client)
    assert_counted_once_in_the_needs_and_summary(admin_client)
    assert_counted_once_in_the_severity()
    assert_events_endpoint(expected_row)
    assert_reports_name_their_event(event, reports)


def events_row(event: Event, reports: list[Incident]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": str(event.public_id),
        "occurred_on": "2023-08-15",
        "region": "UA46",
        "settlement": "Lviv",
        "location_precision": "settlement",
        "incident_type": "missile_strike",
        "sources": 4,
        "reports": [str(report.public_id) for report in reports],
        "status": "verified",
    }
    for name in FIGURES:
        row[name] = PUBLISHED[name]
        row[f"{name}_min"], row[f"{name}_max"] = SPREAD[name]
    return row


def assert_counted_once_on_the_dashboards(client) -> None:
    overview = client.get("/dashboards/", DAY)
    assert overview.status_code == 200
    summary = overview.context["summary"]
    counted = (summary.incidents, summary.killed, summary.injured)
    assert counted + (summary.children_killed, summary.children_injured) == (1, 3, 19, 0, 1)

    page = client.get("/dashboards/regions/UA46/", DAY)
    assert page.status_code == 200
    needs = page.context["row"].needs
    assert (needs.incidents, needs.killed, needs.injured, needs.children_injured) == (1, 3, 19, 1)
    assert [incident.settlement for incident in page.context["incidents"]] == ["Lviv"]
    table = page.content.decode().split('id="incidents"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 2  # the header and the one event
    assert "19 (0–19, 4 sources)" in table
    assert "<td>3</td>" in table  # killed: the sources agree, no range


def assert_counted_once_in_the_needs_and_summary(client) -> None:
    for reader in (client, key_client(OrganisationFactory(), "read")):
        rows = {row["pcode"]: row for row in reader.get("/api/v1/needs/", DAY).json()}
        lviv = rows["UA46"]
        assert {name: lviv[name] for name in ("incidents", *FIGURES)} == {
            "incidents": 1,
            **PUBLISHED,
        }
        assert sum(row["incidents"] for row in rows.values()) == 1
        summary = reader.get("/api/v1/summary/", DAY).json()
        assert {name: summary[name] for name in ("incidents", *FIGURES)} == {
            "incidents": 1,
            **PUBLISHED,
        }


def assert_counted_once_in_the_severity() -> None:
    period = Period(date_from=dt.date(2023, 8, 15), date_to=dt.date(2023, 8, 15))
    graded = {row.needs.pcode: row for row in needs_with_severity(period=period)}
    lviv = graded["UA46"]
    protection = next(sector for sector in SECTORS if sector.key == "protection")
    # Killed and injured as the event publishes them (3 + 19), not the four reports'
    # sum (12 + 46).
    assert lviv.values["protection"] == 22
    rate = per_100k(22, lviv.needs.population)
    assert lviv.levels["protection"] == severity(rate, protection.thresholds)
    assert sum(row.values["protection"] for row in graded.values()) == 22


def assert_events_endpoint(expected: dict[str, Any]) -> None:
    anonymous = APIClient()
    response = anonymous.get("/api/v1/events/", LVIV_DAY)
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    (row,) = page["results"]
    assert {name: row[name] for name in expected} == expected
    assert (row["latitude"], row["longitude"], row["occurred_at"]) == (None, None, None)
    # The national list of the day holds it once too (the other rows of the files
    # are awaiting review, which the public does not see).
    assert [row["id"] for row in anonymous.get("/api/v1/events/", DAY).json()["results"]] == [
        expected["id"]
    ]
    detail = anonymous.get(f"/api/v1/events/{expected['id']}/").json()
    assert {name: detail[name] for name in expected} == expected

    text = exported(anonymous, "csv")
    (line,) = list(csv.DictReader(io.StringIO(text)))
    assert line == {name: csv_cell(value) for name, value in row.items()}

    text = exported(anonymous, "hxl")
    header, tags, *lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == 1
    tagged = dict(zip(tags, lines[0], strict=True))
    assert tagged["#meta+id"] == expected["id"]
    assert (tagged["#affected+injured"], tagged["#affected+injured+min"]) == ("19", "0")
    assert tagged["#affected+injured+max"] == "19"
    assert tagged["#affected+injured+children+max"] == "1"
    assert tagged["#affected+killed+min"] == tagged["#affected+killed+max"] == "3"
    assert tagged["#meta+sources+num"] == "4"
    assert json.loads(tagged["#meta+id+reports+json"]) == expected["reports"]

    collection = json.loads(exported(anonymous, "geojson"))
    (feature,) = collection["features"]
    assert feature["id"] == expected["id"]
    assert feature["geometry"] is None
    properties = feature["properties"]
    assert {name: properties[name] for name in expected} == expected
    assert properties["geometry_missing_reason"] == "region_only"


def exported(client: APIClient, format: str) -> str:
    response = client.get("/api/v1/events/", {**LVIV_DAY, "format": format})
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def assert_reports_name_their_event(event: Event, reports: list[Incident]) -> None:
    staff = key_client(OrganisationFactory(), "read")
    rows = staff.get("/api/v1/incidents/", {**LVIV_DAY, "limit": 10}).json()["results"]
    by_id = {row["id"]: (row["event"], row["awaiting_match"]) for row in rows}
    assert by_id == {str(report.public_id): (str(event.public_id), False) for report in reports}


def test_a_different_attack_holds_when_both_files_are_ingested_again(
    admin_client, reporter, verifier
):
    staff = staff_report(reporter, verifier)
    partner = partner_report()
    link_from_queue(admin_client, partner, staff)
    acled = acled_row()
    assert list(match_queue()) == [acled]
    proposed = sorted(
        MatchCandidate.objects.filter(report=acled).values_list("candidate", flat=True)
    )
    assert proposed
    assert set(proposed) <= {staff.pk, partner.pk}
    response = admin_client.post(
        QUEUE, {"report": acled.pk, "decision": "different", "reason": "Another strike"}
    )
    assert response.status_code == 302
    hxl = hxl_row()
    for report in (partner, acled, hxl):
        record_verify(record=Incident.objects.get(pk=report.pk), by=verifier)

    def state() -> dict[str, Any]:
        reports = refreshed(staff, partner, acled, hxl)
        return {
            "events": list(Event.objects.values_list("pk", flat=True)),
            "links": [report.event_id for report in reports],
            "queue": queued(),
            "distinct": list(
                DistinctReports.objects.order_by("first").values_list("first", "second")
            ),
            "ids": sorted(
                row["id"] for row in APIClient().get("/api/v1/events/", LVIV_DAY).json()["results"]
            ),
        }

    before = state()
    event = Event.objects.get()
    assert before == {
        "events": [event.pk],
        "links": [event.pk, event.pk, None, event.pk],
        "queue": OTHER_POSSIBLE_REPEATS,
        "distinct": [(candidate, acled.pk) for candidate in proposed],
        "ids": sorted([str(event.public_id), str(acled.public_id)]),
    }
    for name, format in (("acled_export.csv", "acled"), ("incidents.hxl.csv", "hxl")):
        run = ingest(name, format)
        assert (run.created, run.updated) == (0, 0)
    assert state() == before
    assert Incident.objects.filter(external_id__in=["UKR12002", "ORG-2023-0001"]).count() == 2
    assert_in_step()
