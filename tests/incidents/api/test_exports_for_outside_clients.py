"""Exports as GIS and data tools ask for them: ``?format=`` wins over their Accept header,
GeoJSON has numeric coordinates and says why a geometry is missing, HXL tags every column,
the aggregates export too, and ``limit`` bounds an export (which then has a length)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import timezone

from tests.factories import (
    AttackWaveFactory,
    DamagedAssetFactory,
    GrainDisruptionFactory,
    GrainShipmentFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    SourceFactory,
    region,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
TABLES = [
    "incidents",
    "regions",
    "service-disruptions",
    "damaged-assets",
    "attack-waves",
    "grain-disruptions",
    "grain-shipments",
    "sources",
]
MAPS = ["incidents", "regions", "service-disruptions"]
GDAL_ACCEPT = "text/plain, application/json"


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def world(organisation):
    now = timezone.now()
    lviv = IncidentFactory(
        organisation=organisation, verified=True, latitude="49.839700", longitude="24.029700"
    )
    IncidentFactory(organisation=organisation, verified=True, killed=3)  # region only
    IncidentFactory(organisation=organisation, verified=True, region=None)  # at sea
    DamagedAssetFactory(incident=lviv)
    SourceFactory(incident=lviv)
    ServiceDisruptionFactory(organisation=organisation, status="verified", verified_at=now)
    GrainDisruptionFactory(organisation=organisation, status="verified", verified_at=now)
    GrainShipmentFactory()
    AttackWaveFactory()
    return lviv


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("export", ["csv", "hxl", "geojson"])
def test_format_in_the_url_wins_over_the_accept_header(anonymous, world, table, export):
    response = anonymous.get(f"{API}{table}/", {"format": export}, HTTP_ACCEPT=GDAL_ACCEPT)
    if export == "geojson" and table not in MAPS:  # no geometry to give
        assert response.status_code == 404
        return
    assert response.status_code == 200
    expected = "application/geo+json" if export == "geojson" else "text/csv"
    assert response["Content-Type"] == f"{expected}; charset=utf-8"
    detail = anonymous.get(f"{API}regions/UA46/", {"format": export}, HTTP_ACCEPT="text/plain")
    assert detail.status_code == 200


def test_without_a_format_the_accept_header_decides(anonymous, world):
    assert anonymous.get(f"{API}incidents/", HTTP_ACCEPT="text/csv")["Content-Type"].startswith(
        "text/csv"
    )
    assert anonymous.get(f"{API}incidents/", HTTP_ACCEPT="image/png").status_code == 406


@pytest.mark.parametrize("export", ["xlsx", ""])
def test_an_unknown_format_is_a_404_naming_the_formats_offered(anonymous, export):
    response = anonymous.get(f"{API}sources/", {"format": export})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": f"Unknown format '{export}': this address offers json, api, csv, hxl."
    }


def test_geojson_coordinates_are_numbers_and_missing_geometries_say_why(anonymous, world):
    response = anonymous.get(f"{API}incidents/", {"format": "geojson"}, HTTP_ACCEPT=GDAL_ACCEPT)
    features = json.loads(text(response))["features"]
    by_id = {feature["id"]: feature for feature in features}
    located = by_id[str(world.public_id)]
    assert located["geometry"] == {"type": "Point", "coordinates": [24.0297, 49.8397]}
    assert (located["properties"]["latitude"], located["properties"]["longitude"]) == (
        49.8397,
        24.0297,
    )
    reasons = sorted(
        (feature["properties"]["region"] or "", feature["properties"]["geometry_missing_reason"])
        for feature in features
        if feature["geometry"] is None
    )
    assert reasons == [("", "no_coordinates"), ("UA46", "region_only")]
    assert located["properties"]["geometry_missing_reason"] is None
    disruption = json.loads(
        text(anonymous.get(f"{API}service-disruptions/", {"format": "geojson"}))
    )["features"][0]
    assert disruption["properties"]["geometry_missing_reason"] == "region_only"
    detail = anonymous.get(f"{API}incidents/{world.public_id}/", {"format": "geojson"}).json()
    assert detail["type"] == "Feature"
    assert detail["properties"]["latitude"] == 49.8397


def hxl_columns(response) -> tuple[list[str], list[str]]:
    header, tags = list(csv.reader(io.StringIO(text(response))))[:2]
    return header, tags


@pytest.mark.parametrize("table", [*TABLES, "needs", "summary"])
def test_hxl_tags_every_column(anonymous, world, table):
    hxl = pytest.importorskip("hxl")
    response = anonymous.get(f"{API}{table}/", {"format": "hxl"}, HTTP_ACCEPT=GDAL_ACCEPT)
    assert response.status_code == 200
    content = text(response)
    header, tags = list(csv.reader(io.StringIO(content)))[:2]
    untagged = [name for name, tag in zip(header, tags, strict=True) if not tag]
    assert untagged == []
    dataset = hxl.data(hxl.input.make_input(io.BytesIO(content.encode()), hxl.InputOptions()))
    assert [column.display_tag for column in dataset.columns] == tags


def test_hxl_p_codes_are_adm1_codes(anonymous, world):
    header, tags = hxl_columns(anonymous.get(f"{API}regions/", {"format": "hxl"}))
    assert dict(zip(header, tags, strict=True))["pcode"] == "#adm1+code"
    header, tags = hxl_columns(anonymous.get(f"{API}needs/", {"format": "hxl"}))
    columns = dict(zip(header, tags, strict=True))
    assert columns["pcode"] == "#adm1+code"
    assert columns["people_without.water"] == "#affected+without+water"


@pytest.mark.parametrize("table", ["needs", "summary"])
def test_the_aggregates_export_as_csv(anonymous, world, table):
    response = anonymous.get(f"{API}{table}/", {"format": "csv"}, HTTP_ACCEPT=GDAL_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{table}.csv"'
    rows = list(csv.DictReader(io.StringIO(text(response))))
    if table == "needs":
        lviv = next(row for row in rows if row["pcode"] == "UA46")
        assert (lviv["incidents"], lviv["killed"], lviv["damaged.residential"]) == ("2", "3", "3")
    else:
        (totals,) = rows
        assert (totals["incidents"], totals["killed"], totals["injured"]) == ("3", "3", "6")
        assert json.loads(totals["grain_exports"])[0]["tonnes"] == 26527


@pytest.mark.parametrize("export", ["csv", "hxl", "geojson"])
def test_limit_bounds_an_export_which_then_has_a_length(anonymous, world, export):
    response = anonymous.get(f"{API}incidents/", {"format": export, "limit": 2, "offset": 1})
    assert response.status_code == 200
    assert not response.streaming
    assert int(response["Content-Length"]) == len(response.content)
    if export == "geojson":
        assert len(json.loads(response.content)["features"]) == 2
    else:
        assert len(list(csv.DictReader(io.StringIO(text(response))))) == 2 + (export == "hxl")
    head = anonymous.head(f"{API}incidents/", {"format": export, "limit": 2, "offset": 1})
    assert head["Content-Length"] == response["Content-Length"]


def test_a_whole_export_streams(anonymous, world):
    response = anonymous.get(f"{API}incidents/", {"format": "geojson"})
    assert response.streaming
    assert len(json.loads(text(response))["features"]) == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 10_001}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"offset": 10_001}, "offset"),
        ({"cursor": "abc"}, "cursor"),
    ],
)
def test_an_export_refuses_a_window_it_cannot_give(anonymous, world, query, field):
    response = anonymous.get(f"{API}sources/", {"format": "csv", **query})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]


def test_region_exports_keep_the_region_filter(anonymous, world):
    response = anonymous.get(f"{API}incidents/", {"format": "csv", "region": "UA46", "limit": 5})
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert {row["region"] for row in rows} == {region("UA46").pcode}
