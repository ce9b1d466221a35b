"""The ``ingest`` and ``export_incidents`` commands, through call_command and as a process."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from incidents.models import GrainShipment, Incident, IngestionIssue, IngestionRun
from tests.factories import DamagedAssetFactory, IncidentFactory, SourceFactory
from tests.incidents.ingestion.payloads import PAYLOADS

ROOT = Path(__file__).resolve().parents[3]
ACLED = PAYLOADS / "acled_export.csv"
JCC = PAYLOADS / "jcc_shipments.csv"
SUMMARY = re.compile(
    r"created=(\d+) updated=(\d+) unchanged=(\d+) rejected=(\d+) skipped=(\d+) warnings=(\d+)"
    r" rows/s=\d+"
)
MISSING_ACLED_COLUMNS = (
    "missing ACLED column(s): event_id_cnty, event_date, event_type, sub_event_type"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def ingest(location: Path | str, **options: Any) -> list[str]:
    out, err = StringIO(), StringIO()
    call_command("ingest", str(location), verbosity=0, stdout=out, stderr=err, **options)
    assert err.getvalue() == ""
    return out.getvalue().splitlines()


def counts(line: str) -> tuple[int, ...]:
    match = SUMMARY.fullmatch(line)
    assert match, line
    return tuple(int(group) for group in match.groups())


def nothing_written() -> bool:
    return not (
        Incident.objects.exists()
        or GrainShipment.objects.exists()
        or IngestionIssue.objects.exists()
    )


# -- ingest ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_prints_the_summary() -> None:
    lines = ingest(ACLED, format="acled")

    run = IngestionRun.objects.get()
    assert len(lines) == 2
    assert counts(lines[0]) == (11, 0, 0, 4, 2, 1)
    assert lines[0] == run.summary
    assert lines[1] == f"Rejected rows are listed in the admin under ingestion run {run.public_id}."
    assert (run.trigger, run.location, run.status, run.external_source) == (
        "command",
        str(ACLED),
        "succeeded",
        "acled",
    )
    assert (run.triggered_by, run.organisation, run.record_status) == (None, None, "submitted")
    assert Incident.objects.filter(external_source="acled", status="submitted").count() == 11
    assert not Incident.objects.exclude(verified_at=None).exists()


@pytest.mark.django_db
def test_ingest_again_changes_nothing() -> None:
    ingest(ACLED, format="acled")
    before = list(Incident.objects.order_by("pk").values("pk", "updated_at"))

    lines = ingest(ACLED, format="acled")

    assert counts(lines[0]) == (0, 0, 11, 4, 2, 1)
    assert IngestionRun.objects.count() == 2
    assert list(Incident.objects.order_by("pk").values("pk", "updated_at")) == before


@pytest.mark.django_db
def test_ingest_only_the_chosen_acled_event_types() -> None:
    lines = ingest(ACLED, format="acled", acled_event_types="Battles")

    assert lines == [IngestionRun.objects.get().summary]
    assert counts(lines[0]) == (1, 0, 0, 0, 16, 0)
    assert list(Incident.objects.values_list("external_id", flat=True)) == ["UKR12008"]
    assert IngestionRun.objects.get().options == {"acled_event_types": ["Battles"]}
    # The other 16 rows are listed as skipped, with their reason and without their values.
    issues = IngestionIssue.objects.all()
    assert {(issue.level, issue.reason) for issue in issues} == {
        ("skipped", f"event type '{event_type}' not imported")
        for event_type in ("Explosions/Remote violence", "Violence against civilians", "Protests")
    }
    assert [issue.raw for issue in issues] == [{}] * 16


@pytest.mark.django_db
def test_ingest_with_status_verified_and_an_organisation(organisation) -> None:
    lines = ingest(ACLED, format="acled", status="verified", organisation="lviv-relief")

    run = IngestionRun.objects.get()
    assert counts(lines[0]) == (11, 0, 0, 4, 2, 1)
    records = Incident.objects.all()
    assert records.count() == 11
    assert set(records.values_list("status", "organisation")) == {("verified", organisation.pk)}
    assert all(
        run.started_at <= moment <= run.finished_at
        for moment in records.values_list("verified_at", flat=True)
    )


@pytest.mark.django_db
def test_ingest_with_its_own_source_name() -> None:
    ingest(ACLED, format="acled", source="acled-mirror")

    assert set(Incident.objects.values_list("external_source", flat=True)) == {"acled-mirror"}
    assert IngestionRun.objects.get().external_source == "acled-mirror"


@pytest.mark.django_db
def test_unknown_organisation_is_refused_before_anything_happens(organisation) -> None:
    with pytest.raises(CommandError) as raised:
        ingest(ACLED, format="acled", organisation="nowhere")

    assert str(raised.value) == "No organisation with slug 'nowhere'."
    assert not IngestionRun.objects.exists()
    assert nothing_written()


@pytest.mark.django_db
def test_jcc_file_read_as_acled_names_the_missing_columns() -> None:
    with pytest.raises(CommandError) as raised:
        ingest(JCC, format="acled")

    assert str(raised.value) == f"Ingestion failed: {MISSING_ACLED_COLUMNS}"
    run = IngestionRun.objects.get()
    assert (run.status, run.error, run.rows_seen) == ("failed", MISSING_ACLED_COLUMNS, 0)
    assert nothing_written()


@pytest.mark.django_db
def test_missing_file_fails_with_a_clear_message(tmp_path) -> None:
    missing = tmp_path / "missing.csv"

    with pytest.raises(CommandError) as raised:
        ingest(missing, format="acled")

    assert str(raised.value) == f"Ingestion failed: {missing} is not a readable file."
    assert IngestionRun.objects.get().status == IngestionRun.Status.FAILED
    assert nothing_written()


@pytest.mark.django_db
def test_unknown_format_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'gpx'"):
        ingest(ACLED, format="gpx")

    assert not IngestionRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/acled.csv"])
def test_other_url_schemes_are_refused_with_a_command_error(location) -> None:
    with pytest.raises(CommandError, match="Only http and https URLs can be fetched"):
        ingest(location, format="acled")

    assert not IngestionRun.objects.exists()


# -- as a process ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def process_env(tmp_path_factory, process_database_url: str) -> dict[str, str]:
    """A migrated database of its own: a copy of the test database (see conftest)."""
    folder = tmp_path_factory.mktemp("command")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "impact.settings.test",
        "DATABASE_URL": process_database_url,
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
    }


def manage(env: dict[str, str], *args: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def test_process_exits_non_zero_for_a_missing_file(process_env, tmp_path) -> None:
    missing = tmp_path / "missing.csv"

    finished = manage(process_env, "ingest", str(missing), "--format", "acled", "-v", "0")

    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr == f"CommandError: Ingestion failed: {missing} is not a readable file.\n"


def test_process_exits_non_zero_for_a_jcc_file_read_as_acled(process_env) -> None:
    finished = manage(process_env, "ingest", str(JCC), "--format", "acled", "-v", "0")

    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr == f"CommandError: Ingestion failed: {MISSING_ACLED_COLUMNS}\n"


# -- export round trip ----------------------------------------------------------------------


def export(path: Path, format: str) -> None:
    call_command("export_incidents", format=format, output=str(path))


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def json_rows(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["incidents"]


def without(rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [{key: value for key, value in row.items() if key not in names} for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(("format", "read"), [("impact-csv", csv_rows), ("impact-json", json_rows)])
def test_export_ingest_export_round_trip_loses_nothing(tmp_path, format, read) -> None:
    ingest(ACLED, format="acled", status="verified")
    first, second = tmp_path / "first", tmp_path / "second"
    export(first, format)
    first_ids = list(Incident.objects.order_by("pk").values_list("public_id", flat=True))
    Incident.objects.all().delete()

    lines = ingest(first, format=format, status="verified")
    export(second, format)

    assert lines == [IngestionRun.objects.get(format=format).summary]
    assert counts(lines[0]) == (11, 0, 0, 0, 0, 0)
    before, after = read(first), read(second)
    assert len(before) == 11
    assert [row["id"] for row in before] == [str(public_id) for public_id in first_ids]
    assert {row["external_id"] for row in before} == {
        "UKR12001",
        "UKR12002",
        "UKR12003",
        "UKR12004",
        "UKR12005",
        "UKR12006",
        "UKR12007",
        "UKR12010",
        "UKR12011",
        "UKR12013",
        "UKR12017",
    }
    assert {row["external_source"] for row in before} == {"acled"}
    assert without(after, "id", "updated_at") == without(before, "id", "updated_at")
    # The ids and timestamps are the new instance's own.
    assert not {row["id"] for row in before} & {row["id"] for row in after}
    assert all(b["updated_at"] < a["updated_at"] for b, a in zip(before, after, strict=True))


@pytest.mark.django_db
@pytest.mark.parametrize(("format", "read"), [("impact-csv", csv_rows), ("impact-json", json_rows)])
def test_round_trip_keeps_times_weapons_assets_and_sources(tmp_path, format, read) -> None:
    incident = IncidentFactory(
        verified=True,
        occurred_on=dt.date(2023, 8, 15),
        occurred_at=dt.datetime(2023, 8, 15, 0, 40, tzinfo=dt.UTC),
        weapons_launched=10,
        weapons_intercepted=8,
        killed=3,
        children_killed=1,
        injured=12,
        description="Missile hit an apartment block.\nRescue work lasted two days.",
    )
    DamagedAssetFactory(incident=incident, name="Apartment block, Stusa St", notes="Top floors")
    DamagedAssetFactory(incident=incident, asset_type="education", count=2, name="")
    SourceFactory(incident=incident, published_on=dt.date(2023, 8, 16), title="Statement")
    first, second = tmp_path / "first", tmp_path / "second"
    export(first, format)
    Incident.objects.all().delete()

    lines = ingest(first, format=format, status="verified")
    export(second, format)

    assert counts(lines[0]) == (1, 0, 0, 0, 0, 0)
    [before], [after] = read(first), read(second)
    assert (before["external_source"], before["external_id"]) == ("", "")
    # An incident first reported here keeps its identity elsewhere as impact:<public id>.
    assert (after["external_source"], after["external_id"]) == ("impact", before["id"])
    names = ("id", "updated_at", "external_source", "external_id")
    # The writer stores an incident's assets and sources in a canonical order.
    assert canonical(without([after], *names)) == canonical(without([before], *names))
    [row] = canonical([after])
    assert sorted(asset["name"] for asset in row["assets"]) == ["", "Apartment block, Stusa St"]
    assert [(source["title"], source["published_on"]) for source in row["sources"]] == [
        ("Statement", "2023-08-16")
    ]
    assert (row["occurred_at"], str(row["weapons_intercepted"])) == (
        "2023-08-15T00:40:00+00:00",
        "8",
    )


def canonical(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their JSON cells parsed and their assets and sources in a fixed order."""

    def children(value: Any) -> list[dict[str, Any]]:
        items = json.loads(value) if isinstance(value, str) else value
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))

    return [
        {**row, "assets": children(row["assets"]), "sources": children(row["sources"])}
        for row in rows
    ]
