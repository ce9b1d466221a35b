"""The OpenAPI description as generated clients read it: JSON-only writes, nullable where
data are null, every error answer documented; and malformed paging or an inverted period
refused with a message instead of silently ignored."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import GrainDisruptionFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/"
ERRORS = {"400", "401", "403", "404", "406", "429"}
BODY_ERRORS = {"411", "413", "415"}


@pytest.fixture
def schema(anonymous):
    return anonymous.get(f"{API}schema/", {"format": "json"}).json()


def test_writes_take_json_alone(schema):
    incidents = schema["paths"]["/api/v1/incidents/"]
    detail = schema["paths"]["/api/v1/incidents/{id}/"]
    for operation in (incidents["post"], detail["put"], detail["patch"]):
        assert list(operation["requestBody"]["content"]) == ["application/json"]


def test_a_null_port_is_nullable_in_the_schema_and_in_the_data(schema, anonymous):
    assert schema["components"]["schemas"]["GrainDisruption"]["properties"]["port"] == {
        "type": "string",
        "readOnly": True,
        "nullable": True,
    }
    GrainDisruptionFactory(status="verified", verified_at=timezone.now(), port=None)
    assert anonymous.get(f"{API}grain-disruptions/").json()["results"][0]["port"] is None


def test_every_operation_documents_its_error_answers(schema):
    assert "Error" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            expected = ERRORS | (BODY_ERRORS if "requestBody" in operation else set())
            assert expected <= set(operation["responses"]), (method, path)
            for status in expected:
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/json"], (method, path, status)
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_anyone_may_read_incidents_and_the_schema_says_so(schema):
    for path in ("/api/v1/incidents/", "/api/v1/incidents/{id}/"):
        assert {} in schema["paths"][path]["get"]["security"]
    assert {} not in schema["paths"]["/api/v1/incidents/"]["post"]["security"]


def test_a_created_incident_links_to_its_reads_and_edits(schema):
    links = schema["paths"]["/api/v1/incidents/"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "incidents_retrieve",
        "incidents_update",
        "incidents_partial_update",
    }
    assert {link["parameters"]["id"] for link in links.values()} == {"$response.body#/id"}


def test_paging_parameters_state_their_bounds(schema):
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]
    }
    assert parameters["limit"]["minimum"] == 1
    assert parameters["offset"]["minimum"] == 0
    assert parameters["cursor"]["minLength"] == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "false"}, {"limit": ["Must be a whole number of at least 1, such as 50."]}),
        ({"limit": "2.2e-308"}, {"limit": ["Must be a whole number of at least 1, such as 50."]}),
        ({"limit": "0"}, {"limit": ["Must be a whole number of at least 1, such as 50."]}),
        ({"limit": ""}, {"limit": ["Must be a whole number of at least 1, such as 50."]}),
        ({"offset": "null"}, {"offset": ["Must be a whole number of at least 0, such as 100."]}),
        ({"offset": "-1"}, {"offset": ["Must be a whole number of at least 0, such as 100."]}),
        ({"offset": "10000000000000"}, {"offset": ["At most 1000000000000."]}),
        ({"cursor": ""}, {"cursor": ["Empty cursor: leave cursor out for the first page."]}),
        (
            {"cursor": "bm90IGEgY3Vyc29y"},
            {"cursor": ["Invalid cursor: use the next or previous link of a page as it is."]},
        ),
    ],
)
@pytest.mark.parametrize("table", ["incidents", "sources", "tombstones"])
def test_malformed_paging_is_a_400_with_a_message(anonymous, table, query, message):
    response = anonymous.get(f"{API}{table}/", query)
    assert response.status_code == 400
    assert response.json() == message


@pytest.mark.parametrize(
    ("url", "start", "end"),
    [
        ("incidents/", "date_from", "date_to"),
        ("grain-disruptions/", "date_from", "date_to"),
        ("grain-shipments/", "date_from", "date_to"),
        ("needs/", "date_from", "date_to"),
        ("summary/", "date_from", "date_to"),
    ],
)
def test_an_inverted_period_is_a_400_with_a_message(anonymous, url, start, end):
    response = anonymous.get(f"{API}{url}", {start: "2023-02-01", end: "2023-01-31"})
    assert response.status_code == 400
    assert response.json() == {end: [f"Must not be before {start}."]}
    same_day = anonymous.get(f"{API}{url}", {start: "2023-02-01", end: "2023-02-01"})
    assert same_day.status_code == 200


def test_an_inverted_moment_range_is_a_400(anonymous):
    response = anonymous.get(
        f"{API}service-disruptions/",
        {"started_from": "2023-02-01T00:00:00Z", "started_to": "2023-01-01T00:00:00Z"},
    )
    assert response.status_code == 400
    assert response.json() == {"started_to": ["Must not be before started_from."]}


@pytest.mark.parametrize("parameter", ["date_from", "updated_since", "status", "incident"])
def test_an_empty_value_of_a_filter_that_is_not_text_is_a_400(anonymous, parameter):
    url = f"{API}sources/" if parameter == "incident" else f"{API}incidents/"
    response = anonymous.get(url, {parameter: ""})
    assert response.status_code == 400
    assert response.json() == {parameter: ["Give a value, or leave the parameter out."]}
