"""A payload that fails as a whole changes nothing; a row is taken whole or refused; a
source never erases what it does not carry."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from incidents.models import Incident, IngestionIssue, IngestionRun
from tests.incidents.ingestion.payloads import PAYLOADS
from tests.incidents.ingestion.real_tables import ingest, snapshot
from tests.incidents.ingestion.test_readers import ACLED_HEADER, acled_line

pytestmark = pytest.mark.django_db


def acled_bytes(count: int) -> bytes:
    return ACLED_HEADER.encode() + b"".join(acled_line(number) for number in range(1, count + 1))


def test_garbage_after_thousands_of_good_rows_leaves_nothing_behind(
    tmp_path: Path, settings
) -> None:
    settings.INGESTION_BATCH_SIZE = 1000
    payload = tmp_path / "acled.csv"
    payload.write_bytes(acled_bytes(5740) + b"\xff\xfe\x00\x81garbage\x00" * 50)
    run = ingest(payload, "acled", "--status", "verified")
    assert run.status == IngestionRun.Status.FAILED
    # "near": the text is decoded in chunks, ahead of the rows read.
    assert run.error.startswith("the file is not UTF-8 text (near line 57")
    assert (run.rows_seen, run.created) == (0, 0)
    assert not Incident.objects.exists()
    assert run.seconds > 0


def test_an_acled_export_cut_inside_a_notes_field_changes_nothing(tmp_path: Path) -> None:
    data = (PAYLOADS / "acled_export.csv").read_bytes()
    ingest(PAYLOADS / "acled_export.csv", "acled", "--status", "verified")
    before = snapshot()
    notes = data.index(b'"On 15 August 2023, Russian forces launched a missile at Lviv')
    for point in (notes + 30, len(data) - 3, data.index(b"\n", notes) - 1):
        cut = tmp_path / f"cut-{point}.csv"
        cut.write_bytes(data[:point])
        run = ingest(cut, "acled", "--status", "verified")
        assert run.status == IngestionRun.Status.FAILED, (point, run.summary)
        assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "format"),
    [("impact_incidents.json", "impact-json"), ("acled_api.json", "acled")],
)
def test_json_cut_short_changes_nothing(tmp_path: Path, name: str, format: str) -> None:
    data = (PAYLOADS / name).read_bytes()
    ingest(PAYLOADS / name, format)
    before = snapshot()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: len(data) * 2 // 3])
    run = ingest(cut, format)
    assert run.status == IngestionRun.Status.FAILED
    assert "cut short" in run.error
    assert snapshot() == before


def test_a_row_with_a_missing_cell_is_refused_with_its_number(tmp_path: Path) -> None:
    with (PAYLOADS / "acled_export.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[3] = rows[3][:-3]  # the row loses its last three cells
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    payload = tmp_path / "acled.csv"
    payload.write_text(out.getvalue())
    run = ingest(payload, "acled")
    assert run.status == IngestionRun.Status.SUCCEEDED
    issue = IngestionIssue.objects.get(run=run, raw__event_id_cnty=rows[3][0])
    assert issue.level == IngestionIssue.Level.REJECTED
    assert issue.reason == "the row has 28 cells, the header 31"
    # Its line: the header and two rows before it, one of which spans two lines.
    assert issue.row_number == 1 + sum(1 + "".join(row).count("\n") for row in rows[:3])


def _hxl_without(columns: set[str]) -> bytes:
    rows = list(csv.reader(io.StringIO((PAYLOADS / "incidents.hxl.csv").read_text())))
    keep = [index for index, header in enumerate(rows[0]) if header not in columns]
    out = io.StringIO()
    csv.writer(out).writerows([[row[index] for index in keep if index < len(row)] for row in rows])
    return out.getvalue().encode()


def _source_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for external_id, name in Incident.objects.values_list("external_id", "sources__name"):
        names.setdefault(external_id, []).append(str(name))
    return {key: sorted(value) for key, value in names.items()}


def test_a_table_without_a_column_leaves_that_field_as_it_is(tmp_path: Path) -> None:
    ingest(PAYLOADS / "incidents.hxl.csv", "hxl")
    before = {
        row["external_id"]: row
        for row in Incident.objects.values(
            "external_id", "injured", "description", "latitude", "settlement", "region_id"
        )
    }
    sources_before = _source_names()
    narrow = tmp_path / "narrow.hxl.csv"
    narrow.write_bytes(_hxl_without({"Injured", "Notes", "Lat", "Lon", "Source", "Link"}))
    run = ingest(narrow, "hxl")
    assert run.status == IngestionRun.Status.SUCCEEDED
    assert run.updated == 0
    after = {
        row["external_id"]: row
        for row in Incident.objects.filter(external_id__in=before).values(
            "external_id", "injured", "description", "latitude", "settlement", "region_id"
        )
    }
    assert after == before
    assert {key: _source_names()[key] for key in sources_before} == sources_before


def test_an_acled_export_as_a_workbook_gives_the_same_incidents(tmp_path: Path) -> None:
    ingest(PAYLOADS / "acled_export.csv", "acled")
    from_csv = list(Incident.objects.order_by("external_id").values())
    Incident.objects.all().delete()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Export")
    with (PAYLOADS / "acled_export.csv").open(newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(tmp_path / "acled.xlsx")
    run = ingest(tmp_path / "acled.xlsx", "acled")
    assert run.status == IngestionRun.Status.SUCCEEDED, run.error

    def comparable(rows: list[dict]) -> list[dict]:
        ignored = {"id", "public_id", "created_at", "updated_at", "last_ingestion_run_id"}
        return [{key: value for key, value in row.items() if key not in ignored} for row in rows]

    after = list(Incident.objects.order_by("external_id").values())
    assert comparable(after) == comparable(from_csv)


def test_a_workbook_names_its_sheets_when_the_one_asked_for_is_missing(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Data"
    book.save(tmp_path / "book.xlsx")
    run = ingest(tmp_path / "book.xlsx", "jcc", "--sheet", "Data_HXL")
    assert run.status == IngestionRun.Status.FAILED
    assert run.error == "the workbook has no sheet 'Data_HXL' (sheets: Data)"


def test_a_truncated_workbook_is_refused_as_a_whole(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Status", "#"])
    book.save(tmp_path / "book.xlsx")
    data = (tmp_path / "book.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    run = ingest(tmp_path / "cut.xlsx", "jcc")
    assert run.status == IngestionRun.Status.FAILED
    assert run.error.startswith("not a readable Excel workbook (xlsx)")


def test_a_trusted_re_ingest_publishes_the_records_still_awaiting_review(superuser) -> None:
    from incidents.services.bulk_review import records_reject_bulk
    from tests.incidents.summed_figures import assert_in_step

    first = ingest(PAYLOADS / "acled_export.csv", "acled")
    assert first.created > 0
    awaiting = Incident.objects.filter(status="submitted")
    count = awaiting.count()
    rejected = awaiting.first()
    assert rejected is not None
    records_reject_bulk(model=Incident, ids=[rejected.pk], by=superuser, reason="Duplicate")
    again = ingest(PAYLOADS / "acled_export.csv", "acled", "--status", "verified")
    assert (again.created, again.updated, again.published) == (0, 0, count - 1)
    assert again.unchanged == first.created
    assert "published=" in again.summary
    assert Incident.objects.filter(status="verified").count() == count - 1
    assert Incident.objects.get(pk=rejected.pk).status == "rejected"
    verified = Incident.objects.filter(status="verified").first()
    assert verified is not None
    assert verified.history.first().history_change_reason.endswith("(a trusted source)")
    assert_in_step()
