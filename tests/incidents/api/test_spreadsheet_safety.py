"""CSV and HXL exports never hand a spreadsheet a formula taken from the data."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from impact.spreadsheets import spreadsheet_safe
from incidents.models import VerificationStatus
from tests.factories import GrainShipmentFactory, IncidentFactory, region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-", "'-"),
        # Numbers are data, not formulas.
        ("-33.500000", "-33.500000"),
        ("+380", "+380"),
        ("-1e5", "-1e5"),
        ("Lviv", "Lviv"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_formula_like_text_is_made_plain_text(value, expected) -> None:
    assert spreadsheet_safe(value) == expected


def _verified(**fields):  # type: ignore[no-untyped-def]
    return IncidentFactory(status=VerificationStatus.VERIFIED, verified_at=timezone.now(), **fields)


@pytest.mark.parametrize("export", ["csv", "hxl"])
def test_exports_neutralise_formulas_and_keep_numbers(client, export: str) -> None:  # type: ignore[no-untyped-def]
    _verified(
        region=region("UA46"),
        settlement="=cmd|' /C calc'!A0",
        description="@SUM(1+1)",
        latitude="-33.500000",
        longitude="151.200000",
    )
    response = client.get("/api/v1/incidents/", {"format": export})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = rows[-1]
    assert row["settlement"] == "'=cmd|' /C calc'!A0"
    assert row["description"] == "'@SUM(1+1)"
    assert row["latitude"] == "-33.500000"


def test_dashboard_downloads_neutralise_formulas(client, analyst) -> None:  # type: ignore[no-untyped-def]
    GrainShipmentFactory(commodity="=1+1", tonnes=30000)
    client.force_login(analyst)
    response = client.get("/dashboards/grain/", {"download": "commodity"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert ["'=1+1", "30000"] in rows
