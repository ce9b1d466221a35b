"""Ingestion refuses a row dated outside the accepted bounds (2014-01-01 to today in Kyiv plus
a day) with its row number and the reason, and takes the rest of the file: through the
``ingest`` command, as verified records, where such rows used to go in and then could be
neither edited nor deleted."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.ingestion.parsers.values import parse_date, parse_optional_datetime
from incidents.limits import EARLIEST_DATE, latest_date
from incidents.models import GrainShipment, Incident, IngestionRun
from tests.incidents.ingestion.impact_rows import impact_csv, impact_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def ingest(path: Path, format: str) -> IngestionRun:
    out = StringIO()
    call_command("ingest", str(path), format=format, status="verified", stdout=out, verbosity=0)
    assert "rejected=" in out.getvalue()
    return IngestionRun.objects.get()


def refused(run: IngestionRun) -> list[tuple[int, str]]:
    issues = run.issues.filter(level="rejected").order_by("row_number")
    return list(issues.values_list("row_number", "reason"))


def test_impact_rows_dated_outside_the_bounds_are_refused_one_by_one(tmp_path):
    last, too_late = latest_date(), latest_date() + dt.timedelta(days=1)
    payload = tmp_path / "incidents.csv"
    payload.write_bytes(
        impact_csv(
            [
                impact_row("UKR1", occurred_on="2023-08-15"),
                impact_row("UKR2", occurred_on="0001-01-01"),
                impact_row("UKR3", occurred_on="9999-12-31"),
                impact_row("UKR4", occurred_on="2013-12-31"),
                impact_row("UKR5", occurred_on=too_late.isoformat()),
                impact_row("UKR6", occurred_on=EARLIEST_DATE.isoformat()),
                impact_row("UKR7", occurred_on=last.isoformat()),
                impact_row(
                    "UKR8", occurred_on="2023-08-15", occurred_at="9999-12-31T23:59:00+00:00"
                ),
            ]
        )
    )
    run = ingest(payload, "impact-csv")

    assert run.status == IngestionRun.Status.SUCCEEDED
    assert (run.rows_seen, run.created, run.rejected) == (8, 3, 5)
    assert refused(run) == [
        (3, "occurred_on: 0001-01-01 is before 2014-01-01"),
        (4, "occurred_on: 9999-12-31 is after " + f"{last} (today in Kyiv plus a day)"),
        (5, "occurred_on: 2013-12-31 is before 2014-01-01"),
        (6, f"occurred_on: {too_late} is after {last} (today in Kyiv plus a day)"),
        (9, f"occurred_at: 9999-12-31 is after {last} (today in Kyiv plus a day)"),
    ]
    stored = dict(Incident.objects.values_list("external_id", "occurred_on"))
    assert stored == {"UKR1": dt.date(2023, 8, 15), "UKR6": EARLIEST_DATE, "UKR7": last}


def test_jcc_rows_dated_outside_the_bounds_are_refused_one_by_one(tmp_path):
    header = (
        "Status,#,Vessel name,IMO,Departure port,Country,Commodity,Metric tons,"
        "Departure date,Inspection cleared,Income group,Flag,World Bank region,UN region,"
        "Development category,WFP\n"
    )
    rows = [
        "Outbound,1,RAZONI,9223423,Odesa,Lebanon,Corn,100,1-Aug-2022,,,,,,,No\n",
        "Outbound,2,NAVI STAR,9208783,Odesa,Ireland,Corn,100,31-Dec-9999,,,,,,,No\n",
        "Outbound,3,ROJEN,9143211,Odesa,Spain,Corn,100,1-Jan-0001,,,,,,,No\n",
    ]
    payload = tmp_path / "jcc.csv"
    payload.write_text(header + "".join(rows))
    run = ingest(payload, "jcc")

    assert (run.rows_seen, run.created, run.rejected) == (3, 1, 2)
    assert [row for row, _ in refused(run)] == [3, 4]
    assert all(reason.startswith("departed_on: ") for _, reason in refused(run))
    assert list(GrainShipment.objects.values_list("voyage_number", flat=True)) == [1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("15 August 2013", "occurred_on: 2013-08-15 is before 2014-01-01"),
        ("31/12/9999", "occurred_on: 9999-12-31 is after"),
    ],
)
def test_every_written_form_of_a_date_is_bounded(text, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        parse_date("occurred_on", text)


def test_a_time_at_the_end_of_the_calendar_is_refused_not_overflowed():
    with pytest.raises(ValueError, match="^occurred_at: 9999-12-31 is after"):
        parse_optional_datetime("occurred_at", "9999-12-31T23:59:59-12:00")
