from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Region, RegionBoundary
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.django_db
GEOBOUNDARIES = SHARED_DATA / "geoBoundaries-UKR-ADM1_simplified.geojson"
SQUARE = {"type": "Polygon", "coordinates": [[[24, 49], [25, 49], [25, 50], [24, 50], [24, 49]]]}


def feature(properties: dict, geometry: dict | None = SQUARE) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write(tmp_path, features) -> str:
    path = tmp_path / "adm1.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def test_geoboundaries_file_gives_all_27_regions_their_geometry(capsys):
    if not GEOBOUNDARIES.exists():
        pytest.skip(f"{GEOBOUNDARIES} is not available")
    call_command("load_boundaries", str(GEOBOUNDARIES))
    assert "Boundaries loaded for 27 regions." in capsys.readouterr().out
    assert RegionBoundary.objects.all().count() == 27
    # Matched by ISO code through the region table: the five codes that differ.
    assert (
        RegionBoundary.objects.get(region__pcode="UA80").geometry["type"] == "Polygon"
    )  # ISO UA-30
    assert RegionBoundary.objects.get(region__pcode="UA32").geometry["type"] == "MultiPolygon"
    assert "OpenStreetMap" in RegionBoundary.objects.get(region__pcode="UA01").source


def test_cod_ab_files_match_by_p_code_and_report_what_did_not_match(tmp_path, capsys):
    path = write(
        tmp_path,
        [
            feature({"ADM1_PCODE": "UA44", "ADM1_EN": "Luhanska"}),
            feature({"ADM1_PCODE": "UA99"}),
            feature({"ADM1_PCODE": "UA46"}, geometry={"type": "Point", "coordinates": [24, 49]}),
        ],
    )
    call_command("load_boundaries", path, source="OCHA COD-AB")
    output = capsys.readouterr().out
    assert "Boundaries loaded for 1 regions." in output
    assert "Not matched: UA99, UA46" in output
    luhansk = Region.objects.get(pcode="UA44")
    assert (luhansk.boundary.geometry, luhansk.boundary.source) == (SQUARE, "OCHA COD-AB")


@pytest.mark.parametrize("content", ["not json", json.dumps({"type": "Feature"})])
def test_files_that_are_not_feature_collections_are_refused(tmp_path, content):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(CommandError):
        call_command("load_boundaries", str(path))
    assert not RegionBoundary.objects.all().exists()


def test_a_file_matching_nothing_changes_nothing(tmp_path):
    with pytest.raises(CommandError, match="No feature matched"):
        call_command("load_boundaries", write(tmp_path, [feature({"shapeISO": "XX-01"})]))
    assert not RegionBoundary.objects.all().exists()
