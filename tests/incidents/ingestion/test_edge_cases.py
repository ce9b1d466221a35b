"""Edges a real feed reaches: one huge cell, and the planner's statistics after a load."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from incidents.models import Incident, IngestionRun
from tests.incidents.ingestion.real_tables import ingest
from tests.incidents.ingestion.test_readers import ACLED_HEADER, acled_line

pytestmark = pytest.mark.django_db


def test_one_cell_over_the_csv_module_default_does_not_fail_the_file(tmp_path: Path) -> None:
    notes = "Shelling. " * 20_000  # 200,000 characters, over csv's default of 131,072
    huge = acled_line(2).decode().replace("Generated event 000002, shelling.", notes)
    payload = tmp_path / "acled.csv"
    payload.write_text(ACLED_HEADER + acled_line(1).decode() + huge + acled_line(3).decode())
    run = ingest(payload, "acled")
    assert (run.status, run.created, run.rejected) == (IngestionRun.Status.SUCCEEDED, 3, 0)
    assert len(Incident.objects.get(external_id="UKR000002").description) == len(notes.strip())


@pytest.mark.postgres
def test_a_load_that_grows_a_table_refreshes_its_statistics(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")

    def believed(table: str) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    payload = tmp_path / "acled.csv"
    payload.write_bytes(
        ACLED_HEADER.encode() + b"".join(acled_line(number) for number in range(1, 1501))
    )
    run = ingest(payload, "acled")
    assert run.created == 1500
    assert believed("incidents_incident") == 1500
    assert believed("incidents_source") == 1500


def test_a_command_run_that_breaks_is_failed_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache going away mid-run (here: its invalidation raising) fails the run instead
    of leaving it "running" with nobody to resume it."""
    from incidents.ingestion import services

    def unreachable() -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services, "figures_changed", unreachable)
    payload = tmp_path / "acled.csv"
    payload.write_bytes(ACLED_HEADER.encode() + acled_line(1))
    run = ingest(payload, "acled")
    assert run.status == IngestionRun.Status.FAILED
    assert run.error == (
        "ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused."
    )
