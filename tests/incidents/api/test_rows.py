"""Lists and exports read from ``.values()`` rows (``incidents.api.rows``) must be exactly
what DRF's serializers give for the same records, on every page and in every format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from incidents.api import views
from incidents.api.formats import csv_lines
from incidents.api.rows import RowPlan, row_plan
from incidents.api.serializers import (
    AttackWaveSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    RegionSerializer,
    ServiceDisruptionSerializer,
)
from incidents.api.urls import router
from incidents.models import Incident, ServiceDisruption
from tests.factories import (
    AttackWaveFactory,
    DamagedAssetFactory,
    GrainDisruptionFactory,
    GrainShipmentFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    SourceFactory,
    port,
    region,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"
# 00:40 UTC is 03:40 in Kyiv (summer time), the time zone the API renders in.
NIGHT_STRIKE = dt.datetime(2023, 8, 15, 0, 40, tzinfo=dt.UTC)
VERIFIED_AT = dt.datetime(2023, 8, 20, 9, 12, 44, 512000, tzinfo=dt.UTC)

# Which list endpoints are served from rows. A flat serializer must keep its plan (dropping
# one silently brings back instance-per-row lists); a nested one must never get one.
EXPECTED_PLANS = {
    "IncidentViewSet": True,
    "ServiceDisruptionViewSet": True,
    "DamagedAssetViewSet": True,
    "SourceViewSet": True,
    "GrainDisruptionViewSet": True,
    "GrainShipmentViewSet": True,
    "RegionViewSet": False,  # parent is a SlugRelatedField
    "AttackWaveViewSet": False,  # weapons are nested
    "EventViewSet": False,  # figures and reports are read from the event
}
READERS = ["anonymous", "reporter", "verifier"]


def verified() -> dict[str, Any]:
    return {"status": "verified", "verified_at": VERIFIED_AT}


def exportable_viewsets() -> dict[str, type]:
    return {
        viewset.__name__: viewset
        for _prefix, viewset, _basename in router.registry
        if issubclass(viewset, views.ExportableListMixin)
    }


def list_view(viewset_class: type, user: Any) -> Any:
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    return viewset_class(action="list", request=request, args=(), kwargs={}, format_kwarg=None)


def list_queryset(viewset_class: type, user: Any) -> QuerySet:
    """The filtered, ordered queryset the list endpoint reads for this reader."""
    view = list_view(viewset_class, user)
    return view.filter_queryset(view.get_queryset())


def plan_for(viewset_class: type) -> RowPlan:
    serializer_class = list_view(viewset_class, AnonymousUser()).get_serializer_class()
    plan = row_plan(serializer_class)
    assert plan is not None, f"{serializer_class.__name__} has no row plan"
    return plan


def as_json(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data))


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def records(organisation, other_organisation):
    """Records that between them take every branch of the row plans: nulls and values,
    missing relations, and links to incidents some readers may not see."""
    at_sea = IncidentFactory(
        region=None,
        organisation=None,
        settlement="",
        external_source="acled",
        external_id="UKR12011",
        incident_type="drone_strike",
        occurred_on=dt.date(2023, 7, 19),
        latitude=Decimal("45.5"),
        longitude=Decimal("30.123456"),
        location_precision="region",
        **verified(),
    )
    lviv = IncidentFactory(
        organisation=organisation,
        occurred_at=NIGHT_STRIKE,
        latitude=Decimal("49.839700"),
        longitude=Decimal("24.0297"),
        location_precision="exact",
        weapons_launched=10,
        weapons_intercepted=8,
        killed=3,
        children_killed=1,
        injured=12,
        children_injured=1,
        description="Missile hit an apartment block.\nRescue work lasted two days.",
        submitted=True,
    )
    draft = IncidentFactory(
        organisation=organisation, occurred_on=dt.date(2023, 9, 2), settlement="Zolochiv"
    )
    kyiv = IncidentFactory(
        organisation=other_organisation,
        region=region("UA80"),
        settlement="Kyiv",
        occurred_on=dt.date(2023, 9, 2),
        weapons_launched=0,
        weapons_intercepted=0,
        killed=0,
        injured=0,
        latitude=Decimal("-0.000001"),
        longitude=Decimal("-180"),
        **verified(),
    )
    IncidentFactory(
        organisation=other_organisation,
        status="rejected",
        rejection_reason="duplicate",
        occurred_on=dt.date(2022, 2, 24),
    )

    from_kyiv = ServiceDisruptionFactory(
        incident=kyiv,
        organisation=other_organisation,
        region=region("UA80"),
        service="electricity",
        facility="Substation 7",
        people_affected=250000,
        households_affected=90000,
        restored_at=dt.datetime(2023, 9, 3, 18, 30, 5, tzinfo=dt.UTC),
        **verified(),
    )
    no_incident = ServiceDisruptionFactory(
        incident=None, organisation=None, people_affected=None, **verified()
    )
    # Published, but caused by a draft: readers outside the organisation see no incident.
    ServiceDisruptionFactory(
        incident=draft, organisation=other_organisation, service="heating", **verified()
    )
    draft_disruption = ServiceDisruptionFactory(incident=lviv, organisation=organisation)

    SourceFactory(
        incident=lviv, kind="official", title="Telegram", published_on=dt.date(2023, 8, 15)
    )
    SourceFactory(incident=at_sea, kind="dataset", url="", published_on=None)
    SourceFactory(incident=draft, title="Local news")
    SourceFactory(incident=None, service_disruption=no_incident, title="Utility statement")
    SourceFactory(incident=None, service_disruption=draft_disruption, url="")
    SourceFactory(incident=None, service_disruption=from_kyiv, kind="ngo")

    DamagedAssetFactory(
        incident=lviv,
        name="Apartment block, Stusa St",
        count=1,
        damage_level="destroyed",
        notes="Upper three floors collapsed",
    )
    DamagedAssetFactory(incident=at_sea, asset_type="port", name="", count=2)
    DamagedAssetFactory(incident=kyiv, asset_type="energy", count=120, damage_level="unknown")
    DamagedAssetFactory(incident=draft, asset_type="education")

    GrainDisruptionFactory(
        organisation=other_organisation,
        incident=at_sea,
        facility="Grain terminal",
        grain_destroyed_tonnes=Decimal("60000.5"),
        export_capacity_lost_tonnes=Decimal("0"),
        ended_on=dt.date(2023, 7, 30),
        **verified(),
    )
    GrainDisruptionFactory(
        organisation=None,
        port=None,
        disruption_type="suspension",
        started_on=dt.date(2023, 7, 17),
        **verified(),
    )
    GrainDisruptionFactory(organisation=organisation, incident=draft, port=port("Izmail"))
    GrainDisruptionFactory(organisation=other_organisation, incident=draft, **verified())

    GrainShipmentFactory(commodity="Corn")
    GrainShipmentFactory(
        vessel_name="SEA HERO", imo="", departure_port=port("Chornomorsk"), tonnes=1, is_wfp=True
    )
    AttackWaveFactory()
    return {"at_sea": at_sea, "lviv": lviv, "draft": draft, "kyiv": kyiv}


@pytest.fixture
def reader(request, reporter, verifier):
    return {"anonymous": AnonymousUser(), "reporter": reporter, "verifier": verifier}[request.param]


def test_exactly_the_flat_list_serializers_get_a_plan():
    viewsets = exportable_viewsets()
    assert set(viewsets) == set(EXPECTED_PLANS)
    planned = {
        name: row_plan(list_view(viewset, AnonymousUser()).get_serializer_class()) is not None
        for name, viewset in viewsets.items()
    }
    assert planned == EXPECTED_PLANS


@pytest.mark.parametrize("serializer_class", [IncidentSerializer, ServiceDisruptionSerializer])
def test_a_plan_gives_every_field_in_the_serializers_order(serializer_class):
    plan = row_plan(serializer_class)
    assert plan is not None
    assert [column.name for column in plan.columns] == list(serializer_class().fields)


def test_relations_are_read_through_joins_and_hidden_incidents_from_the_annotation():
    incident_plan, disruption_plan = (
        row_plan(IncidentSerializer),
        row_plan(ServiceDisruptionSerializer),
    )
    assert incident_plan is not None
    assert disruption_plan is not None
    assert {"public_id", "region__pcode", "organisation__name"} <= set(incident_plan.lookups)
    assert {"region__pcode", "incident_reference", "organisation__name"} <= set(
        disruption_plan.lookups
    )
    assert "incident__public_id" not in disruption_plan.lookups
    # Without the reader's visibility annotation the plan must not be used.
    assert not disruption_plan.applies_to(ServiceDisruption.objects.all())


@pytest.mark.parametrize("reader", READERS, indirect=True)
@pytest.mark.parametrize("viewset_name", [n for n, planned in EXPECTED_PLANS.items() if planned])
def test_rows_are_exactly_what_the_serializer_gives(records, reader, viewset_name):
    viewset = exportable_viewsets()[viewset_name]
    queryset = list_queryset(viewset, reader)
    serializer_class = list_view(viewset, reader).get_serializer_class()
    expected = serializer_class(list(queryset), many=True).data
    assert len(expected) >= 2  # the fixture gives every endpoint something to show

    plan = plan_for(viewset)
    assert plan.applies_to(queryset)
    rows = list(plan.represent_all(plan.values(queryset)))

    assert rows == [dict(row) for row in expected]
    # Same keys in the same order, same types: the same bytes on the wire.
    assert JSONRenderer().render(rows) == JSONRenderer().render(expected)


def test_the_page_is_the_serializers_output(records, verifier):
    client = APIClient()
    client.force_authenticate(verifier)
    ordered = list(list_queryset(views.IncidentViewSet, verifier))
    assert len(ordered) == 5

    first = client.get(URL, {"limit": 3})
    assert first.status_code == 200
    page = first.json()
    assert list(page) == ["count", "next", "previous", "results"]
    assert (page["count"], page["previous"]) == (5, None)
    assert page["next"].startswith("http://testserver/api/v1/incidents/?cursor=")
    assert page["results"] == as_json(IncidentSerializer(ordered[:3], many=True).data)

    second = client.get(URL, {"limit": 3, "offset": 3}).json()
    assert (second["count"], second["next"]) == (5, None)
    assert second["results"] == as_json(IncidentSerializer(ordered[3:], many=True).data)
    # The next link (a cursor) leads to the same page, and its previous link back.
    by_cursor = client.get(page["next"]).json()
    assert (by_cursor["count"], by_cursor["next"]) == (5, None)
    assert by_cursor["results"] == second["results"]
    assert client.get(by_cursor["previous"]).json()["results"] == page["results"]

    by_id = {row["id"]: row for row in page["results"] + second["results"]}
    at_sea = by_id[str(records["at_sea"].public_id)]
    assert (at_sea["region"], at_sea["organisation"], at_sea["occurred_at"]) == (None, "", None)
    assert (at_sea["latitude"], at_sea["longitude"]) == ("45.500000", "30.123456")
    assert (at_sea["weapons_launched"], at_sea["verified_at"]) == (
        None,
        "2023-08-20T12:12:44.512000+03:00",
    )
    lviv = by_id[str(records["lviv"].public_id)]
    assert (lviv["region"], lviv["organisation"], lviv["status"]) == (
        "UA46",
        "Lviv Relief",
        "submitted",
    )
    assert (lviv["occurred_at"], lviv["latitude"], lviv["longitude"]) == (
        "2023-08-15T03:40:00+03:00",
        "49.839700",
        "24.029700",
    )
    assert (lviv["weapons_launched"], lviv["weapons_intercepted"], lviv["verified_at"]) == (
        10,
        8,
        None,
    )
    kyiv = by_id[str(records["kyiv"].public_id)]
    assert (kyiv["latitude"], kyiv["longitude"], kyiv["weapons_launched"]) == (
        "-0.000001",
        "-180.000000",
        0,
    )


def test_hidden_incidents_are_null_on_the_disruptions_page(records, anonymous, partner_a):
    url = "/api/v1/service-disruptions/"
    draft_id = str(records["draft"].public_id)
    public = {row["service"]: row for row in anonymous.get(url).json()["results"]}
    assert sorted(public) == ["electricity", "heating", "water"]
    assert public["heating"]["incident"] is None
    assert public["electricity"]["incident"] == str(records["kyiv"].public_id)
    assert (public["water"]["incident"], public["water"]["organisation"]) == (None, "")
    assert public["water"]["people_affected"] is None
    assert public["electricity"]["restored_at"] == "2023-09-03T21:30:05+03:00"
    # The draft's own organisation sees which of its incidents caused the outage.
    own = {row["service"]: row for row in partner_a.get(url).json()["results"]}
    assert own["heating"]["incident"] == draft_id


@pytest.mark.parametrize("export", ["csv", "hxl"])
def test_csv_exports_are_the_serializers_rows(records, staff, verifier, export):
    response = staff.get(URL, {"format": export})
    assert response.status_code == 200
    text = body(response)
    ordered = list(list_queryset(views.IncidentViewSet, verifier))
    expected = IncidentSerializer(ordered, many=True).data
    fields = list(IncidentSerializer().fields)
    assert text == "".join(csv_lines(expected, fields, hxl=export == "hxl"))

    if export == "hxl":
        header, tags, rest = text.split("\r\n", 2)
        assert tags.startswith("#meta+id,#meta+source+external,#meta+id+external,")
        text = f"{header}\r\n{rest}"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    by_id = {row["id"]: row for row in rows}
    lviv = by_id[str(records["lviv"].public_id)]
    assert (lviv["latitude"], lviv["longitude"], lviv["occurred_at"]) == (
        "49.839700",
        "24.029700",
        "2023-08-15T03:40:00+03:00",
    )
    assert (lviv["organisation"], lviv["region"], lviv["verified_at"]) == (
        "Lviv Relief",
        "UA46",
        "",
    )
    assert lviv["description"] == "Missile hit an apartment block.\nRescue work lasted two days."
    at_sea = by_id[str(records["at_sea"].public_id)]
    assert (at_sea["organisation"], at_sea["region"], at_sea["weapons_launched"]) == ("", "", "")
    assert (at_sea["external_id"], at_sea["verified_at"]) == (
        "UKR12011",
        "2023-08-20T12:12:44.512000+03:00",
    )


def test_disruption_csv_leaves_hidden_incidents_and_missing_organisations_empty(records, anonymous):
    text = body(anonymous.get("/api/v1/service-disruptions/", {"format": "csv"}))
    queryset = list_queryset(views.ServiceDisruptionViewSet, AnonymousUser())
    expected = ServiceDisruptionSerializer(list(queryset), many=True).data
    assert text == "".join(csv_lines(expected, list(ServiceDisruptionSerializer().fields)))
    rows = {row["service"]: row for row in csv.DictReader(io.StringIO(text))}
    assert (rows["heating"]["incident"], rows["water"]["organisation"]) == ("", "")
    assert rows["electricity"]["incident"] == str(records["kyiv"].public_id)
    assert rows["electricity"]["households_affected"] == "90000"


def test_geojson_features_carry_the_serializers_rows(records, staff, verifier):
    collection = json.loads(body(staff.get(URL, {"format": "geojson"})))
    ordered = list(list_queryset(views.IncidentViewSet, verifier))
    expected = as_json(IncidentSerializer(ordered, many=True).data)
    for row in expected:  # GeoJSON gives coordinates as numbers, and says why one is missing
        located = row["latitude"] is not None
        if located:
            row["latitude"], row["longitude"] = float(row["latitude"]), float(row["longitude"])
        missing = "region_only" if row["region"] else "no_coordinates"
        row["geometry_missing_reason"] = None if located else missing
    assert [feature["properties"] for feature in collection["features"]] == expected
    geometry = {feature["id"]: feature["geometry"] for feature in collection["features"]}
    assert geometry[str(records["lviv"].public_id)] == {
        "type": "Point",
        "coordinates": [24.0297, 49.8397],
    }
    assert geometry[str(records["kyiv"].public_id)]["coordinates"] == [-180.0, -0.000001]
    assert geometry[str(records["draft"].public_id)] is None


def test_list_pages_and_exports_build_no_model_instances(records, staff, monkeypatch):
    built: list[int] = []
    from_db = Incident.from_db.__func__  # type: ignore[attr-defined]

    def counting_from_db(cls, *args, **kwargs):
        built.append(1)
        return from_db(cls, *args, **kwargs)

    monkeypatch.setattr(Incident, "from_db", classmethod(counting_from_db))
    assert len(staff.get(URL, {"limit": 3}).json()["results"]) == 3
    assert body(staff.get(URL, {"format": "csv"})).count("\n") > 5
    assert built == []
    # The detail is still read as an instance: the counter does see instances.
    staff.get(f"{URL}{records['lviv'].public_id}/")
    assert built


def test_nested_serializers_and_method_fields_get_no_plan():
    assert row_plan(IncidentDetailSerializer) is None
    assert row_plan(AttackWaveSerializer) is None
    assert row_plan(RegionSerializer) is None

    class WithMethodField(serializers.ModelSerializer):
        place = serializers.SerializerMethodField()

        class Meta:
            model = Incident
            fields = ["killed", "place"]

        def get_place(self, incident: Incident) -> str:
            return incident.settlement

    assert row_plan(WithMethodField) is None


def test_a_field_read_from_a_model_property_gets_no_plan():
    class FlatFields(serializers.ModelSerializer):
        class Meta:
            model = Incident
            fields = ["killed", "status"]

    class WithProperty(FlatFields):
        is_verified = serializers.BooleanField(read_only=True)

        class Meta(FlatFields.Meta):
            fields = ["killed", "status", "is_verified"]

    # The same fields without the property are read from rows.
    assert row_plan(FlatFields) is not None
    assert row_plan(WithProperty) is None


def make_rows(endpoint: str, count: int) -> None:
    for _ in range(count):
        incident = IncidentFactory(**verified())
        if endpoint == "service-disruptions":
            ServiceDisruptionFactory(incident=incident, **verified())
        elif endpoint == "damaged-assets":
            DamagedAssetFactory(incident=incident)
        elif endpoint == "sources":
            SourceFactory(incident=incident)


@pytest.mark.parametrize("who", ["anonymous", "verifier"])
@pytest.mark.parametrize(
    "endpoint", ["incidents", "service-disruptions", "damaged-assets", "sources"]
)
def test_list_queries_do_not_grow_with_rows(request, endpoint, who):
    client = APIClient()
    if who == "verifier":
        client.force_authenticate(request.getfixturevalue("verifier"))
    url = f"/api/v1/{endpoint}/"

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            response = client.get(url, {"limit": 100})
        with CaptureQueriesContext(connection) as export:
            text = body(client.get(url, {"format": "csv"}))
        assert len(response.json()["results"]) == text.count("\n") - 1
        return len(page), len(export)

    make_rows(endpoint, 3)
    # The reader's groups are looked up once, then kept on the user; an export counts nothing.
    body(client.get(url, {"format": "csv"}))
    few = queries()
    make_rows(endpoint, 27)
    many = queries()
    assert few == many
    # A page is its rows and its count; an export is its rows.
    assert many[0] <= 2
    assert many[1] <= 1


def test_values_are_passed_through_only_where_drf_would_keep_them():
    class Choices(serializers.ModelSerializer):
        # Numbers as choices: the text "1" becomes the number 1 in DRF's output.
        incident_type = serializers.ChoiceField(choices=[(1, "one"), (2, "two")])
        status = serializers.ChoiceField(choices=[("verified", "Verified")])
        settlement = serializers.CharField()
        killed = serializers.IntegerField()

        class Meta:
            model = Incident
            fields = ["incident_type", "status", "settlement", "killed"]

    plan = row_plan(Choices)
    row = {"incident_type": "1", "status": "unheard-of", "settlement": "Odesa", "killed": 4}
    expected = {
        name: field.to_representation(row[name]) for name, field in Choices().fields.items()
    }
    assert expected["incident_type"] == 1
    assert plan.represent({**row, "id": 7}) == expected
