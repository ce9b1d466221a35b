"""Unpublished records never leak, ids are not guessable, and nobody assigns review fields.

The leak sweeps request every API endpoint in every format and every dashboard page and
download, and search each body for the *secrets* of unpublished records: their marker
figures (see conftest), their UUIDs, settlements, descriptions and cited URLs. Each sweep
also runs as someone who may see everything, so a secret that silently stopped appearing
anywhere would fail the control instead of passing the test vacuously.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.urls import reverse

from incidents.models import DamagedAsset, Incident, IngestionRun, Source
from tests.factories import ServiceDisruptionFactory
from tests.security.conftest import (
    ALL_INCIDENTS,
    GRAIN_MARKER_DATE,
    MARKER_PATTERNS,
    MARKERS_A,
    MARKERS_B,
    OWN_A,
    PUBLISHED,
    SUBMITTED_MARKERS,
    body_of,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/incidents/"
UNPUBLISHED = sorted(ALL_INCIDENTS - PUBLISHED)
ALL_SECRETS = MARKERS_A | MARKERS_B
EXPORT_FORMATS = ("json", "csv", "hxl", "geojson", "api")  # "api": the browsable HTML


def secret_patterns(world) -> dict[str, list[re.Pattern[str]]]:
    """Owner of a secret (an unpublished record or figure) -> what gives it away."""
    secrets: dict[str, list[re.Pattern[str]]] = {
        name: [pattern] for name, pattern in MARKER_PATTERNS.items()
    }
    for name in UNPUBLISHED:
        incident = world.incidents[name]
        secrets[name] += [
            re.compile(re.escape(str(incident.public_id))),
            re.compile(re.escape(incident.settlement)),
            re.compile(re.escape(incident.description)),
        ]
    secrets["a_draft"].append(re.compile("a-draft-secret"))
    secrets["b_draft"].append(re.compile("b-draft-secret"))
    for name in ("a_sd_submitted", "b_sd_submitted"):
        secrets[name].append(re.compile(re.escape(str(world.disruptions[name].public_id))))
    grain = world.grain["a_grain_submitted"]
    secrets["a_grain_submitted"] += [
        re.compile(re.escape(str(grain.public_id))),
        re.compile(GRAIN_MARKER_DATE.isoformat()),
    ]
    return secrets


def secrets_in(world, text: str) -> set[str]:
    return {
        owner
        for owner, patterns in secret_patterns(world).items()
        if any(pattern.search(text) for pattern in patterns)
    }


def api_requests(world) -> list[tuple[str, dict[str, str]]]:
    """Every read the partner API offers, in every format it offers."""
    requests: list[tuple[str, dict[str, str]]] = []
    for fmt in EXPORT_FORMATS:
        requests.append((API, {"format": fmt}))
        requests += [(f"{API}{world.uuid(name)}/", {"format": fmt}) for name in ALL_INCIDENTS]
        requests.append(("/api/v1/service-disruptions/", {"format": fmt}))
        requests.append(("/api/v1/events/", {"format": fmt}))
        requests += [
            (f"/api/v1/events/{world.uuid(name)}/", {"format": fmt}) for name in ALL_INCIDENTS
        ]
        requests += [
            (f"/api/v1/service-disruptions/{record.public_id}/", {"format": fmt})
            for record in world.disruptions.values()
        ]
    for status in ("draft", "submitted", "rejected", "verified"):
        requests.append((API, {"status": status}))
        requests.append(("/api/v1/service-disruptions/", {"status": status}))
        requests.append(("/api/v1/grain-disruptions/", {"status": status}))
    requests += [
        (API, {"search": "Settlement"}),
        (API, {"search": "Report"}),
        (API, {"ordering": "-killed", "limit": "1"}),
        (API, {"region": "UA05,UA07,UA12,UA18,UA21,UA26"}),
        (API, {"date_to": "2023-07-31"}),
        ("/api/v1/service-disruptions/", {"ordering": "-people_affected", "limit": "1"}),
    ]
    for fmt in ("json", "csv", "hxl", "api"):
        for endpoint in ("damaged-assets", "sources", "grain-disruptions"):
            requests.append((f"/api/v1/{endpoint}/", {"format": fmt}))
    for name in ALL_INCIDENTS:
        requests.append(("/api/v1/damaged-assets/", {"incident": world.uuid(name)}))
        requests.append(("/api/v1/sources/", {"incident": world.uuid(name)}))
    requests += [
        (f"/api/v1/grain-disruptions/{record.public_id}/", {}) for record in world.grain.values()
    ]
    requests += [
        ("/api/v1/needs/", {}),
        ("/api/v1/needs/", {"format": "api"}),
        ("/api/v1/summary/", {}),
        ("/api/v1/summary/", {"date_from": "2021-01-01", "as_of": "2023-09-10T00:00:00Z"}),
        ("/api/v1/tombstones/", {}),
    ]
    return requests


REGIONS_IN_THE_WORLD = ("UA05", "UA07", "UA12", "UA18", "UA21", "UA26", "UA32", "UA35", "UA46")
REGIONS_IN_THE_WORLD += ("UA63",)


def dashboard_requests() -> list[tuple[str, dict[str, str]]]:
    """Every dashboard page and download, with and without '?unverified=on'."""
    requests: list[tuple[str, dict[str, str]]] = []
    for flag in ({}, {"unverified": "on"}):
        requests.append(("/dashboards/", flag))
        for metric in ("killed", "protection", "energy", "shelter"):
            requests.append(("/dashboards/", {**flag, "metric": metric}))
        for download in ("needs", "weekly", "outages"):
            requests.append(("/dashboards/", {**flag, "download": download}))
        for pcode in REGIONS_IN_THE_WORLD:
            requests.append((f"/dashboards/regions/{pcode}/", flag))
            requests.append(("/dashboards/", {**flag, "region": pcode}))
            for download in ("needs", "weekly"):
                requests.append((f"/dashboards/regions/{pcode}/", {**flag, "download": download}))
        requests.append(("/dashboards/grain/", flag))
        for download in ("exports", "commodity", "income", "disruptions"):
            requests.append(("/dashboards/grain/", {**flag, "download": download}))
    return requests


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sweep(client, world, requests) -> dict[str, set[str]]:
    """Secrets found, by request; every request must answer 200 or 404.

    An id the caller sent is no secret to them: the browsable API echoes the URL asked
    for, also on a 404, so ids from the request are blanked before searching the body.
    """
    found: dict[str, set[str]] = {}
    for path, query in requests:
        response = client.get(path, query)
        assert response.status_code in (200, 404), (path, query, response.status_code)
        if response.status_code == 404:
            assert not path.startswith("/dashboards/"), (path, query)
        text = body_of(response)
        for asked in UUID.findall(f"{path} {' '.join(query.values())}"):
            text = text.replace(asked, "<id from the request>")
        found[f"{path}?{query}"] = secrets_in(world, text)
    return found


def union(found: dict[str, set[str]]) -> set[str]:
    return set().union(*found.values())


def leaks_outside(found: dict[str, set[str]], allowed: set[str]) -> dict[str, set[str]]:
    return {where: secrets - allowed for where, secrets in found.items() if secrets - allowed}


# Which unpublished secrets the whole API sweep shows each actor: exactly their own
# organisation's, or everything for the roles that see all organisations.
API_SECRETS = [
    ("anonymous", set()),
    ("token_read_a", MARKERS_A),
    ("token_b", MARKERS_B),
    ("reporter_b", MARKERS_B),
    ("verifier", ALL_SECRETS),  # control: the sweep does find every secret
]


@pytest.mark.parametrize(("actor", "expected"), API_SECRETS)
def test_api_never_shows_unpublished_records_of_others(actor_client, world, actor, expected):
    found = sweep(actor_client(actor), world, api_requests(world))
    assert leaks_outside(found, expected) == {}
    assert union(found) == expected


# The dashboards: verified only, except submitted reports for who may ask for them.
DASHBOARD_SECRETS = [
    ("anonymous", set()),
    ("token_b", set()),
    ("reporter_a", set()),
    ("reporter_b", set()),
    ("analyst", SUBMITTED_MARKERS | {"a_grain_submitted"}),  # control, with '?unverified=on'
]


@pytest.mark.parametrize(("actor", "expected"), DASHBOARD_SECRETS)
def test_dashboards_never_show_unpublished_figures(actor_client, world, settings, actor, expected):
    settings.DASHBOARDS_PUBLIC = True
    found = sweep(actor_client(actor), world, dashboard_requests())
    assert leaks_outside(found, expected) == {}
    assert union(found) == expected
    # Drafts and rejected reports never count, not even with '?unverified=on'.
    never = {"a_draft", "a_rejected", "b_draft", "b_rejected"}
    assert union(found) & never == set()


def test_home_page_and_api_docs_show_no_records(client, world):
    for path in ("/", "/api/v1/docs/", "/api/v1/schema/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert secrets_in(world, body_of(response)) == set()


def admin_requests(world) -> list[tuple[str, dict[str, str]]]:
    """The staff admin's pages about reported records and their children."""
    from incidents.models import DamagedAsset

    requests: list[tuple[str, dict[str, str]]] = [("/admin/", {})]
    models = {
        "incident": list(world.incidents.values()),
        "servicedisruption": list(world.disruptions.values()),
        "graindisruption": list(world.grain.values()),
        "damagedasset": list(DamagedAsset.objects.all()),
        "source": list(Source.objects.all()),
    }
    for model, records in models.items():
        changelist = reverse(f"admin:incidents_{model}_changelist")
        requests += [(changelist, {}), (changelist, {"_facets": "True"})]
        requests.append((changelist, {"q": "Settlement"}))
        for record in records:
            for page in ("change", "history"):
                requests.append((reverse(f"admin:incidents_{model}_{page}", args=[record.pk]), {}))
    for model in ("servicedisruption", "graindisruption"):
        requests.append(
            (
                "/admin/autocomplete/",
                {"app_label": "incidents", "model_name": model, "field_name": "incident"},
            )
        )
    return requests


# What the admin shows each staff member: their organisation's records (any status), or
# everything for the roles that see all organisations.
ADMIN_SECRETS = [
    ("reporter_a", MARKERS_A),
    ("reporter_b", MARKERS_B),
    ("verifier", ALL_SECRETS),
    ("analyst", ALL_SECRETS),
]


@pytest.mark.parametrize(("actor", "expected"), ADMIN_SECRETS)
def test_admin_shows_unpublished_records_of_the_own_organisation_only(
    actor_client, world, actor, expected
):
    client = actor_client(actor)
    found = {}
    for path, query in admin_requests(world):
        response = client.get(path, query)
        # 302: the admin's answer for a record outside the workspace; 404 for its history.
        assert response.status_code in (200, 302, 404), (path, query)
        found[f"{path}?{query}"] = secrets_in(world, body_of(response))
    assert leaks_outside(found, expected) == {}
    assert union(found) == expected


def test_admin_facet_counts_do_not_count_other_organisations_records(client, world, other_reporter):
    client.force_login(other_reporter)
    page = client.get(
        reverse("admin:incidents_incident_changelist"), {"_facets": "True"}
    ).content.decode()
    counts = dict(re.findall(r">\s*([^<>]+?) \((\d+)\)\s*</a>", page))
    assert counts["Lviv Relief (LR)"] == "0"
    assert counts["Kharkiv Aid (KA)"] == "4"
    assert (counts["Draft"], counts["Submitted for review"], counts["Rejected"]) == ("1", "1", "1")
    assert (counts["Vinnytska (UA05)"], counts["Zhytomyrska (UA18)"]) == ("0", "1")


# ------------------------------------------------------------------------------------------
# Another organisation's records by id: 404 exactly as for an id that does not exist
# ------------------------------------------------------------------------------------------

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize("actor", ["token_write_a", "token_read_a", "reporter_a", "anonymous"])
@pytest.mark.parametrize("name", ["b_draft", "b_submitted", "b_rejected"])
def test_hidden_records_are_not_found_like_missing_ones(actor_client, world, actor, name):
    client = actor_client(actor)
    incident = world.incidents[name]
    hidden, missing = f"{API}{incident.public_id}/", f"{API}{NO_SUCH_ID}/"
    for fmt in ("json", "csv", "hxl", "geojson"):
        answers = [client.get(url, {"format": fmt}) for url in (hidden, missing)]
        assert [a.status_code for a in answers] == [404, 404]
        assert answers[0].content == answers[1].content
    # A write: for a write key and a Reporter the same 404; the read key and anonymous are
    # refused before the record is looked up (403, 401), the same for any id.
    expected = {"token_write_a": 404, "reporter_a": 404, "token_read_a": 403, "anonymous": 401}
    for method in ("patch", "put"):
        answers = [
            getattr(client, method)(url, {"injured": 9}, format="json") for url in (hidden, missing)
        ]
        assert [a.status_code for a in answers] == [expected[actor]] * 2
        assert answers[0].content == answers[1].content
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.injured, stored.status) == (0, incident.status)
    # Nor do its damage and sources come out through the child endpoints.
    for endpoint in ("damaged-assets", "sources"):
        rows = client.get(f"/api/v1/{endpoint}/", {"incident": str(incident.public_id)}).json()
        assert rows["count"] == 0


def test_admin_search_and_autocomplete_do_not_find_another_organisations_records(
    client, world, other_reporter
):
    client.force_login(other_reporter)
    changelist = reverse("admin:incidents_incident_changelist")
    for name in ("a_draft", "a_verified"):
        response = client.get(changelist, {"q": world.uuid(name)})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "incidents",
            "model_name": "servicedisruption",
            "field_name": "incident",
            "term": "Settlement",
        },
    )
    assert response.status_code == 200
    shown = {row["text"] for row in response.json()["results"]}
    assert shown == {str(world.incidents[name]) for name in ("b_draft", "b_submitted")} | {
        str(world.incidents[name]) for name in ("b_verified", "b_rejected")
    }


# ------------------------------------------------------------------------------------------
# Public identifiers are UUIDs, never sequential ids
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["anonymous", "token_write_a", "verifier"])
def test_records_are_not_reachable_by_their_sequential_id(actor_client, world, actor):
    client = actor_client(actor)
    for incident in world.incidents.values():
        assert client.get(f"{API}{incident.pk}/").status_code == 404
        assert client.patch(
            f"{API}{incident.pk}/", {"description": "x"}, format="json"
        ).status_code in ({"anonymous": 401, "token_write_a": 404, "verifier": 404}[actor],)
    for record in world.disruptions.values():
        assert client.get(f"/api/v1/service-disruptions/{record.pk}/").status_code == 404
    for record in world.grain.values():
        assert client.get(f"/api/v1/grain-disruptions/{record.pk}/").status_code == 404
    # Ids in every reviewed record's output are UUIDs.
    for endpoint in ("incidents", "service-disruptions", "grain-disruptions", "tombstones"):
        for row in client.get(f"/api/v1/{endpoint}/").json()["results"]:
            assert uuid.UUID(row["id"]).version == 4, (endpoint, row["id"])


def test_ingestion_runs_are_not_reachable_by_their_sequential_id(actor_client):
    run = IngestionRun.objects.create(
        format="acled", external_source="acled", location="export.csv", trigger="upload"
    )
    client = actor_client("verifier")
    assert client.get(f"/api/v1/ingestion-runs/{run.pk}/").status_code == 404
    assert client.get(f"/api/v1/ingestion-runs/{run.public_id}/").status_code == 200


def test_damaged_assets_and_sources_are_not_published_under_sequential_ids(actor_client, world):
    client = actor_client("anonymous")
    models = {"damaged-assets": DamagedAsset, "sources": Source}
    for endpoint, model in models.items():
        rows = client.get(f"/api/v1/{endpoint}/").json()["results"]
        assert rows, endpoint
        for row in rows:
            stored = model.objects.get(public_id=row["id"])
            assert client.get(f"/api/v1/{endpoint}/{row['id']}/").json()["id"] == row["id"]
            # The sequential primary key is no address at all.
            assert client.get(f"/api/v1/{endpoint}/{stored.pk}/").status_code == 404


def test_a_published_disruption_does_not_reveal_its_unpublished_incident(
    actor_client, world, organisation
):
    from django.utils import timezone

    from tests.factories import GrainDisruptionFactory

    draft = world.incidents["a_draft"]
    published = {"status": "verified", "verified_at": timezone.now()}
    ServiceDisruptionFactory(organisation=organisation, incident=draft, **published)
    GrainDisruptionFactory(organisation=organisation, incident=draft, **published)
    client = actor_client("token_b")
    leaks = {}
    for endpoint in ("service-disruptions", "grain-disruptions"):
        for fmt in ("json", "csv"):
            text = body_of(client.get(f"/api/v1/{endpoint}/", {"format": fmt}))
            if str(draft.public_id) in text:
                leaks[f"{endpoint}?format={fmt}"] = str(draft.public_id)
    assert leaks == {}
    # Its own organisation still sees the link.
    own = actor_client("token_write_a").get("/api/v1/service-disruptions/").json()["results"]
    assert str(draft.public_id) in {row["incident"] for row in own}


# ------------------------------------------------------------------------------------------
# Mass assignment through the API: review and provenance fields are never taken from input
# ------------------------------------------------------------------------------------------

REPORT = {"occurred_on": "2023-10-01", "incident_type": "drone_strike", "region": "UA80"}


def assigned_values(world, verifier, other_organisation) -> dict[str, Any]:
    return {
        "status": "verified",
        "verified_by": verifier.pk,
        "verified_at": "2023-10-02T10:00:00Z",
        "organisation": other_organisation.pk,
        "created_by": verifier.pk,
        "id": str(world.incidents["b_verified"].public_id),
    }


# Sent, these are refused with a 400 naming them as set by the review process; the others
# as unknown fields.
REFUSED = ("status", "verified_by", "verified_at", "organisation", "created_by", "id")
REVIEW_SET = "This field is set by the review process."
UNKNOWN = {
    "is_curated": True,
    "external_source": "acled",
    "external_id": "UKR123456",
    "public_id": "11111111-1111-4111-8111-111111111111",
    "rejection_reason": "forged",
    "last_ingestion_run": 1,
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
}


def review_state(incident: Incident) -> tuple[Any, ...]:
    incident.refresh_from_db()
    return (
        incident.status,
        incident.organisation_id,
        incident.created_by_id,
        incident.verified_by_id,
        incident.verified_at,
        incident.is_curated,
        incident.external_source,
        incident.external_id,
        str(incident.public_id),
        incident.rejection_reason,
        incident.last_ingestion_run_id,
    )


@pytest.mark.parametrize("payload_format", ["json", "multipart"])
@pytest.mark.parametrize("field", REFUSED)
def test_create_refuses_review_fields(
    actor_client, world, verifier, other_organisation, field, payload_format
):
    before = Incident.objects.count()
    value = assigned_values(world, verifier, other_organisation)[field]
    response = actor_client("token_write_a").post(
        API, {**REPORT, field: value}, format=payload_format
    )
    if payload_format == "multipart":  # writes take JSON alone
        assert response.status_code == 415
    else:
        assert response.status_code == 400
        assert response.json() == {field: ["This field is set by the review process."]}
    assert Incident.objects.count() == before


@pytest.mark.parametrize(("field", "value"), UNKNOWN.items())
def test_create_refuses_provenance_and_internal_fields(actor_client, world, field, value):
    IngestionRun.objects.create(
        pk=1, format="acled", external_source="acled", location="x.csv", trigger="upload"
    )
    before = Incident.objects.count()
    response = actor_client("token_write_a").post(API, {**REPORT, field: value}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["Unknown field."]}
    assert Incident.objects.count() == before


def test_create_as_verifier_with_every_review_field_is_refused_at_once(
    actor_client, world, verifier, other_organisation
):
    values = assigned_values(world, verifier, other_organisation)
    response = actor_client("verifier").post(API, {**REPORT, **values}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == set(REFUSED)


@pytest.mark.parametrize("actor", ["token_write_a", "reporter_a", "verifier"])
@pytest.mark.parametrize("field", [*REFUSED, *UNKNOWN])
def test_update_never_changes_review_or_provenance_fields(
    actor_client, world, verifier, other_organisation, actor, field
):
    IngestionRun.objects.create(
        pk=1, format="acled", external_source="acled", location="x.csv", trigger="upload"
    )
    incident = world.incidents["a_draft"]
    before = review_state(incident)
    value = {**assigned_values(world, verifier, other_organisation), **UNKNOWN}[field]
    client = actor_client(actor)
    for method in ("patch", "put"):
        payload = {**REPORT, "description": f"{method} {field}", field: value}
        response = getattr(client, method)(f"{API}{incident.public_id}/", payload, format="json")
        assert response.status_code == 400
        message = REVIEW_SET if field in REFUSED else "Unknown field."
        assert response.json() == {field: [message]}
        assert review_state(incident) == before
        assert incident.description != f"{method} {field}"


def test_rows_cannot_be_attached_to_another_record_nor_given_a_review_state(actor_client, world):
    target = world.incidents["b_draft"]
    grain = world.grain["a_grain_verified"]
    outage = world.disruptions["b_sd_verified"]
    source = {
        "name": "Forged",
        "url": "https://example.org/forged",
        "incident": target.pk,
        "grain_disruption": grain.pk,
        "service_disruption": outage.pk,
        "id": Source.objects.first().pk,
    }
    asset = {"asset_type": "residential", "incident": target.pk, "public_id": str(uuid.uuid4())}
    disruption = {
        "service": "water",
        "region": "UA80",
        "started_at": "2023-10-01T08:00:00Z",
        "incident": str(target.public_id),
        "asset": DamagedAsset.objects.first().pk,
        "status": "verified",
        "organisation": target.organisation_id,
    }
    before = (Incident.objects.count(), Source.objects.count(), DamagedAsset.objects.count())
    response = actor_client("token_write_a").post(
        API,
        {**REPORT, "sources": [source], "assets": [asset], "disruptions": [disruption]},
        format="json",
    )
    assert response.status_code == 400
    unknown = ["Unknown field."]
    assert response.json() == {
        "sources": {
            "0": {
                "incident": unknown,
                "grain_disruption": unknown,
                "service_disruption": unknown,
                "id": unknown,
            }
        },
        "assets": {"0": {"incident": unknown, "public_id": unknown}},
        "disruptions": {
            "0": {
                "incident": unknown,
                "asset": unknown,
                "status": [REVIEW_SET],
                "organisation": [REVIEW_SET],
            }
        },
    }
    after = (Incident.objects.count(), Source.objects.count(), DamagedAsset.objects.count())
    assert after == before
    assert target.sources.filter(name="Forged").count() == 0


# ------------------------------------------------------------------------------------------
# Mass assignment through the admin: a Reporter's form cannot set review fields either
# ------------------------------------------------------------------------------------------


def admin_form(incident: Incident | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "occurred_on": "2023-10-01",
        "occurred_at_0": "",
        "occurred_at_1": "",
        "date_precision": "day",
        "region": "",
        "settlement": "Lutsk",
        "latitude": "",
        "longitude": "",
        "location_precision": "settlement",
        "incident_type": "drone_strike",
        "attack_wave": "",
        "weapons_launched": "",
        "weapons_intercepted": "",
        "description": "From the admin",
        "killed": 0,
        "children_killed": 0,
        "injured": 1,
        "children_injured": 0,
        "external_source": "",
        "external_id": "",
        "change_reason": "",
    }
    if incident is not None:
        data["occurred_on"] = incident.occurred_on.isoformat()
        data["region"] = incident.region_id
        data["killed"] = incident.killed
        data["injured"] = incident.injured
    for prefix in ("assets", "disruptions", "sources"):
        counts = {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}
        data |= {f"{prefix}-{name}": count for name, count in counts.items()}
    return {**data, **changes}


def forged_admin_fields(verifier, other_organisation) -> dict[str, Any]:
    return {
        "status": "verified",
        "verified_by": verifier.pk,
        "verified_at_0": "2023-10-02",
        "verified_at_1": "10:00:00",
        "organisation": other_organisation.pk,
        "created_by": verifier.pk,
        "rejection_reason": "forged",
        "is_curated": "on",
        "public_id": "11111111-1111-4111-8111-111111111111",
    }


def test_reporter_admin_add_ignores_review_fields(
    client, world, reporter, organisation, verifier, other_organisation
):
    client.force_login(reporter)
    data = admin_form(**forged_admin_fields(verifier, other_organisation))
    response = client.post(reverse("admin:incidents_incident_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    incident = Incident.objects.get(settlement="Lutsk")
    assert review_state(incident)[:6] == ("draft", organisation.pk, reporter.pk, None, None, False)
    assert str(incident.public_id) != "11111111-1111-4111-8111-111111111111"
    assert incident.rejection_reason == ""


def test_reporter_admin_change_ignores_review_fields(
    client, world, reporter, verifier, other_organisation
):
    incident = world.incidents["a_draft"]
    before = review_state(incident)
    client.force_login(reporter)
    data = admin_form(incident, **forged_admin_fields(verifier, other_organisation))
    response = client.post(reverse("admin:incidents_incident_change", args=[incident.pk]), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert review_state(incident) == before
    assert incident.settlement == "Lutsk"


def test_reporter_cannot_post_changes_to_a_record_outside_the_workspace(
    client, world, other_reporter
):
    incident = world.incidents["a_draft"]
    client.force_login(other_reporter)
    response = client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]), admin_form(incident)
    )
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    incident.refresh_from_db()
    assert incident.settlement == "Settlement a_draft"


def test_reporter_cannot_post_changes_to_an_own_submitted_record(client, world, reporter):
    incident = world.incidents["a_submitted"]
    client.force_login(reporter)
    response = client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]), admin_form(incident)
    )
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.settlement == "Settlement a_submitted"


def test_own_records_in_a_bulk_action_cannot_smuggle_in_anothers(client, world, reporter):
    """The action's queryset is the workspace: ids of other organisations are dropped."""
    client.force_login(reporter)
    data = {
        "action": "submit_selected",
        "_selected_action": [world.incidents["a_draft"].pk, world.incidents["b_draft"].pk],
    }
    response = client.post(reverse("admin:incidents_incident_changelist"), data)
    assert response.status_code == 302
    statuses = {name: Incident.objects.get(pk=world.incidents[name].pk).status for name in OWN_A}
    assert statuses["a_draft"] == "submitted"
    assert Incident.objects.get(pk=world.incidents["b_draft"].pk).status == "draft"
