"""Every error is a clean 4xx in JSON, whatever format was asked for: errors of any shape,
bodies nested too deep, too large, or sent in chunks Django cannot read."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from rest_framework.exceptions import ErrorDetail

from accounts.models import OrganisationAPIKey
from incidents.api.formats import CSVRenderer, GeoJSONRenderer, HXLRenderer
from incidents.models import Incident
from tests.factories import IncidentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/"
EXPORTABLE = [
    "incidents",
    "regions",
    "service-disruptions",
    "damaged-assets",
    "attack-waves",
    "grain-disruptions",
    "grain-shipments",
    "sources",
]
REPORT = {"occurred_on": "2023-08-15", "incident_type": "other", "region": "UA46"}


@pytest.mark.parametrize("table", EXPORTABLE)
@pytest.mark.parametrize("export", ["csv", "hxl", "json"])
def test_a_null_character_in_search_is_a_400_in_json(anonymous, table, export):
    response = anonymous.get(f"{API}{table}/", {"search": "\x00", "format": export})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"search": ["Null characters are not allowed."]}


@pytest.mark.parametrize("export", ["csv", "hxl", "geojson"])
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("incidents/?nonsense=1", 400),  # messages by field
        ("incidents/?limit=x", 400),
        ("incidents/00000000-0000-0000-0000-000000000000/", 404),  # a detail message
        ("needs/?date_from=2023-02-01&date_to=2023-01-01", 400),
    ],
)
def test_errors_are_json_objects_whatever_the_format(anonymous, url, status, export):
    separator = "&" if "?" in url else "?"
    response = anonymous.get(f"{API}{url}{separator}format={export}")
    if export == "geojson" and url.startswith("needs/"):
        status = 404  # no map of the aggregates
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize("renderer", [CSVRenderer(), HXLRenderer(), GeoJSONRenderer()])
@pytest.mark.parametrize(
    "data",
    [
        {"detail": ErrorDetail("Not found.", code="not_found")},
        {"limit": [ErrorDetail("Must be a whole number.", code="invalid")]},
        [ErrorDetail("Null characters are not allowed.", code="null_characters_not_allowed")],
        ErrorDetail("Throttled.", code="throttled"),
        "plain text",
        None,
    ],
)
def test_renderers_write_any_shape_they_are_handed(renderer, data):
    output = renderer.render(data, renderer.media_type, {})
    text = output.decode() if isinstance(output, bytes) else output
    if data and renderer.format == "geojson":
        assert json.loads(text) == json.loads(json.dumps(data))
    elif data:
        assert next(iter(data if isinstance(data, dict) else ["detail"])) in text.splitlines()[0]


def test_json_nested_too_deep_is_a_400(partner_a):
    response = partner_a.post(
        f"{API}incidents/", "[" * 950 + "]" * 950, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested deeper than 32 levels."}
    deep: list = [1]
    for _ in range(30):
        deep = [deep]
    nested = {**REPORT, "sources": [{"name": {"a": deep}}]}  # 34 levels
    assert partner_a.post(f"{API}incidents/", nested, format="json").status_code == 400
    assert Incident.objects.count() == 0


def test_a_body_over_the_size_limit_is_a_json_413(partner_a):
    payload = {**REPORT, "description": "x" * 10_000_000}
    response = partner_a.post(f"{API}incidents/", payload, format="json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is larger than 2097152 bytes."}
    assert Incident.objects.count() == 0


def test_form_and_multipart_bodies_are_refused(partner_a):
    response = partner_a.post(f"{API}incidents/", REPORT, format="multipart")
    assert response.status_code == 415
    assert Incident.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chunked_body_is_refused_not_dropped(live_server):
    organisation = OrganisationFactory()
    incident = IncidentFactory(organisation=organisation, settlement="Lviv")
    _, key = OrganisationAPIKey.objects.create_key(
        name="chunked", organisation=organisation, scope="write"
    )
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    body = json.dumps({"settlement": "Zolochiv"}).encode()
    connection.request(
        "PATCH",
        f"{API}incidents/{incident.public_id}/",
        body=iter([body]),  # an iterable body goes out chunked, without a Content-Length
        headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert response.status == 411
    assert json.loads(response.read())["detail"].startswith("Send the request body with")
    connection.close()
    incident.refresh_from_db()
    assert incident.settlement == "Lviv"


@pytest.mark.parametrize("url", ["nowhere/", "feeds/1.2.3/", "incidents/a%2Fb/"])
def test_an_address_under_the_api_that_matches_nothing_is_a_json_404(anonymous, url):
    response = anonymous.get(f"{API}{url}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_undeclared_method_is_a_405_even_with_an_unknown_format(partner_a):
    response = partner_a.generic("TRACE", f"{API}sources/?format=acled")
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("url", "parameter"),
    [("grain-shipments/", "is_wfp"), ("service-disruptions/", "is_ongoing")],
)
@pytest.mark.parametrize("value", ["null", "maybe", "1"])
def test_a_yes_or_no_filter_takes_true_or_false_only(anonymous, url, parameter, value):
    response = anonymous.get(f"{API}{url}", {parameter: value})
    assert response.status_code == 400
    assert response.json() == {parameter: ["Must be true or false."]}


@pytest.mark.parametrize("url", ["needs/", "summary/"])
def test_an_empty_period_bound_of_the_aggregates_is_a_400(anonymous, url):
    response = anonymous.get(f"{API}{url}", {"date_to": ""})
    assert response.status_code == 400
    assert response.json() == {"date_to": ["Give a value, or leave the parameter out."]}
