"""Real third-party files through ``manage.py ingest``: the publishers' totals exactly, the
JCC's two tables of the same voyages, workbooks, and files cut short."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import Count, Sum

from incidents.models import GrainShipment, IngestionRun, NeedsBaseline
from tests.incidents.ingestion.real_tables import (
    HNO_TABLE,
    JCC_TABLE,
    ingest,
    jcc_hxl_cells,
    jcc_rows,
    real_file,
    snapshot,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

FIELDS = ("vessel_name", "imo", "departure_port__name", "departed_on", "tonnes")
MORE_FIELDS = ("income_group", "is_wfp", "is_additional_cargo")


def shipments() -> dict[tuple, tuple]:
    return {
        (row[0], row[1], row[2]): row[3:]
        for row in GrainShipment.objects.values_list(
            "voyage_number", "commodity", "destination_country", *FIELDS, *MORE_FIELDS
        )
    }


def assert_jcc_totals() -> None:
    """The totals computed from the JCC's table (see the shared data's README)."""
    totals = GrainShipment.objects.aggregate(
        tonnes=Sum("tonnes"),
        voyages=Count("voyage_number", distinct=True),
        countries=Count("destination_country", distinct=True),
    )
    assert totals == {"tonnes": 31_744_756, "voyages": 981, "countries": 45}
    chornomorsk = GrainShipment.objects.filter(departure_port__name="Chornomorsk").aggregate(
        tonnes=Sum("tonnes"), voyages=Count("voyage_number", distinct=True)
    )
    assert chornomorsk == {"tonnes": 11_892_284, "voyages": 394}
    by_port = dict(
        GrainShipment.objects.values_list("departure_port__name").annotate(Sum("tonnes")).order_by()
    )
    assert by_port == {"Chornomorsk": 11_892_284, "Odesa": 9_401_411, "Pivdennyi": 10_451_061}
    november = GrainShipment.objects.filter(departed_on__range=("2022-11-01", "2022-11-30"))
    assert november.aggregate(Sum("tonnes"))["tonnes__sum"] == 2_611_506
    assert GrainShipment.objects.filter(is_wfp=True).aggregate(Sum("tonnes")) == {
        "tonnes__sum": 625_169
    }


def test_the_jcc_table_loads_exactly() -> None:
    run = ingest(real_file(JCC_TABLE), "jcc")
    assert (run.status, run.created, run.rejected, run.skipped) == ("succeeded", 1120, 0, 0)
    assert_jcc_totals()
    assert GrainShipment.objects.filter(is_additional_cargo=True).count() == 139


@pytest.fixture(scope="module")
def hxl_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # Written once for the module: the tests only read them.
    folder = tmp_path_factory.mktemp("jcc-tables")
    rows = jcc_rows()
    table = jcc_hxl_cells(rows)
    return {
        "xlsx": write_xlsx(folder / "jcc.xlsx", table),
        "csv": write_csv(folder / "jcc.hxl.csv", table),
        "bare": write_csv(
            folder / "jcc-bare.hxl.csv", jcc_hxl_cells(rows, without=("IMO", "Income group"))
        ),
    }


def test_the_hdx_hxl_workbook_gives_the_same_voyages_as_the_table(
    hxl_tables: dict[str, Path],
) -> None:
    ingest(real_file(JCC_TABLE), "jcc")
    from_table = shipments()
    GrainShipment.objects.all().delete()
    run = ingest(hxl_tables["xlsx"], "jcc")
    assert (run.status, run.created, run.rejected) == ("succeeded", 1120, 0), run.error
    # The workbook has no WFP column: only "(WFP)" in a vessel's name marks the charter,
    # and every WFP charter of the table has it.
    assert shipments() == from_table
    assert_jcc_totals()


def test_a_workbook_and_its_csv_export_give_the_same_records(
    hxl_tables: dict[str, Path],
) -> None:
    ingest(hxl_tables["csv"], "jcc")
    from_csv = shipments()
    GrainShipment.objects.all().delete()
    ingest(hxl_tables["xlsx"], "jcc", "--sheet", "Data_HXL")
    assert shipments() == from_csv


@pytest.mark.parametrize("order", ["table first", "workbook first"])
@pytest.mark.parametrize("second_source", ["jcc", "jcc-hdx"])
def test_two_tables_of_the_same_voyages_count_each_cargo_once(
    hxl_tables: dict[str, Path], order: str, second_source: str
) -> None:
    first, second = (real_file(JCC_TABLE), hxl_tables["bare"])
    if order == "workbook first":
        first, second = second, first
    ingest(first, "jcc")
    ingest(second, "jcc", "--source", second_source)
    assert GrainShipment.objects.count() == 1120
    assert_jcc_totals()
    # Nothing the table gives was erased by the workbook without IMO and income columns.
    expected = {(int(row["#"]), row["Commodity"], row["Country"]): row["IMO"] for row in jcc_rows()}
    assert {
        (voyage, commodity, country): imo
        for (voyage, commodity, country), (_, imo, *_) in shipments().items()
    } == expected
    assert GrainShipment.objects.exclude(income_group="").count() == 1120
    # Each source's account is kept beside the record's values.
    voyage = GrainShipment.objects.get(voyage_number=981, commodity="Corn")
    table_source, bare_source = "jcc", second_source
    if order == "workbook first":
        table_source, bare_source = second_source, "jcc"
    assert set(voyage.reported) == {table_source, bare_source}
    if table_source != bare_source:
        assert voyage.reported[table_source]["imo"] == "9284544"
        assert "imo" not in voyage.reported[bare_source]


def test_the_hno_table_as_a_workbook_gives_the_same_figures(tmp_path: Path) -> None:
    import csv

    with real_file(HNO_TABLE).open(encoding="utf-8", newline="") as handle:
        table = [
            [
                float(cell) if index >= 3 and row_number > 1 else cell
                for index, cell in enumerate(row)
            ]
            for row_number, row in enumerate(csv.reader(handle))
        ]
    ingest(real_file(HNO_TABLE), "hxl-baseline", "--source", "hno-2023")
    from_csv = list(
        NeedsBaseline.objects.order_by("region__pcode").values_list(
            "region__pcode", "population", "people_affected", "people_in_need"
        )
    )
    NeedsBaseline.objects.all().delete()
    run = ingest(
        write_xlsx(tmp_path / "hno.xlsx", table, sheet="Overall"),
        "hxl-baseline",
        "--source",
        "hno-2023",
    )
    assert run.status == "succeeded", run.error
    assert (
        list(
            NeedsBaseline.objects.order_by("region__pcode").values_list(
                "region__pcode", "population", "people_affected", "people_in_need"
            )
        )
        == from_csv
    )
    assert NeedsBaseline.objects.aggregate(Sum("people_in_need")) == {
        "people_in_need__sum": 17_569_675
    }


def _cut_points(data: bytes) -> dict[str, int]:
    """Where to cut a file: inside a quoted cell, in the middle of a row, inside a row's
    last value (before its line break), and inside a two-byte UTF-8 character."""
    lines = data.split(b"\n")
    middle = len(b"\n".join(lines[: len(lines) // 2])) + 1  # start of a middle row
    points = {"mid-row": middle + len(lines[len(lines) // 2]) // 2}
    row_end = middle + len(lines[len(lines) // 2])
    points["inside the last value"] = row_end - 2
    quote = data.find(b',"', middle)
    if quote != -1 and data.find(b'"', quote + 2) > quote + 3:
        points["inside a quoted cell"] = quote + 3
    wide = next((index for index in range(middle, len(data)) if data[index] >= 0xC0), None)
    if wide is not None:
        points["inside a UTF-8 character"] = wide + 1
    return points


CUT_FILES = [
    (JCC_TABLE, "jcc", ()),
    (HNO_TABLE, "hxl-baseline", ("--source", "hno-2023")),
]


@pytest.mark.parametrize(("name", "format", "options"), CUT_FILES)
def test_a_real_file_cut_short_changes_nothing(
    tmp_path: Path, name: str, format: str, options: tuple[str, ...]
) -> None:
    data = real_file(name).read_bytes()
    ingest(real_file(name), format, *options, "--status", "verified")
    before = snapshot()
    points = _cut_points(data)
    assert {"mid-row", "inside the last value"} <= set(points)
    for where, point in points.items():
        cut = tmp_path / f"cut-{point}.csv"
        cut.write_bytes(data[:point])
        run = ingest(cut, format, *options, "--status", "verified")
        assert run.status == IngestionRun.Status.FAILED, (where, run.summary)
        assert "cut short" in run.error or "UTF-8" in run.error, (where, run.error)
        assert (run.created, run.updated) == (0, 0)
        assert snapshot() == before, where


def test_hno_cut_inside_kyiv_city_last_number_is_refused(tmp_path: Path) -> None:
    data = real_file(HNO_TABLE).read_bytes()
    ingest(real_file(HNO_TABLE), "hxl-baseline", "--source", "hno-2023")
    before = snapshot()
    cut = tmp_path / "hno-cut.csv"
    cut.write_bytes(data[: data.index(b"1329511.45") + 2])  # "...,13"
    run = ingest(cut, "hxl-baseline", "--source", "hno-2023")
    assert run.status == IngestionRun.Status.FAILED
    assert run.error.startswith("the file ends inside a value (line 28 has no line break")
    assert snapshot() == before
    kyiv = NeedsBaseline.objects.get(region__pcode="UA80")
    assert kyiv.people_in_need == 1_329_511


@pytest.mark.parametrize(("name", "format", "options"), CUT_FILES)
def test_a_real_file_cut_after_a_row_changes_nothing_it_does_not_carry(
    tmp_path: Path, name: str, format: str, options: tuple[str, ...]
) -> None:
    """A cut at a row's end cannot be told from a shorter file: its rows are whole and
    taken, and nothing else changes."""
    data = real_file(name).read_bytes()
    ingest(real_file(name), format, *options)
    before = snapshot()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: data.index(b"\n", len(data) // 2) + 1])
    run = ingest(cut, format, *options)
    assert run.status == IngestionRun.Status.SUCCEEDED
    assert (run.created, run.updated) == (0, 0)
    assert snapshot() == before


def test_a_cut_file_on_an_empty_database_creates_nothing(tmp_path: Path) -> None:
    data = real_file(JCC_TABLE).read_bytes()
    before = snapshot()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: len(data) - 40])
    run = ingest(cut, "jcc", "--status", "verified")
    assert run.status == IngestionRun.Status.FAILED
    assert snapshot() == before
