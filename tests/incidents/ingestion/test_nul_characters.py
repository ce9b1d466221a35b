"""NUL characters, which PostgreSQL refuses in text and JSON, never fail a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incidents.ingestion import services
from incidents.models import Incident, IngestionRun
from tests.incidents.ingestion.impact_rows import impact_csv, impact_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _run(tmp_path: Path, format: str, payload: bytes) -> IngestionRun:
    path = tmp_path / "incidents"
    path.write_bytes(payload)
    run = services.ingestion_run_create(location=str(path), format=format, trigger="command")
    return services.ingestion_run_execute(run_id=run.pk)


def _json(rows: list[dict[str, str]]) -> bytes:
    incidents = [{**row, "sources": [], "assets": []} for row in rows]
    return json.dumps({"incidents": incidents}).encode()


def test_a_csv_file_holding_a_nul_is_refused_as_binary(tmp_path: Path) -> None:
    run = _run(tmp_path, "impact-csv", impact_csv([impact_row("UKR1", settlement="Lv\x00iv")]))
    assert run.status == IngestionRun.Status.FAILED
    assert "binary" in run.error
    assert not Incident.objects.exists()


def test_nul_characters_are_dropped_from_the_stored_text(tmp_path: Path) -> None:
    # JSON may carry "\u0000" in a string; PostgreSQL cannot store it.
    rows = [
        impact_row("UKR1", settlement="Lv\x00iv", description="Two\x00 strikes"),
        impact_row("UKR2"),
    ]
    run = _run(tmp_path, "impact-json", _json(rows))
    assert run.status == IngestionRun.Status.SUCCEEDED
    assert (run.created, run.rejected) == (2, 0)
    stored = Incident.objects.get(external_id="UKR1")
    assert (stored.settlement, stored.description) == ("Lviv", "Two strikes")


def test_a_refused_row_holding_a_nul_is_reported_without_it(tmp_path: Path) -> None:
    rows = [impact_row("UKR1"), impact_row("UKR2", killed="1\x002", settlement="\x00")]
    run = _run(tmp_path, "impact-json", _json(rows))
    assert run.status == IngestionRun.Status.SUCCEEDED
    assert (run.created, run.rejected) == (1, 1)
    issue = run.issues.get(level="rejected")
    assert issue.row_number == 2
    assert "\x00" not in issue.reason
    assert "\x00" not in json.dumps(issue.raw)
    assert issue.raw["killed"] == "1\ufffd2"
