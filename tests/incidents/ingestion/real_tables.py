"""Real files from ../shared/data, the variants their publishers also put out, and a
snapshot of every table ingestion may touch.

The JCC's HXL workbook on HDX is rebuilt here from the real table the way the README of
the shared data describes it (tags, an untagged ``Status``, tonnes with decimals, dates
stored as 23:00 of the day before, no WFP column), so that both tables of the same
voyages can be loaded together.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from incidents.models import (
    AssetDayFigures,
    AssetMonthFigures,
    DamagedAsset,
    GrainShipment,
    Incident,
    IncidentDayFigures,
    IncidentMonthFigures,
    IncidentWeekFigures,
    IngestionRun,
    NeedsBaseline,
    Source,
)
from tests.conftest import SHARED_DATA, skip_or_fail

JCC_TABLE = "bsgi_vessel_movements_jcc_to_2023-06-14.csv"
HNO_TABLE = "ukr_hno2023_affected_and_pin_by_oblast.hxl.csv"

# The HDX workbook's columns: (header, hashtag, column of the JCC table it holds).
JCC_HXL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Status", "", "Status"),
    ("Voyage", "#meta+serial+num", "#"),
    ("Vessel name", "#meta+vessel+name", "Vessel name"),
    ("IMO", "#meta+vessel+code", "IMO"),
    ("Departure port", "#loc+port+name", "Departure port"),
    ("Country", "#country+name", "Country"),
    ("Commodity", "#indicator+commodity", "Commodity"),
    ("Tonnage", "#indicator+tonnage+num", "Metric tons"),
    ("Departure date", "#date+departure", "Departure date"),
    ("Income group", "#meta+income+group", "Income group"),
    ("Flag", "#country+name+flag", "Flag"),
)
MODELS = (
    Incident,
    Source,
    DamagedAsset,
    GrainShipment,
    NeedsBaseline,
    IncidentDayFigures,
    IncidentWeekFigures,
    IncidentMonthFigures,
    AssetDayFigures,
    AssetMonthFigures,
)


def real_file(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        skip_or_fail(f"{path} is not there")
    return path


def snapshot() -> dict[str, Any]:
    """Every row of every table a run may write, and the number of history rows."""
    state: dict[str, Any] = {}
    for model in MODELS:
        state[model.__name__] = list(model.objects.order_by("pk").values())
        history = getattr(model, "history", None)
        if history is not None:
            state[f"{model.__name__} history"] = history.count()
    return state


def ingest(path: Path, format: str, *options: str) -> IngestionRun:
    """Run ``manage.py ingest`` as a user would; the run, whether it failed or not."""
    with contextlib.suppress(CommandError):
        call_command("ingest", str(path), "--format", format, *options, stdout=io.StringIO())
    return IngestionRun.objects.latest("pk")


def jcc_rows() -> list[dict[str, str]]:
    with real_file(JCC_TABLE).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _tonnes(text: str, number: int) -> float:
    tonnes = int(text.replace(",", ""))
    # The workbook gives some cargoes to the hundredth of a tonne; rounded, the table's.
    return tonnes - 0.01 if number % 7 == 0 else float(tonnes)


def _departure(text: str) -> dt.datetime:
    day = dt.datetime.strptime(text, "%d-%b-%Y")  # noqa: DTZ007 (a date, no zone)
    return day - dt.timedelta(hours=1)  # stored as 23:00 of the day before


def jcc_hxl_cells(
    rows: Sequence[dict[str, str]], *, without: Iterable[str] = ()
) -> list[list[Any]]:
    """The HDX workbook's table: header, hashtag row and the voyages as typed cells."""
    columns = [column for column in JCC_HXL_COLUMNS if column[2] not in set(without)]
    table: list[list[Any]] = [[header for header, _, _ in columns], [tag for _, tag, _ in columns]]
    for number, row in enumerate(rows):
        cells: list[Any] = []
        for _, _, source in columns:
            value: Any = row[source]
            if source == "#":
                value = int(value)
            elif source == "Metric tons":
                value = _tonnes(value, number)
            elif source == "Departure date":
                value = _departure(value)
            elif source == "IMO":
                value = int(value) if value else None
            cells.append(value)
        table.append(cells)
    return table


def write_csv(path: Path, table: Sequence[Sequence[Any]]) -> Path:
    def text(value: Any) -> str:
        if isinstance(value, dt.datetime):
            return (value + dt.timedelta(hours=1)).date().isoformat()
        if isinstance(value, float):
            return format(Decimal(repr(value)), "f").removesuffix(".0")
        return "" if value is None else str(value)

    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[text(value) for value in row] for row in table])
    return path


def write_xlsx(path: Path, table: Sequence[Sequence[Any]], *, sheet: str = "Data_HXL") -> Path:
    """A workbook as publishers make them: a notes sheet first, then the data sheet with
    a title line above the header."""
    book = Workbook(write_only=True)
    notes = book.create_sheet("Notes")
    notes.append(["Source: UN Joint Coordination Centre"])
    data = book.create_sheet(sheet)
    data.append(["Black Sea Grain Initiative: vessel movements"])
    for row in table:
        data.append(row)
    book.save(path)
    _set_date_format(path, sheet)
    return path


def _set_date_format(path: Path, sheet: str) -> None:
    # write_only mode cannot style cells as it appends: give date cells a date-only format.
    from openpyxl import load_workbook

    book = load_workbook(path)
    for row in book[sheet].iter_rows():
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "d-mmm-yyyy"
    book.save(path)
