"""Script injection, SQL-injection-looking filters, CSRF on state-changing views and open
redirects after login or a change of language."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from incidents.models import (
    Feed,
    Incident,
    IngestionIssue,
    IngestionRun,
    NeedsBaseline,
    Region,
    RegionBoundary,
)
from tests.factories import GrainShipmentFactory, IncidentFactory, ServiceDisruptionFactory, region
from tests.security.conftest import body_of

pytestmark = pytest.mark.django_db

SCRIPT = "</script><script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
PAYLOADS = (SCRIPT, IMG)
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


# ==========================================================================================
# XSS: text from the data renders escaped on every page that shows it
# ==========================================================================================


@pytest.fixture
def hostile(organisation):
    """Records, reference data and feed output whose text is markup."""
    incident = IncidentFactory(
        organisation=organisation,
        verified=True,
        region=region("UA46"),
        settlement=SCRIPT,
        description=IMG,
        occurred_on=dt.date(2023, 8, 16),
        injured=3,
    )
    draft = IncidentFactory(
        organisation=organisation, submitted=True, settlement=IMG, description=SCRIPT
    )
    ServiceDisruptionFactory(
        organisation=organisation,
        region=region("UA46"),
        settlement=IMG,
        facility=SCRIPT,
        people_affected=100,
        status="verified",
        verified_at=timezone.now(),
    )
    # Region names and boundary attribution come from boundary files; baselines and grain
    # shipments from outside feeds.
    Region.objects.filter(pcode="UA46").update(name_en=SCRIPT, name_uk=IMG)
    RegionBoundary.objects.create(
        region=region("UA46"),
        geometry={"type": "Polygon", "coordinates": [[[24, 49], [25, 49], [25, 50], [24, 49]]]},
        source=IMG,
    )
    NeedsBaseline.objects.create(
        region=region("UA46"), external_source=IMG, reference_year=2023, people_in_need=5
    )
    GrainShipmentFactory(commodity=SCRIPT, destination_country=IMG)
    run = IngestionRun.objects.create(
        format="acled", external_source=IMG, location=SCRIPT, trigger="upload"
    )
    IngestionIssue.objects.create(
        run=run, row_number=7, level="rejected", reason=IMG, raw={"location": SCRIPT}
    )
    feed = Feed.objects.create(
        name=SCRIPT, slug="hostile", format="acled", url="https://example.org/f.csv", alert=IMG
    )
    return {"incident": incident, "draft": draft, "run": run, "feed": feed}


def json_scripts(page: str) -> dict[str, Any]:
    """The figures embedded with json_script, decoded."""
    found = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', page, re.S)
    return {name: json.loads(text) for name, text in found}


def assert_escaped(page: str, *shown: str) -> None:
    """No payload as markup; each of ``shown`` present as escaped text (so it did render)."""
    for payload in PAYLOADS:
        assert payload not in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    for text in shown:
        assert escape(text) in page, text


def test_dashboard_overview_escapes_text_in_tables_and_embedded_json(client, analyst, hostile):
    client.force_login(analyst)
    page = client.get("/dashboards/").content.decode()
    assert_escaped(page, SCRIPT, IMG)  # region name in the tables, attribution
    figures = json_scripts(page)
    assert set(figures) == {
        "figure-map",
        "figure-matrix",
        "figure-weekly",
        "figure-outages",
        "figure-by_region",
    }
    # The names reach the charts intact, as data, inside JSON that cannot close its tag.
    assert SCRIPT in figures["figure-matrix"]["data"][0]["y"]
    assert "\\u003C/script\\u003E" in page


def test_dashboard_pages_escape_text_in_every_language(client, analyst, hostile, settings):
    settings.DASHBOARDS_PUBLIC = True
    for language in ("en", "uk"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        region_page = client.get("/dashboards/regions/UA46/").content.decode()
        # Settlement, description, facility; the region's name in either language; the
        # baseline's name.
        assert_escaped(region_page, SCRIPT, IMG)
        weekly = json_scripts(region_page)["figure-weekly"]["layout"]["title"]["text"]
        assert (SCRIPT if language == "en" else IMG) in weekly
        grain = client.get("/dashboards/grain/").content.decode()
        assert_escaped(grain, SCRIPT)
        assert any(SCRIPT in json.dumps(f) for f in json_scripts(grain).values())


def test_admin_incident_pages_escape_text(client, verifier, hostile):
    client.force_login(verifier)
    incident = hostile["incident"]
    pages = {
        "changelist": reverse("admin:incidents_incident_changelist"),
        "change": reverse("admin:incidents_incident_change", args=[incident.pk]),
        "history": reverse("admin:incidents_incident_history", args=[incident.pk]),
        "delete": reverse("admin:incidents_incident_delete", args=[incident.pk]),
        "disruptions": reverse("admin:incidents_servicedisruption_changelist"),
        "search": reverse("admin:incidents_incident_changelist") + "?q=" + quote(SCRIPT),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert_escaped(response.content.decode(), SCRIPT)
    change = client.get(pages["change"]).content.decode()
    assert f'value="{escape(SCRIPT)}"' in change
    assert f"{escape(IMG)}</textarea>" in change


def test_admin_reject_confirmation_escapes_text(client, verifier, hostile):
    client.force_login(verifier)
    response = client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "reject_selected", "_selected_action": [hostile["draft"].pk]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are rejecting 1 record:" in page
    assert_escaped(page, IMG)


def test_admin_ingestion_pages_escape_feed_content(client, verifier, hostile):
    client.force_login(verifier)
    pages = {
        # url: the text each shows (the runs list shows none of it, but must stay clean)
        reverse("admin:incidents_ingestionrun_change", args=[hostile["run"].pk]): PAYLOADS,
        reverse("admin:incidents_ingestionrun_changelist"): (),
        reverse("admin:incidents_ingestionissue_changelist"): PAYLOADS,
        reverse("admin:incidents_feed_changelist"): PAYLOADS,
        reverse("admin:incidents_feed_change", args=[hostile["feed"].pk]): PAYLOADS,
    }
    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), *shown)
    run_page = client.get(next(iter(pages))).content.decode()
    # The issues preview is built with format_html: the reason and raw values are escaped.
    assert f"<td>{escape(IMG)}</td>" in run_page


@pytest.mark.parametrize("who", ["anonymous", "verifier"])
def test_browsable_api_escapes_text(client, verifier, hostile, who):
    if who == "verifier":
        client.force_login(verifier)
    incident = hostile["incident"]
    for url in (
        "/api/v1/incidents/",
        f"/api/v1/incidents/{incident.public_id}/",
        "/api/v1/service-disruptions/",
        "/api/v1/grain-shipments/",
        "/api/v1/needs/",
    ):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert_escaped(response.content.decode())
    detail = client.get(f"/api/v1/incidents/{incident.public_id}/", HTTP_ACCEPT="text/html")
    page = detail.content.decode()
    assert escape(json.dumps(SCRIPT)[1:-1]) in page
    if who == "verifier":
        # The edit form of the browsable API (raw JSON: writes take JSON alone) holds the
        # values, escaped.
        form = page[page.index("<textarea") :]
        assert escape(SCRIPT) in form[: form.index("</textarea>")]


def test_api_exports_keep_markup_as_data(client, hostile):
    """CSV and GeoJSON are downloads (not HTML): the text is kept exactly, as data."""
    csv_response = client.get("/api/v1/incidents/", {"format": "csv"})
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == 'attachment; filename="incident.csv"'
    assert SCRIPT in body_of(csv_response)
    geojson = client.get("/api/v1/incidents/", {"format": "geojson"})
    assert geojson["Content-Type"] == "application/geo+json; charset=utf-8"
    features = json.loads(body_of(geojson))["features"]
    assert [feature["properties"]["settlement"] for feature in features] == [SCRIPT]


# ==========================================================================================
# SQL-injection-looking filter values: a 400 with field errors (or no match), never a 500
# ==========================================================================================

INJECTED_REGION = "UA46' OR 1=1--"
DATE_FORMAT_ERROR = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
DATETIME_FORMAT_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
INJECTED_DATE = "2023-01-01'"


@pytest.fixture
def published(organisation):
    return IncidentFactory(organisation=organisation, verified=True, region=region("UA46"))


API_FILTERS = [
    # (url, query, status, field errors (or None: the ids of the results))
    (
        "/api/v1/incidents/",
        {"date_from": INJECTED_DATE},
        400,
        {"date_from": ["Enter a valid date."]},
    ),
    (
        "/api/v1/incidents/",
        {"date_to": "2023-01-01' OR '1'='1"},
        400,
        {"date_to": ["Enter a valid date."]},
    ),
    (
        "/api/v1/incidents/",
        {"updated_since": "2023-01-01T00:00:00Z' OR 1=1--"},
        400,
        {"updated_since": ["Enter a valid date/time."]},
    ),
    (
        "/api/v1/incidents/",
        {"status": "verified' OR 1=1--"},
        400,
        {
            "status": [
                "Select a valid choice. verified' OR 1=1-- is not one of the available choices."
            ]
        },
    ),
    (
        "/api/v1/incidents/",
        {"type": "missile_strike'--"},
        400,
        {"type": ["Select a valid choice. missile_strike'-- is not one of the available choices."]},
    ),
    (
        "/api/v1/incidents/",
        {"region' OR 1=1--": "UA46"},
        400,
        {"region' OR 1=1--": ["Unknown filter."]},
    ),
    # A region code is matched as a code: an unknown one is named in a 400.
    (
        "/api/v1/incidents/",
        {"region": INJECTED_REGION},
        400,
        {"region": [f"Unknown region code: {INJECTED_REGION}."]},
    ),
    (
        "/api/v1/incidents/",
        {"region": "UA46,' OR 1=1--"},
        400,
        {"region": ["Unknown region code: ' OR 1=1--."]},
    ),
    ("/api/v1/incidents/", {"search": "' OR 1=1--"}, 200, []),
    ("/api/v1/incidents/", {"search": "%' OR '%'='"}, 200, []),
    # Orderings outside the allowed fields are ignored; the default order stays.
    (
        "/api/v1/incidents/",
        {"ordering": "killed;DROP TABLE incidents_incident--"},
        200,
        ["published"],
    ),
    ("/api/v1/incidents/", {"ordering": "organisation__apikey__hashed_key"}, 200, ["published"]),
    (
        "/api/v1/service-disruptions/",
        {"region": INJECTED_REGION},
        400,
        {"region": [f"Unknown region code: {INJECTED_REGION}."]},
    ),
    (
        "/api/v1/service-disruptions/",
        {"started_from": INJECTED_DATE},
        400,
        {"started_from": ["Enter a valid date/time."]},
    ),
    (
        "/api/v1/needs/",
        {"date_from": INJECTED_DATE},
        400,
        {"date_from": [DATE_FORMAT_ERROR]},
    ),
    ("/api/v1/needs/", {"region": INJECTED_REGION}, 400, {"region": ["Unknown filter."]}),
    (
        "/api/v1/summary/",
        {"date_to": INJECTED_DATE},
        400,
        {"date_to": [DATE_FORMAT_ERROR]},
    ),
    (
        "/api/v1/summary/",
        {"as_of": "now' OR 1=1--"},
        400,
        {"as_of": [DATETIME_FORMAT_ERROR]},
    ),
    ("/api/v1/tombstones/", {"since": INJECTED_DATE}, 400, {"since": ["Enter a valid date/time."]}),
]


@pytest.mark.parametrize(("url", "query", "status", "expected"), API_FILTERS)
def test_api_filters_with_injected_values(client, published, url, query, status, expected):
    response = client.get(url, query)
    assert response.status_code == status, response.content
    data = response.json()
    if status == 400:
        assert data == expected
    else:
        ids = [row["id"] for row in data["results"]]
        assert ids == [str(published.public_id) for name in expected if name == "published"]
    assert Incident.objects.filter(pk=published.pk).exists()


DASHBOARD_FILTERS = [
    # (url, query, status, fields with errors)
    ("/dashboards/", {"region": INJECTED_REGION}, 400, {"region"}),
    ("/dashboards/", {"date_from": INJECTED_DATE}, 400, {"date_from"}),
    ("/dashboards/", {"date_to": "2023-01-01' OR '1'='1"}, 400, {"date_to"}),
    ("/dashboards/", {"type": "missile_strike' OR 1=1--"}, 400, {"type"}),
    ("/dashboards/", {"metric": "killed'--"}, 400, {"metric"}),
    ("/dashboards/", {"region": INJECTED_REGION, "download": "needs"}, 400, {"region"}),
    ("/dashboards/regions/UA46/", {"date_from": INJECTED_DATE}, 400, {"date_from"}),
    ("/dashboards/grain/", {"date_from": INJECTED_DATE}, 400, {"date_from"}),
    ("/dashboards/grain/", {"region": INJECTED_REGION}, 400, {"region"}),
]


@pytest.mark.parametrize(("url", "query", "status", "fields"), DASHBOARD_FILTERS)
def test_dashboard_filters_with_injected_values(
    client, analyst, published, url, query, status, fields
):
    client.force_login(analyst)
    response = client.get(url, query)
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"  # the page, not a download
    assert set(response.context["form"].errors) == fields
    assert "summary" not in response.context


def test_dashboard_region_path_with_injected_code_is_not_found(client, analyst, published):
    client.force_login(analyst)
    response = client.get("/dashboards/regions/" + quote(INJECTED_REGION) + "/")
    assert response.status_code == 404


ADMIN_FILTERS = [
    # (query, status, records listed)
    ({"q": "' OR 1=1--"}, 200, 0),
    ({"q": "%"}, 200, 0),
    ({"status__exact": "verified' OR 1=1--"}, 200, 0),
    ({"region__id__exact": "1 OR 1=1"}, 302, None),  # the admin's "?e=1" for bad lookups
    ({"occurred_on__gte": INJECTED_DATE}, 302, None),
    ({"o": "1;DROP TABLE incidents_incident"}, 200, 1),
]


@pytest.mark.parametrize(("query", "status", "listed"), ADMIN_FILTERS)
def test_admin_changelist_with_injected_values(client, verifier, published, query, status, listed):
    client.force_login(verifier)
    url = reverse("admin:incidents_incident_changelist")
    response = client.get(url, query)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"{url}?e=1"
    else:
        assert response.context["cl"].result_count == listed
    assert Incident.objects.count() == 1


# ==========================================================================================
# CSRF: state-changing views refuse a POST without the token
# ==========================================================================================


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token_from(client: Client, url: str) -> str:
    """The token of a page's form, as a browser on our own site would send it."""
    page = client.get(url)
    assert page.status_code == 200
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match, url
    return match.group(1)


def incident_form(incident: Incident, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "occurred_on": incident.occurred_on.isoformat(),
        "occurred_at_0": "",
        "occurred_at_1": "",
        "date_precision": incident.date_precision,
        "region": incident.region_id,
        "settlement": incident.settlement,
        "latitude": "",
        "longitude": "",
        "location_precision": incident.location_precision,
        "incident_type": incident.incident_type,
        "attack_wave": "",
        "weapons_launched": "",
        "weapons_intercepted": "",
        "description": incident.description,
        "killed": incident.killed,
        "children_killed": incident.children_killed,
        "injured": incident.injured,
        "children_injured": incident.children_injured,
        "external_source": "",
        "external_id": "",
        "organisation": incident.organisation_id,
        "change_reason": "",
    }
    for prefix in ("assets", "disruptions", "sources"):
        counts = {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}
        data |= {f"{prefix}-{name}": count for name, count in counts.items()}
    return {**data, **changes}


def test_admin_change_form_needs_the_csrf_token(verifier, organisation):
    incident = IncidentFactory(organisation=organisation, settlement="Before")
    client = csrf_client(verifier)
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    data = incident_form(incident, settlement="After")

    refused = client.post(url, data)
    assert refused.status_code == 403
    incident.refresh_from_db()
    assert incident.settlement == "Before"

    accepted = client.post(url, {**data, "csrfmiddlewaretoken": token_from(client, url)})
    assert accepted.status_code == 302
    incident.refresh_from_db()
    assert incident.settlement == "After"


def test_admin_bulk_action_needs_the_csrf_token(verifier, organisation):
    incident = IncidentFactory(organisation=organisation, submitted=True)
    client = csrf_client(verifier)
    url = reverse("admin:incidents_incident_changelist")
    data = {"action": "verify_selected", "_selected_action": [incident.pk]}

    assert client.post(url, data).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "submitted"

    accepted = client.post(url, {**data, "csrfmiddlewaretoken": token_from(client, url)})
    assert accepted.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "verified"


def test_admin_reject_confirmation_needs_the_csrf_token(verifier, organisation):
    incident = IncidentFactory(organisation=organisation, submitted=True)
    client = csrf_client(verifier)
    url = reverse("admin:incidents_incident_changelist")
    data = {
        "action": "reject_selected",
        "_selected_action": [incident.pk],
        "confirm": "yes",
        "reason": "Not an attack on civilians",
    }

    assert client.post(url, data).status_code == 403
    incident.refresh_from_db()
    assert (incident.status, incident.rejection_reason) == ("submitted", "")

    accepted = client.post(url, {**data, "csrfmiddlewaretoken": token_from(client, url)})
    assert accepted.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.rejection_reason) == (
        "rejected",
        "Not an attack on civilians",
    )


def test_admin_ingestion_upload_needs_the_csrf_token(verifier, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = csrf_client(verifier)
    url = reverse("admin:incidents_ingestionrun_add")

    def data() -> dict[str, Any]:
        return {
            "file": SimpleUploadedFile("rows.csv", b"event_id_cnty\n", content_type="text/csv"),
            "format": "acled",
            "feed": "",
            "external_source": "",
            "record_status": "verified",
            "organisation": "",
            "_save": "Save",
        }

    assert client.post(url, data()).status_code == 403
    assert IngestionRun.objects.count() == 0

    accepted = client.post(url, {**data(), "csrfmiddlewaretoken": token_from(client, url)})
    assert accepted.status_code == 302
    assert IngestionRun.objects.count() == 1


def test_set_language_and_logout_need_the_csrf_token(verifier):
    client = csrf_client(verifier)
    assert client.post("/i18n/setlang/", {"language": "uk", "next": "/"}).status_code == 403
    assert "django_language" not in client.cookies
    assert client.post(reverse("admin:logout")).status_code == 403
    assert "_auth_user_id" in client.session


def test_api_session_writes_need_the_csrf_token_but_api_keys_do_not(reporter, organisation):
    from tests.security.conftest import api_key_client

    report = {"occurred_on": "2023-10-01", "incident_type": "drone_strike"}
    session = Client(enforce_csrf_checks=True)
    session.force_login(reporter)
    refused = session.post("/api/v1/incidents/", report, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF Failed")
    assert Incident.objects.count() == 0
    # A key travels in a header a browser never adds by itself: no cookie, no CSRF risk.
    keyed = api_key_client(organisation, "write", enforce_csrf_checks=True)
    assert keyed.post("/api/v1/incidents/", report, format="json").status_code == 201
    assert Incident.objects.count() == 1


# ==========================================================================================
# Open redirects: after logging in, and after changing the language
# ==========================================================================================

OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("where", ["query", "form"])
@pytest.mark.parametrize("target", OFF_SITE)
def test_admin_login_never_redirects_off_site(client, verifier, target, where):
    url = "/admin/login/"
    credentials = {"username": verifier.username, "password": PASSWORD}
    if where == "query":
        response = client.post(f"{url}?next={quote(target, safe='')}", credentials)
    else:
        response = client.post(url, {**credentials, "next": target})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(verifier.pk)  # the login itself worked
    # An unsafe "next" is dropped for LOGIN_REDIRECT_URL: the admin's index.
    assert response["Location"] == "/admin/"


def test_admin_login_follows_a_local_next(client, verifier):
    response = client.post(
        "/admin/login/?next=/dashboards/%3Ftype%3Ddrone_strike",
        {"username": verifier.username, "password": PASSWORD},
    )
    assert (response.status_code, response["Location"]) == (302, "/dashboards/?type=drone_strike")


@pytest.mark.parametrize("target", OFF_SITE)
def test_admin_login_page_when_already_logged_in_stays_on_site(client, verifier, target):
    client.force_login(verifier)
    response = client.get("/admin/login/", {"next": target})
    assert (response.status_code, response["Location"]) == (302, "/admin/")


@pytest.mark.parametrize("target", OFF_SITE)
def test_set_language_never_redirects_off_site(client, target):
    response = client.post(
        "/i18n/setlang/", {"language": "uk", "next": target}, HTTP_REFERER="https://evil.example/"
    )
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.cookies["django_language"].value == "uk"


def test_set_language_returns_to_the_page_on_site(client):
    response = client.post("/i18n/setlang/", {"language": "uk", "next": "/dashboards/"})
    assert (response.status_code, response["Location"]) == (302, "/dashboards/")
