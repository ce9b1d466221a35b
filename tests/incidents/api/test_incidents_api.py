"""The incidents endpoint as a partner sees it: visibility, writes, filters, errors, formats."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid

import pytest

from accounts.models import OrganisationAPIKey
from incidents.models import Incident
from tests.factories import DamagedAssetFactory, IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def records(organisation, other_organisation):
    return {
        "a_draft": IncidentFactory(organisation=organisation),
        "a_submitted": IncidentFactory(organisation=organisation, submitted=True),
        "a_verified": IncidentFactory(organisation=organisation, verified=True),
        "b_draft": IncidentFactory(organisation=other_organisation),
        "b_verified": IncidentFactory(organisation=other_organisation, verified=True),
        "b_rejected": IncidentFactory(
            organisation=other_organisation, status="rejected", rejection_reason="duplicate"
        ),
    }


def names(records, response) -> set[str]:
    found = ids(response)
    return {name for name, incident in records.items() if str(incident.public_id) in found}


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("anonymous", {"a_verified", "b_verified"}),
        ("partner_a", {"a_draft", "a_submitted", "a_verified", "b_verified"}),
        ("partner_a_read", {"a_draft", "a_submitted", "a_verified", "b_verified"}),
        ("partner_b", {"a_verified", "b_draft", "b_verified", "b_rejected"}),
        ("staff", {"a_draft", "a_submitted", "a_verified", "b_draft", "b_verified", "b_rejected"}),
    ],
)
def test_who_sees_which_incidents(request, records, client_name, expected):
    client = request.getfixturevalue(client_name)
    response = client.get(URL)
    assert response.status_code == 200
    assert names(records, response) == expected
    assert response.json()["count"] == len(expected)


def test_another_organisations_draft_is_not_found_by_id(partner_a, records):
    response = partner_a.get(f"{URL}{records['b_draft'].public_id}/")
    assert response.status_code == 404
    assert partner_a.get(f"{URL}{records['b_verified'].public_id}/").status_code == 200


def test_reporter_identity_is_never_shown(anonymous, records, verifier):
    Incident.objects.filter(pk=records["a_verified"].pk).update(created_by=verifier)
    data = anonymous.get(f"{URL}{records['a_verified'].public_id}/").json()
    assert "created_by" not in data
    assert "verifier" not in json.dumps(data)


def test_detail_nests_assets_disruptions_and_sources(anonymous, organisation):
    incident = IncidentFactory(organisation=organisation, verified=True)
    DamagedAssetFactory(incident=incident, count=120)
    ServiceDisruptionFactory(
        incident=incident,
        organisation=organisation,
        status="verified",
        verified_at=incident.verified_at,
    )
    ServiceDisruptionFactory(incident=incident, organisation=organisation)  # a draft: hidden
    data = anonymous.get(f"{URL}{incident.public_id}/").json()
    assert [asset["count"] for asset in data["assets"]] == [120]
    assert len(data["disruptions"]) == 1
    assert data["region"] == "UA46"


def test_partner_with_write_scope_submits_a_report(partner_a, organisation):
    payload = {
        "occurred_on": "2023-08-15",
        "incident_type": "missile_strike",
        "region": "UA-07",
        "settlement": "Lutsk",
        "killed": 3,
        "sources": [{"name": "SKF", "url": "https://example.org/skf"}],
    }
    response = partner_a.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["region"], data["organisation"]) == (
        "submitted",
        "UA07",
        organisation.name,
    )
    incident = Incident.objects.get(public_id=data["id"])
    assert (incident.organisation, incident.sources.get().name) == (organisation, "SKF")


def test_status_organisation_and_verifier_cannot_be_assigned(partner_a, other_organisation):
    payload = {
        "occurred_on": "2023-08-15",
        "incident_type": "drone_strike",
        "status": "verified",
        "organisation": other_organisation.pk,
        "verified_by": 1,
    }
    response = partner_a.post(URL, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "organisation", "verified_by"}
    assert Incident.objects.count() == 0


def test_invalid_reports_get_field_errors_not_500(partner_a):
    bad = {"occurred_on": "yesterday", "incident_type": "laser", "killed": -1, "region": "XX"}
    response = partner_a.post(URL, bad, format="json")
    assert response.status_code == 400
    assert {"occurred_on", "incident_type", "killed", "region"} <= set(response.json())
    # A rule across fields, checked by the model: a 400 too.
    response = partner_a.post(
        URL,
        {"occurred_on": "2023-08-15", "incident_type": "other", "killed": 1, "children_killed": 2},
        format="json",
    )
    assert response.status_code == 400
    assert "Children killed cannot exceed the number killed." in json.dumps(response.json())
    assert Incident.objects.count() == 0


def test_read_scope_and_anonymous_cannot_write(partner_a_read, anonymous):
    payload = {"occurred_on": "2023-08-15", "incident_type": "other"}
    assert partner_a_read.post(URL, payload, format="json").status_code == 403
    assert anonymous.post(URL, payload, format="json").status_code == 401
    assert Incident.objects.count() == 0


def test_wrong_or_revoked_key_is_401(organisation, records):
    from tests.incidents.api.conftest import key_client

    client = key_client(organisation, "read")
    OrganisationAPIKey.objects.update(revoked=True)
    assert client.get(URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Api-Key not.a-key")
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_partner_edits_own_unverified_reports_only(partner_a, records):
    for name in ("a_draft", "a_submitted"):
        url = f"{URL}{records[name].public_id}/"
        response = partner_a.patch(url, {"injured": 7}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["injured"] == 7
    verified = partner_a.patch(f"{URL}{records['a_verified'].public_id}/", {"injured": 7})
    assert verified.status_code == 403
    other = partner_a.patch(f"{URL}{records['b_draft'].public_id}/", {"injured": 7})
    assert other.status_code == 404
    assert Incident.objects.get(pk=records["a_verified"].pk).injured == 2
    assert Incident.objects.get(pk=records["b_draft"].pk).injured == 2


def test_partner_cannot_verify_by_editing(partner_a, records):
    url = f"{URL}{records['a_submitted'].public_id}/"
    response = partner_a.patch(url, {"status": "verified"}, format="json")
    assert response.status_code == 400
    assert Incident.objects.get(pk=records["a_submitted"].pk).status == "submitted"


def test_filters(anonymous, organisation):
    lviv = IncidentFactory(organisation=organisation, verified=True, region=region("UA46"))
    kyiv = IncidentFactory(
        organisation=organisation,
        verified=True,
        region=region("UA80"),
        incident_type="drone_strike",
        occurred_on="2023-10-01",
    )
    assert ids(anonymous.get(URL, {"region": "UA46"})) == {str(lviv.public_id)}
    assert ids(anonymous.get(URL, {"region": "UA-30"})) == {str(kyiv.public_id)}
    assert ids(anonymous.get(URL, {"type": "drone_strike"})) == {str(kyiv.public_id)}
    assert ids(anonymous.get(URL, {"date_from": "2023-09-01"})) == {str(kyiv.public_id)}
    assert ids(anonymous.get(URL, {"updated_since": "2000-01-01T00:00:00Z"})) == {
        str(lviv.public_id),
        str(kyiv.public_id),
    }
    assert ids(anonymous.get(URL, {"updated_since": "2999-01-01T00:00:00Z"})) == set()


@pytest.mark.parametrize(
    "query",
    [{"regoin": "UA46"}, {"date_from": "not-a-date"}, {"type": "laser"}, {"updated_since": "x"}],
)
def test_unknown_filters_and_bad_values_are_400(anonymous, query):
    assert anonymous.get(URL, query).status_code == 400


def test_pagination_has_a_default_and_a_hard_maximum(anonymous, organisation):
    IncidentFactory.create_batch(3, organisation=organisation, verified=True)
    page = anonymous.get(URL, {"limit": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"] is not None
    huge = anonymous.get(URL, {"limit": 10**9})
    assert huge.status_code == 200
    assert len(huge.json()["results"]) == 3
    assert anonymous.get(URL, {"offset": 10_000}).json()["results"] == []
    # Deeper than that, a page is reached through its cursor, not by skipping rows.
    deep = anonymous.get(URL, {"offset": 10_001})
    assert deep.status_code == 400
    assert list(deep.json()) == ["offset"]


def test_list_query_count_does_not_grow_with_the_page(
    anonymous, organisation, django_assert_max_num_queries
):
    IncidentFactory.create_batch(60, organisation=organisation, verified=True)
    with django_assert_max_num_queries(3):
        assert len(anonymous.get(URL, {"limit": 50}).json()["results"]) == 50


def test_csv_export_streams_the_filtered_visible_rows(anonymous, records):
    response = anonymous.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert {row["id"] for row in rows} == {
        str(records["a_verified"].public_id),
        str(records["b_verified"].public_id),
    }
    assert rows[0]["region"] == "UA46"


def test_hxl_export_is_valid_hxl(anonymous, records):
    hxl = pytest.importorskip("hxl")
    text = body(anonymous.get(URL, {"format": "hxl"}))
    dataset = hxl.data(hxl.input.make_input(io.BytesIO(text.encode()), hxl.InputOptions()))
    tags = [str(column) for column in dataset.columns]
    assert "#adm1+code" in tags
    assert "#affected+killed" in tags
    values = sorted(dataset.get_value_set("#meta+id-external"))
    assert values == sorted(
        [str(records["a_verified"].public_id), str(records["b_verified"].public_id)]
    )


def test_geojson_export_is_a_feature_collection_in_lon_lat(anonymous, organisation):
    IncidentFactory(
        organisation=organisation, verified=True, latitude="49.8397", longitude="24.0297"
    )
    IncidentFactory(organisation=organisation, verified=True)
    collection = json.loads(body(anonymous.get(URL, {"format": "geojson"})))
    assert collection["type"] == "FeatureCollection"
    geometries = [feature["geometry"] for feature in collection["features"]]
    assert {"type": "Point", "coordinates": [24.0297, 49.8397]} in geometries
    assert None in geometries


def test_unknown_id_is_404(anonymous):
    assert anonymous.get(f"{URL}{uuid.uuid4()}/").status_code == 404
    assert anonymous.get(f"{URL}not-a-uuid/").status_code == 404


def test_openapi_schema_describes_the_filters(anonymous):
    response = anonymous.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"region", "date_from", "date_to", "type", "updated_since", "limit"} <= parameters


def test_interactive_docs_load_their_assets_from_our_own_static_files(anonymous):
    page = anonymous.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    # No address on a CDN (a random CSRF token may hold the letters, never "//").
    assert not re.search(r"//[^\s\"'<>]*cdn", page, flags=re.IGNORECASE)


def test_oversized_request_bodies_are_refused(partner_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = {"occurred_on": "2023-08-15", "incident_type": "other", "description": "x" * 20_000}
    response = partner_a.post(URL, payload, format="json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 10000 bytes."}
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        # Offsets ISO 8601 allows but PostgreSQL refuses, found by fuzzing.
        f"{URL}?updated_since=0746-04-13T04%3A45%3A24-16%3A48",
        f"{URL}?updated_since=0001-01-01T00%3A00%3A00%2B05%3A00",
        f"{URL}?updated_since=9999-12-31T23%3A00%3A00-05%3A00",
        f"{URL}?date_to=0001-01-01",
        "/api/v1/needs/?as_of=0001-01-01T00%3A00%3A00%2B05%3A00",
        "/api/v1/tombstones/?since=0746-04-13T04%3A45%3A24-16%3A48",
    ],
)
def test_extreme_dates_are_answered_not_crashed_on(anonymous, url):
    assert anonymous.get(url).status_code in (200, 400)


def test_history_names_the_partner_key_that_made_a_change(partner_a, organisation):
    payload = {"occurred_on": "2023-08-15", "incident_type": "drone_strike", "injured": 1}
    created = partner_a.post(URL, payload, format="json").json()
    partner_a.patch(f"{URL}{created['id']}/", {"injured": 4}, format="json")
    history = Incident.objects.get(public_id=created["id"]).history.order_by("history_id")
    reasons = [record.history_change_reason for record in history]
    assert all(organisation.name in reason for reason in reasons)
    assert reasons[1].startswith("Submitted for review (through the API:")
    assert [record.history_user for record in history] == [None, None, None]


def test_a_verified_reports_figures_change_through_the_api_with_a_reason(staff, records):
    url = f"{URL}{records['a_verified'].public_id}/"
    refused = staff.patch(url, {"injured": 7}, format="json")
    assert refused.status_code == 400
    assert "change_reason" in refused.json()
    assert Incident.objects.get(pk=records["a_verified"].pk).injured == 2

    response = staff.patch(url, {"injured": 7, "change_reason": "Hospital update"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["injured"] == 7
    assert "change_reason" not in response.json()
    latest = Incident.objects.get(pk=records["a_verified"].pk).history.latest("history_id")
    assert latest.history_change_reason == "Hospital update"
