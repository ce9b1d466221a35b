"""Who gets what: every actor against every surface, with exact status codes and records.

Each surface has one table, a list of ``(actor, expected)``. Actors (see conftest):
anonymous; Reporters of organisation A and B; a Verifier (of B, but sees everything); an
Analyst; partner keys of A with read and write scope, a write key of B; a revoked key of A.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.models import Feed, Incident, IngestionIssue, IngestionRun
from tests.security.conftest import (
    ACTORS,
    ALL_INCIDENTS,
    MARKERS,
    OWN_A,
    OWN_B,
    PUBLISHED,
    SUBMITTED_MARKERS,
    body_of,
    markers_in,
)

pytestmark = pytest.mark.django_db

LOGIN = "login"  # 302 to the admin login page, with ?next= the page asked for
HIDDEN_FROM_A = OWN_B - PUBLISHED  # b_draft, b_submitted, b_rejected
HIDDEN_FROM_B = OWN_A - PUBLISHED
API = "/api/v1/incidents/"


def outcome(default: Any, **by_record: Any) -> dict[str, Any]:
    """Expected outcome for each of the eight incidents: ``default`` unless named."""
    unknown = set(by_record) - ALL_INCIDENTS
    assert not unknown, unknown
    return {name: by_record.get(name, default) for name in sorted(ALL_INCIDENTS)}


def for_records(names: frozenset[str] | set[str], value: Any) -> dict[str, Any]:
    return dict.fromkeys(names, value)


def assert_login_redirect(response, url: str) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/admin/login/?next={quote(url)}"


def admin_url(model: str, page: str, *args: Any) -> str:
    return reverse(f"admin:incidents_{model}_{page}", args=args)


# ==========================================================================================
# Admin: incidents changelist, change page, history page
# ==========================================================================================

ADMIN_CHANGELIST = [
    ("anonymous", LOGIN),
    ("reporter_a", OWN_A),
    ("reporter_b", OWN_B),
    ("verifier", ALL_INCIDENTS),
    ("analyst", ALL_INCIDENTS),
    ("token_read_a", LOGIN),
    ("token_write_a", LOGIN),
    ("token_b", LOGIN),
    ("token_revoked", LOGIN),
]


@pytest.mark.parametrize(("actor", "expected"), ADMIN_CHANGELIST)
def test_admin_incident_changelist(actor_client, world, actor, expected):
    url = admin_url("incident", "changelist")
    response = actor_client(actor).get(url)
    if expected == LOGIN:
        assert_login_redirect(response, url)
        return
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert world.names_by_pk([row.pk for row in changelist.result_list]) == expected
    assert changelist.result_count == len(expected)
    page = response.content.decode()
    for name, incident in world.incidents.items():
        link = f'href="{admin_url("incident", "change", incident.pk)}'
        assert (link in page) == (name in expected), name


# "edit": form with Save; "view": read-only page; "missing": 302 to the admin index, the
# same answer as for an id that does not exist (existence is not revealed).
ADMIN_CHANGE_PAGE = [
    ("anonymous", LOGIN),
    (
        "reporter_a",
        outcome(
            "missing", a_draft="edit", a_submitted="view", a_verified="view", a_rejected="view"
        ),
    ),
    (
        "reporter_b",
        outcome(
            "missing", b_draft="edit", b_submitted="view", b_verified="view", b_rejected="view"
        ),
    ),
    ("verifier", outcome("edit")),
    ("analyst", outcome("view")),
    ("token_read_a", LOGIN),
    ("token_write_a", LOGIN),
    ("token_b", LOGIN),
    ("token_revoked", LOGIN),
]


@pytest.mark.parametrize(("actor", "expected"), ADMIN_CHANGE_PAGE)
def test_admin_incident_change_page(actor_client, world, actor, expected):
    client = actor_client(actor)
    seen = {}
    for name, incident in world.incidents.items():
        url = admin_url("incident", "change", incident.pk)
        response = client.get(url)
        if expected == LOGIN:
            assert_login_redirect(response, url)
            continue
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index")
            seen[name] = "missing"
            continue
        assert response.status_code == 200, (name, response.status_code)
        editable = response.context["has_change_permission"]
        assert ('name="_save"' in response.content.decode()) == editable
        seen[name] = "edit" if editable else "view"
    if expected != LOGIN:
        assert seen == expected
        # A record that does not exist gets the very same answer as a hidden one.
        missing = client.get(admin_url("incident", "change", 999_999))
        assert (missing.status_code, missing["Location"]) == (302, reverse("admin:index"))


ADMIN_HISTORY_PAGE = [
    ("anonymous", LOGIN),
    ("reporter_a", outcome(404, **for_records(OWN_A, 200))),
    ("reporter_b", outcome(404, **for_records(OWN_B, 200))),
    ("verifier", outcome(200)),
    ("analyst", outcome(200)),
    ("token_read_a", LOGIN),
    ("token_write_a", LOGIN),
    ("token_b", LOGIN),
    ("token_revoked", LOGIN),
]


@pytest.mark.parametrize(("actor", "expected"), ADMIN_HISTORY_PAGE)
def test_admin_incident_history_pages(actor_client, world, actor, expected):
    client = actor_client(actor)
    seen = {}
    for name, incident in world.incidents.items():
        version = incident.history.earliest("history_id")
        urls = [
            admin_url("incident", "history", incident.pk),
            admin_url("incident", "simple_history", incident.pk, version.history_id),
        ]
        codes = set()
        for url in urls:
            response = client.get(url)
            if expected == LOGIN:
                assert_login_redirect(response, url)
            codes.add(response.status_code)
        assert len(codes) == 1, (name, codes)
        seen[name] = codes.pop()
    if expected != LOGIN:
        assert seen == expected


# Old versions are read-only: posting to a version page (simple_history's revert) is
# refused for everyone, and a hidden record's versions are not found.
ADMIN_HISTORY_REVERT = [
    ("anonymous", LOGIN),
    ("reporter_a", {"a_draft": 403, "b_draft": 404}),
    ("reporter_b", {"a_draft": 404, "b_draft": 403}),
    ("verifier", {"a_draft": 403, "b_draft": 403}),
    ("analyst", {"a_draft": 403, "b_draft": 403}),
    ("token_read_a", LOGIN),
    ("token_write_a", LOGIN),
    ("token_b", LOGIN),
    ("token_revoked", LOGIN),
]


@pytest.mark.parametrize(("actor", "expected"), ADMIN_HISTORY_REVERT)
def test_admin_history_revert_is_refused(actor_client, world, actor, expected):
    client = actor_client(actor)
    seen = {}
    for name in ("a_draft", "b_draft"):
        incident = world.incidents[name]
        Incident.objects.filter(pk=incident.pk).update(settlement="Current")
        version = incident.history.earliest("history_id")
        url = admin_url("incident", "simple_history", incident.pk, version.history_id)
        response = client.post(url, {"settlement": f"Settlement {name}", "_save": "Save"})
        if expected == LOGIN:
            assert_login_redirect(response, url)
        seen[name] = response.status_code
        incident.refresh_from_db()
        assert incident.settlement == "Current"
    if expected != LOGIN:
        assert seen == expected


# Users, organisations and API keys: superusers only (no role grants accounts permissions).
ACCOUNTS_ADMIN = [
    ("anonymous", LOGIN),
    ("reporter_a", 403),
    ("reporter_b", 403),
    ("verifier", 403),
    ("analyst", 403),
    ("superuser", 200),
    ("token_read_a", LOGIN),
    ("token_write_a", LOGIN),
    ("token_b", LOGIN),
    ("token_revoked", LOGIN),
]


@pytest.mark.parametrize(("actor", "expected"), ACCOUNTS_ADMIN)
def test_admin_accounts_and_api_keys(actor_client, reporter, organisation, actor, expected):
    from accounts.models import OrganisationAPIKey

    api_key, _ = OrganisationAPIKey.objects.create_key(
        name="partner", organisation=organisation, scope="write"
    )
    client = actor_client(actor)
    urls = [
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[reporter.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_organisation_changelist"),
        reverse("admin:accounts_organisationapikey_changelist"),
        reverse("admin:accounts_organisationapikey_change", args=[api_key.pk]),
        reverse("admin:accounts_organisationapikey_add"),
    ]
    for url in urls:
        response = client.get(url)
        if expected == LOGIN:
            assert_login_redirect(response, url)
        else:
            assert response.status_code == expected, url
    if actor == "superuser":
        return
    # Nobody below superuser makes a user (themselves) a superuser or changes roles.
    groups_before = set(reporter.groups.values_list("name", flat=True))
    response = client.post(
        reverse("admin:accounts_user_change", args=[reporter.pk]),
        {"username": "reporter", "is_superuser": "on", "is_staff": "on", "groups": [1, 2, 3]},
    )
    assert response.status_code == (302 if expected == LOGIN else 403)
    reporter.refresh_from_db()
    assert reporter.is_superuser is False
    assert set(reporter.groups.values_list("name", flat=True)) == groups_before


# ==========================================================================================
# API: incidents list, detail, create, update (PATCH, PUT), delete
# ==========================================================================================

API_VISIBLE = [
    ("anonymous", PUBLISHED),
    ("reporter_a", OWN_A | PUBLISHED),
    ("reporter_b", OWN_B | PUBLISHED),
    ("verifier", ALL_INCIDENTS),
    ("analyst", ALL_INCIDENTS),
    ("token_read_a", OWN_A | PUBLISHED),
    ("token_write_a", OWN_A | PUBLISHED),
    ("token_b", OWN_B | PUBLISHED),
    ("token_revoked", 401),
]


@pytest.mark.parametrize(("actor", "expected"), API_VISIBLE)
def test_api_incident_list(actor_client, world, actor, expected):
    response = actor_client(actor).get(API)
    if expected == 401:
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Api-Key"
        assert response.json() == {"detail": "Invalid or revoked API key."}
        return
    assert response.status_code == 200
    data = response.json()
    assert world.names(row["id"] for row in data["results"]) == expected
    assert data["count"] == len(expected)


@pytest.mark.parametrize(("actor", "expected"), API_VISIBLE)
def test_api_incident_detail(actor_client, world, actor, expected):
    client = actor_client(actor)
    seen = {}
    for name in ALL_INCIDENTS:
        response = client.get(f"{API}{world.uuid(name)}/")
        seen[name] = response.status_code
        if response.status_code == 200:
            assert response.json()["id"] == world.uuid(name)
    if expected == 401:
        assert seen == outcome(401)
    else:
        assert seen == outcome(404, **for_records(expected, 200))


def test_api_refuses_expired_foreign_and_malformed_keys(world, organisation):
    import datetime as dt

    from django.utils import timezone

    from tests.security.conftest import api_key_client

    expired = api_key_client(organisation, "write")
    expired_key = organisation.api_keys.latest("created")
    expired_key.expiry_date = timezone.now() - dt.timedelta(minutes=1)
    expired_key.save()
    inactive = api_key_client(organisation, "write")
    answers = {
        "expired": expired.get(API),
        "organisation inactive": None,
        "malformed": APIClient(HTTP_AUTHORIZATION="Api-Key not-a-key").get(API),
        "other scheme": APIClient(HTTP_AUTHORIZATION="Bearer abc").get(API),
    }
    organisation.is_active = False
    organisation.save()
    answers["organisation inactive"] = inactive.get(API)
    assert {name: r.status_code for name, r in answers.items()} == {
        "expired": 401,
        "organisation inactive": 401,
        "malformed": 401,
        # Not an API key at all: refused, never served as anonymous.
        "other scheme": 401,
    }
    assert answers["other scheme"]["WWW-Authenticate"] == "Api-Key"
    for name in ("expired", "organisation inactive"):
        assert answers[name].json() == {"detail": "This API key is no longer valid."}


NEW_REPORT = {
    "occurred_on": "2023-10-01",
    "incident_type": "drone_strike",
    "region": "UA80",
    "settlement": "Kyiv",
    "killed": 1,
}
# (status code, status of the new record, its organisation)
API_CREATE = [
    ("anonymous", (401, None, None)),
    ("reporter_a", (201, "draft", "A")),
    ("reporter_b", (201, "draft", "B")),
    ("verifier", (201, "draft", "B")),  # the Verifier's own organisation
    ("analyst", (403, None, None)),
    ("token_read_a", (403, None, None)),
    ("token_write_a", (201, "submitted", "A")),
    ("token_b", (201, "submitted", "B")),
    ("token_revoked", (401, None, None)),
]


@pytest.mark.parametrize(("actor", "expected"), API_CREATE)
def test_api_incident_create(
    actor_client, world, organisation, other_organisation, actor, expected
):
    before = set(Incident.objects.values_list("pk", flat=True))
    response = actor_client(actor).post(API, NEW_REPORT, format="json")
    created = Incident.objects.exclude(pk__in=before)
    code, status, owner = expected
    assert response.status_code == code, response.content
    if code != 201:
        assert not created.exists()
        return
    incident = created.get()
    organisations = {"A": organisation, "B": other_organisation}
    assert (incident.status, incident.organisation) == (status, organisations[owner])
    assert response.json()["id"] == str(incident.public_id)


API_PATCH = [
    ("anonymous", outcome(401)),
    ("reporter_a", outcome(403, a_draft=200, **for_records(HIDDEN_FROM_A, 404))),
    ("reporter_b", outcome(403, b_draft=200, **for_records(HIDDEN_FROM_B, 404))),
    ("verifier", outcome(200)),
    ("analyst", outcome(403)),
    ("token_read_a", outcome(403)),
    (
        "token_write_a",
        outcome(403, a_draft=200, a_submitted=200, **for_records(HIDDEN_FROM_A, 404)),
    ),
    ("token_b", outcome(403, b_draft=200, b_submitted=200, **for_records(HIDDEN_FROM_B, 404))),
    ("token_revoked", outcome(401)),
]


@pytest.mark.parametrize(("actor", "expected"), API_PATCH)
def test_api_incident_patch(actor_client, world, actor, expected):
    client = actor_client(actor)
    seen = {}
    for name in ALL_INCIDENTS:
        response = client.patch(
            f"{API}{world.uuid(name)}/", {"description": f"patched by {actor}"}, format="json"
        )
        seen[name] = response.status_code
    assert seen == expected
    stored = dict(Incident.objects.values_list("public_id", "description"))
    for name in ALL_INCIDENTS:
        changed = stored[world.incidents[name].public_id] == f"patched by {actor}"
        assert changed == (expected[name] == 200), name


def full_payload(incident: Incident, **changes: Any) -> dict[str, Any]:
    return {
        "occurred_on": incident.occurred_on.isoformat(),
        "incident_type": incident.incident_type,
        "region": incident.region.pcode,
        "settlement": incident.settlement,
        "killed": incident.killed,
        "injured": incident.injured,
        "children_killed": incident.children_killed,
        "children_injured": incident.children_injured,
        "description": incident.description,
        **changes,
    }


API_PUT = [
    ("anonymous", {"a_draft": 401, "b_draft": 401, "a_verified": 401}),
    ("reporter_a", {"a_draft": 200, "b_draft": 404, "a_verified": 403}),
    ("reporter_b", {"a_draft": 404, "b_draft": 200, "a_verified": 403}),
    ("verifier", {"a_draft": 200, "b_draft": 200, "a_verified": 200}),
    ("analyst", {"a_draft": 403, "b_draft": 403, "a_verified": 403}),
    ("token_read_a", {"a_draft": 403, "b_draft": 403, "a_verified": 403}),
    ("token_write_a", {"a_draft": 200, "b_draft": 404, "a_verified": 403}),
    ("token_b", {"a_draft": 404, "b_draft": 200, "a_verified": 403}),
    ("token_revoked", {"a_draft": 401, "b_draft": 401, "a_verified": 401}),
]


@pytest.mark.parametrize(("actor", "expected"), API_PUT)
def test_api_incident_put(actor_client, world, actor, expected):
    client = actor_client(actor)
    seen = {}
    for name in expected:
        incident = world.incidents[name]
        payload = full_payload(incident, description=f"put by {actor}")
        seen[name] = client.put(f"{API}{incident.public_id}/", payload, format="json").status_code
        incident.refresh_from_db()
        assert (incident.description == f"put by {actor}") == (seen[name] == 200)
    assert seen == expected


# The API has no delete: a 405 once past authentication and the write permission, and
# the same answer whether the record is visible, hidden or missing.
API_DELETE = [
    ("anonymous", 401),
    ("reporter_a", 405),
    ("reporter_b", 405),
    ("verifier", 405),
    ("analyst", 403),
    ("token_read_a", 403),
    ("token_write_a", 405),
    ("token_b", 405),
    ("token_revoked", 401),
]


@pytest.mark.parametrize(("actor", "expected"), API_DELETE)
def test_api_incident_delete(actor_client, world, actor, expected):
    client = actor_client(actor)
    urls = [f"{API}{world.uuid(name)}/" for name in ("a_draft", "b_draft", "a_verified")]
    urls.append(f"{API}00000000-0000-0000-0000-000000000000/")
    assert [client.delete(url).status_code for url in urls] == [expected] * 4
    assert Incident.objects.count() == len(world.incidents)


# ==========================================================================================
# API exports: JSON, CSV, HXL, GeoJSON, chosen by ?format= or by the Accept header
# ==========================================================================================

EXPORTS = [
    # (name, query, Accept header)
    ("json", {"format": "json"}, None),
    ("csv", {"format": "csv"}, None),
    ("hxl", {"format": "hxl"}, None),
    ("geojson", {"format": "geojson"}, None),
    ("accept-json", {}, "application/json"),
    ("accept-csv", {}, "text/csv"),
    ("accept-geojson", {}, "application/geo+json"),
]


def exported_ids(kind: str, response) -> list[str]:
    text = body_of(response)
    if kind.endswith("json") and "geo" not in kind:
        return [row["id"] for row in json.loads(text)["results"]]
    if kind.endswith("geojson"):
        collection = json.loads(text)
        assert collection["type"] == "FeatureCollection"
        return [feature["id"] for feature in collection["features"]]
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    if kind == "hxl":
        assert rows[1][header.index("id")] == "#meta+id"
        rows = rows[1:]
    return [row[header.index("id")] for row in rows[1:]]


CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "geojson": "application/geo+json; charset=utf-8",
}


@pytest.mark.parametrize(("kind", "query", "accept"), EXPORTS, ids=[e[0] for e in EXPORTS])
@pytest.mark.parametrize(("actor", "expected"), API_VISIBLE)
def test_api_incident_exports(actor_client, world, actor, expected, kind, query, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = actor_client(actor).get(API, query, **headers)
    if expected == 401:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[kind.removeprefix("accept-")]
    found = exported_ids(kind, response)
    assert len(found) == len(set(found))
    assert world.names(found) == expected


@pytest.mark.parametrize("fmt", ["json", "csv", "hxl", "geojson"])
@pytest.mark.parametrize(("actor", "expected"), API_VISIBLE)
def test_api_incident_detail_exports(actor_client, world, actor, expected, fmt):
    client = actor_client(actor)
    seen = {}
    for name in ALL_INCIDENTS:
        response = client.get(f"{API}{world.uuid(name)}/", {"format": fmt})
        seen[name] = response.status_code
        if response.status_code == 200:
            assert world.uuid(name) in response.content.decode()
    if expected == 401:
        assert seen == outcome(401)
    else:
        assert seen == outcome(404, **for_records(expected, 200))


# Events: each report standing alone is an event of its own; only counted ones (awaiting
# review or verified) are events, under the same visibility as incidents.
COUNTED = frozenset(name for name in ALL_INCIDENTS if name.endswith(("_submitted", "_verified")))
EVENTS_VISIBLE = [
    (actor, expected if expected == 401 else expected & COUNTED) for actor, expected in API_VISIBLE
]


@pytest.mark.parametrize(("kind", "query", "accept"), EXPORTS, ids=[e[0] for e in EXPORTS])
@pytest.mark.parametrize(("actor", "expected"), EVENTS_VISIBLE)
def test_api_event_list_and_exports(actor_client, world, actor, expected, kind, query, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = actor_client(actor).get("/api/v1/events/", query, **headers)
    if expected == 401:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[kind.removeprefix("accept-")]
    found = exported_ids(kind, response)
    assert len(found) == len(set(found))
    assert world.names(found) == expected


@pytest.mark.parametrize(("actor", "expected"), EVENTS_VISIBLE)
def test_api_event_detail(actor_client, world, actor, expected):
    client = actor_client(actor)
    seen = {
        name: client.get(f"/api/v1/events/{world.uuid(name)}/").status_code
        for name in ALL_INCIDENTS
    }
    if expected == 401:
        assert seen == outcome(401)
    else:
        assert seen == outcome(404, **for_records(expected, 200))


DISRUPTIONS_VISIBLE = [
    ("anonymous", {"a_sd_verified", "b_sd_verified"}),
    ("reporter_a", {"a_sd_verified", "b_sd_verified", "a_sd_submitted"}),
    ("reporter_b", {"a_sd_verified", "b_sd_verified", "b_sd_submitted"}),
    ("verifier", {"a_sd_verified", "b_sd_verified", "a_sd_submitted", "b_sd_submitted"}),
    ("analyst", {"a_sd_verified", "b_sd_verified", "a_sd_submitted", "b_sd_submitted"}),
    ("token_read_a", {"a_sd_verified", "b_sd_verified", "a_sd_submitted"}),
    ("token_write_a", {"a_sd_verified", "b_sd_verified", "a_sd_submitted"}),
    ("token_b", {"a_sd_verified", "b_sd_verified", "b_sd_submitted"}),
    ("token_revoked", 401),
]


@pytest.mark.parametrize("fmt", ["json", "csv", "hxl", "geojson"])
@pytest.mark.parametrize(("actor", "expected"), DISRUPTIONS_VISIBLE)
def test_api_service_disruption_list_and_exports(actor_client, world, actor, expected, fmt):
    response = actor_client(actor).get("/api/v1/service-disruptions/", {"format": fmt})
    if expected == 401:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    by_id = {str(record.public_id): name for name, record in world.disruptions.items()}
    assert {by_id[found] for found in exported_ids(fmt, response)} == expected


# ==========================================================================================
# API aggregates: needs by region and the national summary count verified records only
# ==========================================================================================

AGGREGATES = [(actor, 401 if actor == "token_revoked" else 200) for actor in ACTORS]


def expected_region_figures(world, pcode: str) -> dict[str, Any]:
    incidents = [
        incident
        for incident in world.incidents.values()
        if incident.status == "verified" and incident.region.pcode == pcode
    ]
    outages = [
        outage
        for outage in world.disruptions.values()
        if outage.status == "verified" and outage.region.pcode == pcode
    ]
    damaged: dict[str, int] = {}
    for incident in incidents:
        for asset in incident.assets.all():
            damaged[asset.asset_type] = damaged.get(asset.asset_type, 0) + asset.count
    without: dict[str, int] = {}
    for outage in outages:
        without[outage.service] = without.get(outage.service, 0) + outage.people_affected
    return {
        "incidents": len(incidents),
        **{
            name: sum(getattr(incident, name) for incident in incidents)
            for name in ("killed", "injured", "children_killed", "children_injured")
        },
        "people_without": without,
        "outages": dict.fromkeys(without, 1),
        "damaged": damaged,
    }


def nonzero(figures: dict[str, int]) -> dict[str, int]:
    return {key: value for key, value in figures.items() if value}


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "incidents": row["incidents"],
        "killed": row["killed"],
        "injured": row["injured"],
        "children_killed": row["children_killed"],
        "children_injured": row["children_injured"],
        "people_without": nonzero(row["people_without"]),
        "outages": nonzero(row["outages"]),
        "damaged": nonzero(row["damaged"]),
    }


@pytest.mark.parametrize(("actor", "expected"), AGGREGATES)
def test_api_needs_counts_verified_records_only(actor_client, world, actor, expected):
    response = actor_client(actor).get("/api/v1/needs/")
    assert response.status_code == expected
    if expected != 200:
        return
    rows = {row["pcode"]: row for row in response.json()}
    assert len(rows) == 27
    for pcode, row in rows.items():
        assert comparable(row) == expected_region_figures(world, pcode), pcode
    # The figures above, written out: Lviv and Kharkiv only.
    assert (rows["UA46"]["killed"], rows["UA46"]["injured"], rows["UA63"]["killed"]) == (1, 3, 2)
    assert sum(row["incidents"] for row in rows.values()) == 2
    assert markers_in(response.content.decode()) == set()


@pytest.mark.parametrize(("actor", "expected"), AGGREGATES)
def test_api_summary_counts_verified_records_only(actor_client, world, actor, expected):
    response = actor_client(actor).get("/api/v1/summary/")
    assert response.status_code == expected
    if expected != 200:
        return
    totals: dict[str, Any] = {"people_without": {}, "outages": {}, "damaged": {}}
    for pcode in {incident.region.pcode for incident in world.incidents.values()} | {
        outage.region.pcode for outage in world.disruptions.values()
    }:
        for key, value in expected_region_figures(world, pcode).items():
            if isinstance(value, dict):
                for sub, number in value.items():
                    totals[key][sub] = totals[key].get(sub, 0) + number
            else:
                totals[key] = totals.get(key, 0) + value
    assert comparable(response.json()) == totals
    assert (totals["incidents"], totals["killed"], totals["injured"]) == (2, 3, 7)
    assert totals["people_without"] == {"water": 1000, "heating": 2000}
    assert markers_in(response.content.decode()) == set()


@pytest.mark.parametrize("endpoint", ["/api/v1/needs/", "/api/v1/summary/"])
@pytest.mark.parametrize(
    "query", [{"include_submitted": "true"}, {"unverified": "on"}, {"status": "submitted"}]
)
def test_api_aggregates_cannot_be_asked_to_count_unverified_records(
    actor_client, world, endpoint, query
):
    for actor in ("anonymous", "verifier", "analyst"):
        response = actor_client(actor).get(endpoint, query)
        assert response.status_code == 400
        assert response.json() == {next(iter(query)): ["Unknown filter."]}


# ==========================================================================================
# API tombstones: a deletion is news to whoever could see the record
# ==========================================================================================

ALL_TOMBSTONES = {"t_a_draft_deleted", "t_b_draft_deleted", "t_b_verified_deleted"}
TOMBSTONES = [
    ("anonymous", {"t_b_verified_deleted"}),
    ("reporter_a", {"t_b_verified_deleted", "t_a_draft_deleted"}),
    ("reporter_b", {"t_b_verified_deleted", "t_b_draft_deleted"}),
    ("verifier", ALL_TOMBSTONES),
    ("analyst", ALL_TOMBSTONES),
    ("token_read_a", {"t_b_verified_deleted", "t_a_draft_deleted"}),
    ("token_write_a", {"t_b_verified_deleted", "t_a_draft_deleted"}),
    ("token_b", {"t_b_verified_deleted", "t_b_draft_deleted"}),
    ("token_revoked", 401),
]


@pytest.mark.parametrize(("actor", "expected"), TOMBSTONES)
def test_api_tombstones(actor_client, world, actor, expected):
    response = actor_client(actor).get("/api/v1/tombstones/")
    if expected == 401:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    by_id = {public_id: name for name, public_id in world.tombstones.items()}
    assert {by_id[row["id"]] for row in response.json()["results"]} == expected


# ==========================================================================================
# Dashboards: staff only unless DASHBOARDS_PUBLIC; '?unverified=on' only for those who see
# every organisation's records (Verifier, Analyst)
# ==========================================================================================

VERIFIED_ONLY = "verified only"
WITH_SUBMITTED = "verified + submitted"

# actor -> (figures without the flag, figures with '?unverified=on')
DASHBOARDS_PRIVATE = [
    ("anonymous", (LOGIN, LOGIN)),
    ("reporter_a", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("reporter_b", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("verifier", (VERIFIED_ONLY, WITH_SUBMITTED)),
    ("analyst", (VERIFIED_ONLY, WITH_SUBMITTED)),
    ("token_read_a", (LOGIN, LOGIN)),
    ("token_write_a", (LOGIN, LOGIN)),
    ("token_b", (LOGIN, LOGIN)),
    ("token_revoked", (LOGIN, LOGIN)),
]
DASHBOARDS_PUBLIC = [
    ("anonymous", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("reporter_a", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("reporter_b", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("verifier", (VERIFIED_ONLY, WITH_SUBMITTED)),
    ("analyst", (VERIFIED_ONLY, WITH_SUBMITTED)),
    ("token_read_a", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("token_write_a", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("token_b", (VERIFIED_ONLY, VERIFIED_ONLY)),
    ("token_revoked", (VERIFIED_ONLY, VERIFIED_ONLY)),
]

SUBMITTED_KILLED = MARKERS["a_submitted"] + MARKERS["b_submitted"]
SUBMITTED_OUT = MARKERS["a_sd_submitted"] + MARKERS["b_sd_submitted"]
# Headline figures of the overview: (incidents, killed, injured, without electricity,
# without water, without heating), and the unpublished figures the page may show.
OVERVIEW = {
    VERIFIED_ONLY: ((2, 3, 7, 0, 1000, 2000), set()),
    WITH_SUBMITTED: ((4, 3 + SUBMITTED_KILLED, 7, SUBMITTED_OUT, 1000, 2000), SUBMITTED_MARKERS),
}
# Region pages: Lviv (a verified incident) and Volyn (only A's submitted incident).
REGION = {
    ("UA46", VERIFIED_ONLY): ((1, 1, 3), {"Settlement a_verified"}, set()),
    ("UA46", WITH_SUBMITTED): ((1, 1, 3), {"Settlement a_verified"}, set()),
    ("UA07", VERIFIED_ONLY): ((0, 0, 0), set(), set()),
    ("UA07", WITH_SUBMITTED): (
        (1, MARKERS["a_submitted"], 0),
        {"Settlement a_submitted"},
        {"a_submitted", "a_submitted_asset"},
    ),
}
# CSV downloads of the overview: the unpublished figures each may show.
DOWNLOADS = {
    ("needs", VERIFIED_ONLY): set(),
    ("needs", WITH_SUBMITTED): SUBMITTED_MARKERS,
    ("weekly", VERIFIED_ONLY): set(),
    ("weekly", WITH_SUBMITTED): {"a_submitted", "b_submitted"},
}
OUTAGE_SERVICES = {
    VERIFIED_ONLY: {"water": 1000, "heating": 2000},
    WITH_SUBMITTED: {"water": 1000, "heating": 2000, "electricity": SUBMITTED_OUT},
}


def dashboard_get(client, url: str, flag: bool, **query: str):
    params = {**query, **({"unverified": "on"} if flag else {})}
    return client.get(url, params)


def check_login(response, url: str, flag: bool, **query: str) -> None:
    params = {**query, **({"unverified": "on"} if flag else {})}
    full_path = f"{url}?{urlencode(params)}" if params else url
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={quote(full_path, safe='/')}"


def check_overview(response, mode: str) -> None:
    assert response.status_code == 200
    summary = response.context["summary"]
    headline = (
        summary.incidents,
        summary.killed,
        summary.injured,
        summary.people_without["electricity"],
        summary.people_without["water"],
        summary.people_without["heating"],
    )
    figures, markers = OVERVIEW[mode]
    assert headline == figures
    assert markers_in(response.content.decode()) == markers
    notice = "These figures include reports awaiting review"
    assert (notice in response.content.decode()) == (mode == WITH_SUBMITTED)


def check_region(response, pcode: str, mode: str) -> None:
    assert response.status_code == 200
    row = response.context["row"]
    figures, settlements, markers = REGION[(pcode, mode)]
    assert (row.needs.incidents, row.needs.killed, row.needs.injured) == figures
    assert {incident.settlement for incident in response.context["incidents"]} == settlements
    assert markers_in(response.content.decode()) == markers


def check_grain(response, mode: str) -> None:
    assert response.status_code == 200
    shown = {
        effect.disruption.started_on.isoformat() for effect in response.context["overview"].effects
    }
    expected = {"2023-07-19"} | ({"2021-03-03"} if mode == WITH_SUBMITTED else set())
    assert shown == expected
    assert ("2021-03-03" in response.content.decode()) == (mode == WITH_SUBMITTED)


def check_download(response, name: str, mode: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.getvalue().decode()
    if name == "outages":
        latest: dict[str, int] = {}
        for row in csv.DictReader(io.StringIO(text)):
            latest[row["service"]] = int(row["people_without"])
        assert latest == OUTAGE_SERVICES[mode]
    else:
        assert markers_in(text) == DOWNLOADS[(name, mode)]
    if name == "needs":
        rows = {row["pcode"]: row for row in csv.DictReader(io.StringIO(text))}
        assert (rows["UA46"]["protection"], rows["UA63"]["protection"]) == ("4", "6")


def check_dashboards(client, expected: tuple[str, str]) -> None:
    for flag, mode in zip((False, True), expected, strict=True):
        pages = {
            "overview": "/dashboards/",
            "UA46": "/dashboards/regions/UA46/",
            "UA07": "/dashboards/regions/UA07/",
            "grain": "/dashboards/grain/",
        }
        for page, url in pages.items():
            response = dashboard_get(client, url, flag)
            if mode == LOGIN:
                check_login(response, url, flag)
            elif page == "overview":
                check_overview(response, mode)
            elif page == "grain":
                check_grain(response, mode)
            else:
                check_region(response, page, mode)
        for download in ("needs", "weekly", "outages"):
            response = dashboard_get(client, "/dashboards/", flag, download=download)
            if mode == LOGIN:
                check_login(response, "/dashboards/", flag, download=download)
            else:
                check_download(response, download, mode)
        grain_csv = dashboard_get(client, "/dashboards/grain/", flag, download="disruptions")
        if mode == LOGIN:
            check_login(grain_csv, "/dashboards/grain/", flag, download="disruptions")
        else:
            assert grain_csv.status_code == 200
            assert ("2021-03-03" in grain_csv.getvalue().decode()) == (mode == WITH_SUBMITTED)


@pytest.mark.parametrize(("actor", "expected"), DASHBOARDS_PRIVATE)
def test_dashboards_and_downloads_private(actor_client, world, settings, actor, expected):
    settings.DASHBOARDS_PUBLIC = False
    check_dashboards(actor_client(actor), expected)


@pytest.mark.parametrize(("actor", "expected"), DASHBOARDS_PUBLIC)
def test_dashboards_and_downloads_public(actor_client, world, settings, actor, expected):
    settings.DASHBOARDS_PUBLIC = True
    check_dashboards(actor_client(actor), expected)


def test_dashboards_refuse_a_logged_in_user_who_is_not_staff(client, world, settings):
    from tests.factories import UserFactory

    settings.DASHBOARDS_PUBLIC = False
    client.force_login(UserFactory(username="outsider", is_staff=False))
    response = client.get("/dashboards/")
    assert_login_redirect(response, "/dashboards/")


# ==========================================================================================
# Ingestion: feeds and runs, in the admin and in the staff-only API
# ==========================================================================================


@pytest.fixture
def ingestion():
    feed = Feed.objects.create(
        name="ACLED Ukraine", slug="acled-ua", format="acled", url="https://example.org/acled.csv"
    )
    run = IngestionRun.objects.create(
        feed=feed, format="acled", external_source="acled-ua", location=feed.url, trigger="manual"
    )
    issue = IngestionIssue.objects.create(run=run, row_number=3, level="rejected", reason="bad")
    return {"feed": feed, "run": run, "issue": issue}


INGESTION_API = [
    ("anonymous", 401),
    ("reporter_a", 403),
    ("reporter_b", 403),
    ("verifier", 200),
    ("analyst", 200),
    ("token_read_a", 403),
    ("token_write_a", 403),
    ("token_b", 403),
    ("token_revoked", 401),
]


@pytest.mark.parametrize(("actor", "expected"), INGESTION_API)
def test_api_feeds_and_runs_are_staff_only(actor_client, ingestion, actor, expected):
    client = actor_client(actor)
    run, feed = ingestion["run"], ingestion["feed"]
    responses = {
        "feeds": client.get("/api/v1/feeds/"),
        "feed": client.get(f"/api/v1/feeds/{feed.pk}/"),
        "runs": client.get("/api/v1/ingestion-runs/"),
        "run": client.get(f"/api/v1/ingestion-runs/{run.public_id}/"),
    }
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(
        responses, expected
    )
    if expected == 200:
        assert [row["slug"] for row in responses["feeds"].json()["results"]] == ["acled-ua"]
        assert [row["id"] for row in responses["runs"].json()["results"]] == [str(run.public_id)]
    # Read-only: nobody starts or changes a run through the API.
    posted = client.post("/api/v1/ingestion-runs/", {"format": "acled"}, format="json")
    assert posted.status_code == (405 if expected == 200 else expected)
    assert IngestionRun.objects.count() == 1


INGESTION_ADMIN_PAGES = ("feeds", "feed", "runs", "run", "upload", "issues")
INGESTION_ADMIN = [
    ("anonymous", LOGIN),
    ("reporter_a", dict.fromkeys(INGESTION_ADMIN_PAGES, 403)),
    ("reporter_b", dict.fromkeys(INGESTION_ADMIN_PAGES, 403)),
    ("verifier", dict.fromkeys(INGESTION_ADMIN_PAGES, 200)),
    ("analyst", {**dict.fromkeys(INGESTION_ADMIN_PAGES, 200), "upload": 403}),
    ("token_read_a", LOGIN),
    ("token_write_a", LOGIN),
    ("token_b", LOGIN),
    ("token_revoked", LOGIN),
]


@pytest.mark.parametrize(("actor", "expected"), INGESTION_ADMIN)
def test_admin_ingestion_pages_are_staff_only(actor_client, ingestion, actor, expected):
    client = actor_client(actor)
    urls = {
        "feeds": admin_url("feed", "changelist"),
        "feed": admin_url("feed", "change", ingestion["feed"].pk),
        "runs": admin_url("ingestionrun", "changelist"),
        "run": admin_url("ingestionrun", "change", ingestion["run"].pk),
        "upload": admin_url("ingestionrun", "add"),
        "issues": admin_url("ingestionissue", "changelist"),
    }
    responses = {name: client.get(url) for name, url in urls.items()}
    if expected == LOGIN:
        for name, response in responses.items():
            assert_login_redirect(response, urls[name])
        return
    assert {name: r.status_code for name, r in responses.items()} == expected
    # The Reporter's admin index does not even list ingestion.
    index = client.get(reverse("admin:index")).content.decode()
    assert ("Ingestion runs" in index) == (expected["runs"] == 200)
