"""The Black Sea Grain Initiative's outbound voyages, as the UN Joint Coordination Centre
published them: the plain table, or the same table with an HXL hashtag row under the header."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from incidents.ingestion.parsers.csv_reader import (
    CsvHead,
    CsvRow,
    column_names,
    normalise_header,
    read_head,
    row_as_dict,
    width_problem,
)
from incidents.ingestion.parsers.hxl_tags import cell, find_hxl_table
from incidents.ingestion.parsers.values import (
    collapse_whitespace,
    parse_bool,
    parse_date,
    parse_optional_count,
    parse_tonnes,
)
from incidents.ingestion.records import FormatError, ParsedRow, ShipmentRecord

# Field -> (header as the JCC wrote it, HXL tag patterns tried in order). The JCC's HXL
# table on HDX tags the voyage ``#meta+serial+num``, the IMO ``#meta+vessel+code`` and the
# income group ``#meta+income+group``; its flag column is also ``#country+name+flag``.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "status": ("Status", ("#status",)),
    "voyage_number": ("#", ("#meta+voyage+id", "#meta+serial", "#meta+voyage", "#meta+id")),
    "vessel_name": ("Vessel name", ("#meta+vessel+name",)),
    "imo": ("IMO", ("#meta+imo", "#meta+vessel+code", "#meta+vessel+imo")),
    "departure_port": ("Departure port", ("#loc+port+name", "#loc+port")),
    "destination_country": ("Country", ("#country+name-flag", "#country-flag")),
    "commodity": ("Commodity", ("#indicator+commodity", "#item+commodity")),
    "tonnes": ("Metric tons", ("#indicator+tonnage", "#indicator+tonnes", "#value+tonnage")),
    "departed_on": ("Departure date", ("#date+departure", "#date")),
    "income_group": (
        "Income group",
        ("#meta+income+group", "#meta+income", "#indicator+income_group", "#indicator+income"),
    ),
    "is_wfp": ("WFP", ("#meta+wfp",)),
}
OPTIONAL_FIELDS = frozenset({"imo", "income_group", "is_wfp"})

INCOME_GROUPS = {
    "high income": "high",
    "upper middle income": "upper_middle",
    "lower middle income": "lower_middle",
    "low income": "low",
}
# "Outbound +" marks more cargo loaded for a voyage already listed.
STATUSES = {"outbound": False, "outbound+": True}

_IMO = re.compile(r"\d{7}")
_WFP_IN_NAME = re.compile(r"\(\s*WFP\s*\)", re.IGNORECASE)


def parse_jcc(stream: BinaryIO) -> Iterator[ParsedRow]:
    """One ParsedRow per row of the JCC table; rows that are not outbound cargo are skipped."""
    head = read_head(stream)
    columns, names, rows = _locate_columns(head)
    absent = frozenset(field for field in OPTIONAL_FIELDS if columns[field] is None)
    for line_number, cells in rows:
        raw = row_as_dict(names, cells)
        if problem := width_problem(names, cells):
            yield ParsedRow(row_number=line_number, raw=raw, error=problem)
            continue
        yield _parsed_row(line_number, raw, cells, columns, absent)


def _locate_columns(head: CsvHead) -> tuple[dict[str, int | None], list[str], Iterator[CsvRow]]:
    table = find_hxl_table(head)
    if table is not None:
        # A column the publisher left without a hashtag (the HXL table's "Status") is
        # still found by its header.
        positions = _positions(table.names)
        columns = {
            field: _first_found(table.column(*patterns), positions.get(normalise_header(label)))
            for field, (label, patterns) in COLUMNS.items()
        }
        _check_required(columns, lambda field: f"{COLUMNS[field][1][0]} or '{COLUMNS[field][0]}'")
        return columns, table.names, table.rows
    header_index = _header_index(head)
    header = head.rows[header_index][1]
    positions = _positions(header)
    columns = {
        field: positions.get(normalise_header(label)) for field, (label, _) in COLUMNS.items()
    }
    _check_required(columns, lambda field: COLUMNS[field][0])
    return columns, column_names(header), head.rows_after(header_index)


def _positions(header: Sequence[str]) -> dict[str, int]:
    """Column index by normalised header text; the leftmost of equal headers wins."""
    return {normalise_header(name): index for index, name in reversed(list(enumerate(header)))}


def _first_found(*indexes: int | None) -> int | None:
    return next((index for index in indexes if index is not None), None)


def _header_index(head: CsvHead) -> int:
    # Downloaded copies of the table may carry a title line above the header.
    for index, (_, cells) in enumerate(head.rows):
        if {"status", "vesselname"} <= {normalise_header(name) for name in cells}:
            return index
    return 0


def _check_required(columns: dict[str, int | None], label: Callable[[str], str]) -> None:
    missing = [
        label(field)
        for field, index in columns.items()
        if index is None and field not in OPTIONAL_FIELDS
    ]
    if missing:
        raise FormatError(f"missing JCC column(s): {', '.join(missing)}")


def _parsed_row(
    line_number: int,
    raw: dict[str, str],
    cells: Sequence[str],
    columns: dict[str, int | None],
    absent: frozenset[str],
) -> ParsedRow:
    def get(field: str) -> str:
        return cell(cells, columns[field])

    status = collapse_whitespace(get("status"))
    is_additional_cargo = STATUSES.get(normalise_header(status))
    if status and is_additional_cargo is None:
        return ParsedRow(
            row_number=line_number, raw=raw, skip_reason=f"status '{status}' not imported"
        )
    try:
        if not status:
            raise ValueError("status: empty")
        record, warnings = _shipment(
            get, is_additional_cargo=bool(is_additional_cargo), absent=absent
        )
    except ValueError as error:
        return ParsedRow(row_number=line_number, raw=raw, error=str(error))
    return ParsedRow(row_number=line_number, raw=raw, record=record, warnings=warnings)


def _shipment(
    get: Callable[[str], str], *, is_additional_cargo: bool, absent: frozenset[str]
) -> tuple[ShipmentRecord, tuple[str, ...]]:
    income_group, warnings = _income_group(get("income_group"))
    vessel_name = _required_text("vessel_name", get("vessel_name"))
    is_wfp = _is_wfp(get("is_wfp"))
    if "is_wfp" in absent and _WFP_IN_NAME.search(vessel_name):
        # Without a WFP column, "DENIZ M (WFP)" is the table's only mark of a WFP charter.
        is_wfp, absent = True, absent - {"is_wfp"}
    record = ShipmentRecord(
        voyage_number=_positive("voyage_number", get("voyage_number")),
        vessel_name=vessel_name,
        departure_port_ref=_required_text("departure_port", get("departure_port")),
        departed_on=parse_date("departed_on", get("departed_on")),
        commodity=_required_text("commodity", get("commodity")),
        tonnes=parse_tonnes("tonnes", get("tonnes")),
        destination_country=_required_text("destination_country", get("destination_country")),
        is_additional_cargo=is_additional_cargo,
        imo=_imo(get("imo")),
        income_group=income_group,
        is_wfp=is_wfp,
        absent=absent,
    )
    return record, warnings


def _required_text(field: str, text: str) -> str:
    value = collapse_whitespace(text)
    if not value:
        raise ValueError(f"{field}: empty")
    return value


def _positive(field: str, text: str) -> int:
    number = parse_optional_count(field, text)
    if number is None:
        raise ValueError(f"{field}: empty")
    if number == 0:
        raise ValueError(f"{field}: must be more than 0")
    return number


def _imo(text: str) -> str:
    value = text.strip()
    if value and not _IMO.fullmatch(value):
        raise ValueError(f"imo: '{value}' is not a 7-digit IMO number")
    return value


def _income_group(text: str) -> tuple[str, tuple[str, ...]]:
    value = collapse_whitespace(text)
    group = INCOME_GROUPS.get(value.replace("-", " ").lower(), "")
    if value and not group:
        return "", (f"income_group: '{value}' not recognised, left empty",)
    return group, ()


def _is_wfp(text: str) -> bool:
    # The JCC marks World Food Programme charters with "WFP" rather than yes/no.
    if text.strip().upper() == "WFP":
        return True
    return parse_bool("is_wfp", text)
