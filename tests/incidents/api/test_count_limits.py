"""Counts stop at PostgreSQL's integer maximum on every database: a larger number is a field
error, never a 500 (PostgreSQL overflows) nor a row SQLite would store and then sum wrong."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from incidents.models import AttackWaveWeapon, DamagedAsset, Incident
from incidents.models.base import MAX_COUNT
from tests.factories import AttackWaveFactory, DamagedAssetFactory, IncidentFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"
TOO_LARGE = "Ensure this value is less than or equal to 2147483647."
INCIDENT_COUNTS = (
    "killed",
    "injured",
    "children_killed",
    "children_injured",
    "weapons_launched",
    "weapons_intercepted",
)


def report(**counts: object) -> dict[str, object]:
    return {"occurred_on": "2023-08-15", "incident_type": "missile_strike", **counts}


def test_max_count_is_postgresqls_integer_maximum():
    assert MAX_COUNT == 2**31 - 1


@pytest.mark.parametrize("value", [MAX_COUNT + 1, 2**63 - 1, 2**63, 10**30])
@pytest.mark.parametrize("field", ["killed", "injured", "weapons_launched", "weapons_intercepted"])
def test_a_count_above_the_maximum_is_a_field_error(partner_a, field, value):
    response = partner_a.post(URL, report(**{field: value}), format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {field: [TOO_LARGE]}
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("field", ["children_killed", "children_injured"])
def test_children_above_the_maximum_are_a_field_error(partner_a, field):
    parent = field.replace("children_", "")
    payload = report(**{parent: MAX_COUNT, field: MAX_COUNT + 1})
    response = partner_a.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {field: [TOO_LARGE]}
    assert Incident.objects.count() == 0


@pytest.fixture
def reporter_session(reporter) -> APIClient:
    client = APIClient()
    client.force_authenticate(reporter)
    return client


@pytest.mark.parametrize("client_name", ["partner_a", "reporter_session"])
@pytest.mark.parametrize(
    "injured", [9223372036854775807, "9223372036854775807"], ids=["number", "string"]
)
def test_sqlites_largest_integer_is_refused_from_keys_and_sessions(request, client_name, injured):
    client = request.getfixturevalue(client_name)
    response = client.post(URL, report(injured=injured), format="json")
    assert response.status_code == 400
    assert response.json() == {"injured": [TOO_LARGE]}
    assert Incident.objects.count() == 0


def test_the_maximum_itself_is_accepted_and_read_back(partner_a):
    counts = dict.fromkeys(INCIDENT_COUNTS, MAX_COUNT)
    response = partner_a.post(URL, report(**counts), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {name: data[name] for name in counts} == counts
    incident = Incident.objects.get(public_id=data["id"])
    assert (incident.killed, incident.injured, incident.weapons_intercepted) == (MAX_COUNT,) * 3


def test_an_edit_above_the_maximum_changes_nothing(partner_a, organisation):
    incident = IncidentFactory(organisation=organisation, injured=2)
    response = partner_a.patch(f"{URL}{incident.public_id}/", {"injured": 2**63 - 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {"injured": [TOO_LARGE]}
    incident.refresh_from_db()
    assert incident.injured == 2


def at_maximum(kind: str):
    """An unsaved record whose counts all sit at the maximum, which is valid."""
    if kind == "incident":
        return IncidentFactory.build(**dict.fromkeys(INCIDENT_COUNTS, MAX_COUNT))
    if kind == "asset":
        return DamagedAssetFactory.build(incident=IncidentFactory(), count=MAX_COUNT)
    return AttackWaveWeapon(
        wave=AttackWaveFactory(),
        weapon_type="attack_drone",
        launched=MAX_COUNT,
        intercepted=MAX_COUNT,
    )


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        *(("incident", name) for name in INCIDENT_COUNTS),
        ("asset", "count"),
        ("weapon", "launched"),
        ("weapon", "intercepted"),
    ],
)
def test_models_refuse_counts_above_the_maximum(kind, field):
    record = at_maximum(kind)
    record.full_clean()
    setattr(record, field, MAX_COUNT + 1)
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert error.value.message_dict[field] == [TOO_LARGE]


def test_every_count_field_has_the_limit():
    limited = {
        (model.__name__, field.name)
        for model in (Incident, DamagedAsset, AttackWaveWeapon)
        for field in model._meta.concrete_fields
        if any(getattr(v, "limit_value", None) == MAX_COUNT for v in field._validators)
    }
    assert limited == {
        ("Incident", "weapons_launched"),
        ("Incident", "weapons_intercepted"),
        ("Incident", "killed"),
        ("Incident", "injured"),
        ("Incident", "children_killed"),
        ("Incident", "children_injured"),
        ("DamagedAsset", "count"),
        ("AttackWaveWeapon", "launched"),
        ("AttackWaveWeapon", "intercepted"),
    }
