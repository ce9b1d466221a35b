"""GDAL's ``ogrinfo`` (what QGIS reads with) opening the GeoJSON export of a live server,
as GIS users do: by URL, with GDAL's own Accept header."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import skip_or_fail
from tests.factories import IncidentFactory, region

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def ogrinfo() -> str:
    executable = shutil.which("ogrinfo")
    if executable is None:
        skip_or_fail("ogrinfo is not installed (Debian's gdal-bin)")
    return str(executable)


def read(ogrinfo: str, location: str) -> str:
    result = subprocess.run(
        [ogrinfo, "-ro", "-al", "-so", location],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"CPL_DEBUG": "OFF", "GDAL_HTTP_TIMEOUT": "30", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr, result.stderr
    return result.stdout


@pytest.fixture
def incidents():
    IncidentFactory(verified=True, latitude="49.839700", longitude="24.029700")
    IncidentFactory(
        verified=True, latitude="50.450100", longitude="30.523400", region=region("UA80")
    )
    IncidentFactory(verified=True, region=region("UA71"))


def test_ogrinfo_reads_the_geojson_export(live_server, ogrinfo, incidents):
    url = f"{live_server.url}/api/v1/incidents/?format=geojson"
    summary = read(ogrinfo, url)
    assert "Feature Count: 3" in summary
    assert "latitude: Real" in summary
    assert "longitude: Real" in summary
    assert "geometry_missing_reason: String" in summary


def test_vsicurl_reads_a_bounded_export_by_its_length(live_server, ogrinfo, incidents):
    url = f"{live_server.url}/api/v1/incidents/?format=geojson&region=UA46&limit=100"
    assert "Feature Count: 1" in read(ogrinfo, f"/vsicurl/{url}")


def test_vsicurl_streaming_reads_a_whole_export(live_server, ogrinfo, incidents):
    url = f"{live_server.url}/api/v1/incidents/?format=geojson"
    assert "Feature Count: 3" in read(ogrinfo, f"/vsicurl_streaming/{url}")
