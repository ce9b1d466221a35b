"""Counts above PostgreSQL's integer maximum are refused row by row when ingested, with the
row number and the field named, and the rest of the file still goes in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incidents.ingestion import services
from incidents.ingestion.parsers.values import parse_count, parse_optional_count
from incidents.models import Incident, IngestionRun
from incidents.models.base import MAX_COUNT
from tests.incidents.ingestion.impact_rows import impact_csv, impact_row

BAD_KILLED = "killed: '99999999999' is more than 2,147,483,647"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2147483647", MAX_COUNT),
        ("2,147,483,647", MAX_COUNT),
        ("2 147 483 647", MAX_COUNT),
        (" 2147483646 ", MAX_COUNT - 1),
        ("", None),
        ("0", 0),
    ],
)
def test_optional_counts_up_to_the_maximum_are_read(text, expected):
    assert parse_optional_count("weapons_launched", text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2147483648", "weapons_launched: '2147483648' is more than 2,147,483,647"),
        ("2,147,483,648", "weapons_launched: '2,147,483,648' is more than 2,147,483,647"),
        (" 2 147 483 648 ", "weapons_launched: '2 147 483 648' is more than 2,147,483,647"),
        (
            "9223372036854775807",
            "weapons_launched: '9223372036854775807' is more than 2,147,483,647",
        ),
        ("1" + "0" * 40, f"weapons_launched: '1{'0' * 40}' is more than 2,147,483,647"),
    ],
)
def test_optional_counts_above_the_maximum_are_refused_with_the_field(text, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_optional_count("weapons_launched", text)


def test_required_counts_share_the_limit():
    assert parse_count("killed", "2147483647") == MAX_COUNT
    with pytest.raises(ValueError, match="^killed: '2147483648' is more than 2,147,483,647$"):
        parse_count("killed", "2147483648")


ROWS = [
    impact_row("UKR1", killed="3", injured="12"),
    impact_row("UKR2", killed="99999999999"),
    # The maximum itself, written with separators, is a valid count.
    impact_row("UKR3", killed="0", injured="2,147,483,647"),
]


def impact_json(rows: list[dict[str, str]]) -> bytes:
    incidents = [
        {
            **row,
            "killed": int(row["killed"]),
            "sources": json.loads(row["sources"]),
            "assets": json.loads(row["assets"]),
        }
        for row in rows
    ]
    return json.dumps({"incidents": incidents}).encode()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("format", "write", "bad_row"),
    [("impact-csv", impact_csv, 3), ("impact-json", impact_json, 2)],
)
def test_a_row_with_a_count_above_the_maximum_is_refused_and_the_rest_go_in(
    tmp_path: Path, format, write, bad_row
):
    payload = tmp_path / "incidents"
    payload.write_bytes(write(ROWS))
    run = services.ingestion_run_create(location=str(payload), format=format, trigger="command")
    run = services.ingestion_run_execute(run_id=run.pk)

    assert run.status == IngestionRun.Status.SUCCEEDED
    assert (run.rows_seen, run.created, run.updated, run.rejected) == (3, 2, 0, 1)
    rejected = run.issues.get(level="rejected")
    assert (rejected.row_number, rejected.reason) == (bad_row, BAD_KILLED)
    assert str(rejected.raw["killed"]) == "99999999999"
    created = dict(Incident.objects.values_list("external_id", "injured"))
    assert created == {"UKR1": 12, "UKR3": MAX_COUNT}
