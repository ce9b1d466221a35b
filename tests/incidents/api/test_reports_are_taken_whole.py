"""A report is taken whole or refused whole: its damaged assets, service disruptions and
sources are stored with it under the admin's rules for rows, an invalid row writes nothing,
and no key of the body is silently dropped."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import OrganisationAPIKey
from incidents.limits import MAX_COUNT, latest_date
from incidents.models import DamagedAsset, Incident, ServiceDisruption, Source
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"
TOO_LARGE = "Ensure this value is less than or equal to 2147483647."
NOT_EDITED = "Damaged assets, disruptions and sources are sent with the report, not edited."
UNKNOWN = ["Unknown field."]

ASSETS = [
    {"asset_type": "residential", "name": "Block 5", "count": 3, "damage_level": "destroyed"},
    {"asset_type": "energy", "name": "Substation", "notes": "Transformer burnt"},
]
DISRUPTION = {
    "service": "electricity",
    "region": "UA-46",
    "settlement": "Lviv",
    "facility": "Substation",
    "people_affected": 12000,
    "households_affected": 4000,
    "started_at": "2023-08-15T03:30:00Z",
    "restored_at": "2023-08-16T18:00:00Z",
    "description": "Blackout in two districts",
}
SOURCE = {"name": "Lviv OVA", "url": "https://example.org/r/1"}


def report(**rows: object) -> dict[str, object]:
    return {
        "occurred_on": "2023-08-15",
        "incident_type": "missile_strike",
        "region": "UA46",
        "settlement": "Lviv",
        "injured": 19,
        **rows,
    }


def stored() -> dict[str, int]:
    """Rows of every kind and their history: what a refused report must leave as it was."""
    models = {"incident": Incident, "asset": DamagedAsset, "disruption": ServiceDisruption}
    counts = {name: model.objects.count() for name, model in models.items()}
    counts |= {f"{name} history": model.history.count() for name, model in models.items()}
    counts["source"] = Source.objects.count()
    counts["source history"] = Source.history.count()
    return counts


NOTHING = dict.fromkeys(
    [
        "incident",
        "asset",
        "disruption",
        "incident history",
        "asset history",
        "disruption history",
        "source",
        "source history",
    ],
    0,
)


def test_a_partners_report_is_stored_with_its_assets_disruptions_and_sources(
    partner_a, organisation
):
    payload = report(
        assets=ASSETS, disruptions=[DISRUPTION], sources=[SOURCE], change_reason="Field team"
    )
    response = partner_a.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    incident = Incident.objects.get(public_id=created["id"])
    assert [
        (asset.asset_type, asset.name, asset.count, asset.damage_level, asset.notes)
        for asset in incident.assets.order_by("id")
    ] == [
        ("residential", "Block 5", 3, "destroyed", ""),
        ("energy", "Substation", 1, "damaged", "Transformer burnt"),
    ]
    disruption = incident.disruptions.get()
    assert (
        disruption.service,
        disruption.region.pcode,
        disruption.settlement,
        disruption.facility,
        disruption.people_affected,
        disruption.households_affected,
        disruption.started_at,
        disruption.restored_at,
        disruption.description,
    ) == (
        "electricity",
        "UA46",
        "Lviv",
        "Substation",
        12000,
        4000,
        dt.datetime(2023, 8, 15, 3, 30, tzinfo=dt.UTC),
        dt.datetime(2023, 8, 16, 18, 0, tzinfo=dt.UTC),
        "Blackout in two districts",
    )
    # The report's organisation and review state, taken to review with it.
    assert (disruption.organisation, disruption.status, disruption.created_by) == (
        organisation,
        "submitted",
        None,
    )
    assert (incident.status, incident.sources.get().name) == ("submitted", "Lviv OVA")
    # Each row's history names the key and the report's reason, as the sources' does.
    key = OrganisationAPIKey.objects.get(organisation=organisation).prefix
    entered = f"Field team (through the API: Lviv Relief (LR) (key {key}))"
    submitted = f"Submitted for review (through the API: Lviv Relief (LR) (key {key}))"
    assert [record.history_change_reason for record in DamagedAsset.history.all()] == [
        entered,
        entered,
    ]
    assert [
        record.history_change_reason for record in disruption.history.order_by("history_id")
    ] == [entered, submitted]
    assert [record.history_change_reason for record in Source.history.all()] == [entered]
    # The answer is the detail as the partner reads it back, new rows included.
    assert partner_a.get(f"{URL}{incident.public_id}/").json() == created
    assert [asset["name"] for asset in created["assets"]] == ["Substation", "Block 5"]
    assert [
        (row["id"], row["service"], row["region"], row["status"], row["organisation"])
        for row in created["disruptions"]
    ] == [(str(disruption.public_id), "electricity", "UA46", "submitted", "Lviv Relief")]
    assert [source["name"] for source in created["sources"]] == ["Lviv OVA"]


def test_a_staff_report_keeps_its_disruptions_in_draft_with_it(staff, verifier):
    response = staff.post(URL, report(disruptions=[DISRUPTION]), format="json")
    assert response.status_code == 201, response.content
    disruption = ServiceDisruption.objects.get()
    assert (disruption.status, disruption.organisation, disruption.created_by) == (
        "draft",
        verifier.organisation,
        verifier,
    )
    assert response.json()["disruptions"][0]["status"] == "draft"
    history = disruption.history.get()
    assert (history.history_user, history.history_change_reason) == (verifier, None)


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        (
            {"assets": [ASSETS[0], {**ASSETS[1], "count": MAX_COUNT + 1}]},
            {"assets": {"1": {"count": [TOO_LARGE]}}},
        ),
        (
            {"assets": [{"asset_type": "castle"}]},
            {"assets": {"0": {"asset_type": ['"castle" is not a valid choice.']}}},
        ),
        (
            {"disruptions": [DISRUPTION, {**DISRUPTION, "service": "internet"}]},
            {"disruptions": {"1": {"service": ['"internet" is not a valid choice.']}}},
        ),
        (
            {"disruptions": [{**DISRUPTION, "people_affected": MAX_COUNT + 1}]},
            {"disruptions": {"0": {"people_affected": [TOO_LARGE]}}},
        ),
        (
            {"disruptions": [{"service": "water"}]},
            {
                "disruptions": {
                    "0": {
                        "region": ["This field is required."],
                        "started_at": ["This field is required."],
                    }
                }
            },
        ),
        (
            {"disruptions": [{**DISRUPTION, "region": "UA99"}]},
            {"disruptions": {"0": {"region": ["'UA99' is not a known P-code or ISO code."]}}},
        ),
        # Rules across fields, checked by the model when the report is saved, are named by
        # row too.
        (
            {
                "sources": [SOURCE],
                "disruptions": [
                    DISRUPTION,
                    {**DISRUPTION, "restored_at": "2023-08-15T03:00:00Z"},
                ],
            },
            {
                "disruptions": {
                    "1": {
                        "non_field_errors": [
                            "A service cannot be restored before the outage began."
                        ]
                    }
                }
            },
        ),
        (
            {"assets": [ASSETS[0], ASSETS[1], {**ASSETS[0], "count": 0}]},
            {"assets": {"2": {"count": ["Ensure this value is greater than or equal to 1."]}}},
        ),
        (
            {"sources": [SOURCE, {"name": "Lviv OVA", "url": "example.org/r/1"}]},
            {"sources": {"1": {"url": ["Enter a valid URL."]}}},
        ),
    ],
)
def test_an_invalid_row_refuses_the_whole_report(partner_a, rows, errors):
    response = partner_a.post(URL, report(**rows), format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert stored() == NOTHING


@pytest.mark.parametrize("field", ["started_at", "restored_at"])
def test_a_disruption_dated_outside_the_bounds_refuses_the_report(partner_a, field):
    moment = "2013-12-31T12:00:00Z" if field == "started_at" else "2999-01-01T00:00:00Z"
    payload = report(disruptions=[{**DISRUPTION, field: moment}])
    response = partner_a.post(URL, payload, format="json")
    assert response.status_code == 400
    bounds = f"Dates from 2014-01-01 to {latest_date().isoformat()} are accepted"
    assert response.json() == {
        "disruptions": {"0": {field: [f"{bounds} (today in Kyiv plus a day)."]}}
    }
    assert stored() == NOTHING


def test_a_list_of_more_than_a_hundred_rows_is_refused(partner_a):
    response = partner_a.post(URL, report(assets=[ASSETS[0]] * 101), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "assets": {"non_field_errors": ["Ensure this field has no more than 100 elements."]}
    }
    assert stored() == NOTHING


def test_unknown_fields_are_named_at_the_top_and_in_every_row(partner_a):
    payload = report(
        injuredd=4,
        assets=[ASSETS[0], {**ASSETS[1], "cnt": 2}],
        disruptions=[{**DISRUPTION, "peopel_affected": 5, "status": "verified"}],
        sources=[{**SOURCE, "titel": "Strike"}],
    )
    response = partner_a.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "injuredd": UNKNOWN,
        "assets": {"1": {"cnt": UNKNOWN}},
        "disruptions": {
            "0": {
                "peopel_affected": UNKNOWN,
                "status": ["This field is set by the review process."],
            }
        },
        "sources": {"0": {"titel": UNKNOWN}},
    }
    assert stored() == NOTHING


def test_unknown_fields_come_with_the_other_field_errors(partner_a):
    response = partner_a.post(URL, report(killed=-1, injuredd=4), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "killed": ["Ensure this value is greater than or equal to 0."],
        "injuredd": UNKNOWN,
    }


@pytest.mark.parametrize("method", ["put", "patch"])
def test_edits_refuse_unknown_fields_and_rows(partner_a, organisation, method):
    incident = IncidentFactory(organisation=organisation, injured=2)
    url = f"{URL}{incident.public_id}/"
    before = stored()
    payload = report(injuredd=4, assets=ASSETS, disruptions=[DISRUPTION], sources=[SOURCE])
    response = getattr(partner_a, method)(url, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "injuredd": UNKNOWN,
        "assets": [NOT_EDITED],
        "disruptions": [NOT_EDITED],
        "sources": [NOT_EDITED],
    }
    assert stored() == before
    incident.refresh_from_db()
    assert incident.injured == 2


def test_the_schema_describes_the_rows_a_report_takes(anonymous):
    schema = anonymous.get("/api/v1/schema/", {"format": "json"}).json()
    body = schema["paths"]["/api/v1/incidents/"]["post"]["requestBody"]["content"]
    components = schema["components"]["schemas"]
    report_schema = components[body["application/json"]["schema"]["$ref"].split("/")[-1]]
    rows = {
        name: report_schema["properties"][name] for name in ("assets", "disruptions", "sources")
    }
    assert {name: row["maxItems"] for name, row in rows.items()} == dict.fromkeys(rows, 100)
    assert {name: row["items"]["$ref"] for name, row in rows.items()} == {
        "assets": "#/components/schemas/DamagedAssetInput",
        "disruptions": "#/components/schemas/ServiceDisruptionInput",
        "sources": "#/components/schemas/SourceInput",
    }
    assert components["ServiceDisruptionInput"]["required"] == ["region", "service", "started_at"]
    assert report_schema["additionalProperties"] is False
    assert components["ServiceDisruptionInput"]["additionalProperties"] is False
    # A correction takes the report's own fields only.
    for method in ("put", "patch"):
        operation = schema["paths"]["/api/v1/incidents/{id}/"][method]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        properties = components[ref.split("/")[-1]]["properties"]
        assert not {"assets", "disruptions", "sources"} & set(properties)
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/IncidentDetail"}
