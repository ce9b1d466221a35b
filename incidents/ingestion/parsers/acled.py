"""ACLED event exports: the CSV download and the API's JSON, current and pre-2023 columns."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any, BinaryIO

from incidents.ingestion.parsers.consistency import check_incident
from incidents.ingestion.parsers.csv_reader import (
    iter_csv_rows,
    read_header,
    row_as_dict,
    width_problem,
)
from incidents.ingestion.parsers.json_reader import iter_json_items
from incidents.ingestion.parsers.streams import peek
from incidents.ingestion.parsers.values import (
    as_text,
    clean_text,
    collapse_whitespace,
    parse_count,
    parse_date,
    parse_latitude,
    parse_longitude,
)
from incidents.ingestion.parsers.workbook import Workbook
from incidents.ingestion.records import IncidentRecord, ParsedRow, SourceRecord

DEFAULT_EVENT_TYPES: tuple[str, ...] = ("Explosions/Remote violence", "Violence against civilians")
REQUIRED_COLUMNS: tuple[str, ...] = ("event_id_cnty", "event_date", "event_type", "sub_event_type")

# ACLED's 1 (exact) to 3 (coarse) scales.
DATE_PRECISIONS = {"1": "day", "2": "week", "3": "month"}
LOCATION_PRECISIONS = {"1": "settlement", "2": "district", "3": "region"}

# ACLED's "Kyiv" is the oblast around the city, unlike everyone else's, so it cannot go to the
# gazetteer as a name. Other ACLED spellings ("Zaporizhia", "Kirovograd") are plain alternative
# names the gazetteer knows.
ADMIN1_PCODES = {"kyiv": "UA32", "kyiv city": "UA80"}

# Record fields ACLED never gives, and the column each other field comes from: a file or
# API answer without that column leaves a stored incident's value as it is.
NOT_CARRIED = frozenset(
    {
        "occurred_at",
        "injured",
        "children_killed",
        "children_injured",
        "weapons_launched",
        "weapons_intercepted",
        "assets",
    }
)
FIELD_COLUMNS: dict[str, str] = {
    "region_ref": "admin1",
    "date_precision": "time_precision",
    "settlement": "location",
    "latitude": "latitude",
    "longitude": "longitude",
    "location_precision": "geo_precision",
    "killed": "fatalities",
    "description": "notes",
    "sources": "source",
}


@functools.lru_cache(maxsize=256)
def absent_fields(columns: frozenset[str]) -> frozenset[str]:
    """What an event with these columns does not carry (cached: rows share columns)."""
    return NOT_CARRIED | {field for field, column in FIELD_COLUMNS.items() if column not in columns}


_MLRS = re.compile(r"\bmlrs\b|\bgrad\b|multiple[- ]rocket", re.IGNORECASE)
_MISSILE = re.compile(r"missile", re.IGNORECASE)
_DRONE = re.compile(r"drone|\buavs?\b|shahed", re.IGNORECASE)


def acled_incident_type(sub_event_type: str, notes: str) -> str:
    """Our incident type for an ACLED sub-event type, refined by what the notes say."""
    sub_event = collapse_whitespace(sub_event_type).casefold()
    # "Grad" is checked with word boundaries: ACLED notes name Kirovograd oblast.
    if sub_event == "shelling/artillery/missile attack":
        if _MLRS.search(notes):
            return "mlrs"
        return "missile_strike" if _MISSILE.search(notes) else "shelling"
    if sub_event == "air/drone strike":
        return "drone_strike" if _DRONE.search(notes) else "air_strike"
    return "other"


def parse_acled(
    stream: BinaryIO, *, event_types: Collection[str] | None = DEFAULT_EVENT_TYPES
) -> Iterator[ParsedRow]:
    """One ParsedRow per ACLED event, from CSV or JSON (told apart by the first character).

    Events of types outside ``event_types`` are skipped with a reason; ``None`` imports all.
    """
    wanted = None if event_types is None else {name.casefold() for name in event_types}
    if isinstance(stream, Workbook):
        yield from _parse_csv(stream, wanted)
        return
    peeked = peek(stream)
    if peeked.first_character in ("{", "["):
        yield from _parse_json(peeked.stream, wanted)
    else:
        yield from _parse_csv(peeked.stream, wanted)


def _parse_csv(stream: BinaryIO, wanted: set[str] | None) -> Iterator[ParsedRow]:
    rows = iter_csv_rows(stream)
    names, keys = read_header(rows, required=REQUIRED_COLUMNS, publisher="ACLED")
    for line_number, cells in rows:
        raw = row_as_dict(names, cells)
        if problem := width_problem(names, cells):
            yield ParsedRow(row_number=line_number, raw=raw, error=problem)
            continue
        yield _parsed_row(line_number, raw, row_as_dict(keys, cells), wanted)


def _parse_json(stream: BinaryIO, wanted: set[str] | None) -> Iterator[ParsedRow]:
    for position, item in iter_json_items(stream, array_key="data"):
        if not isinstance(item, dict):
            yield ParsedRow(row_number=position, raw={"value": item}, error="not a JSON object")
            continue
        # The API sends every value as a string, other tools send numbers; read both alike.
        cells = {str(key).lower(): as_text(value) for key, value in item.items()}
        yield _parsed_row(position, item, cells, wanted)


def _parsed_row(
    row_number: int, raw: dict[str, Any], cells: Mapping[str, str], wanted: set[str] | None
) -> ParsedRow:
    event_type = collapse_whitespace(cells.get("event_type"))
    if wanted is not None and event_type.casefold() not in wanted:
        reason = f"event type '{event_type}' not imported"
        return ParsedRow(row_number=row_number, raw=raw, skip_reason=reason)
    try:
        record = _incident_from_event(cells)
    except ValueError as error:
        return ParsedRow(row_number=row_number, raw=raw, error=str(error))
    return ParsedRow(row_number=row_number, raw=raw, record=record)


def _incident_from_event(cells: Mapping[str, str]) -> IncidentRecord:
    def get(column: str) -> str:
        return cells.get(column, "")

    external_id = clean_text(get("event_id_cnty"))
    if not external_id:
        raise ValueError("event_id_cnty: empty")
    notes = clean_text(get("notes"))
    record = IncidentRecord(
        external_id=external_id,
        occurred_on=parse_date("event_date", get("event_date")),
        incident_type=acled_incident_type(get("sub_event_type"), notes),
        region_ref=_region_ref(get("admin1")),
        date_precision=_precision("time_precision", get("time_precision"), DATE_PRECISIONS),
        settlement=collapse_whitespace(get("location")),
        latitude=parse_latitude("latitude", get("latitude")),
        longitude=parse_longitude("longitude", get("longitude")),
        location_precision=_precision("geo_precision", get("geo_precision"), LOCATION_PRECISIONS),
        killed=parse_count("fatalities", get("fatalities")),
        description=notes,
        sources=(
            SourceRecord(name="ACLED", kind="dataset", title=collapse_whitespace(get("source"))),
        ),
        absent=absent_fields(frozenset(cells)),
    )
    check_incident(record)
    return record


def _region_ref(admin1: str) -> str:
    name = collapse_whitespace(admin1)
    return ADMIN1_PCODES.get(name.casefold(), name)


def _precision(column: str, text: str, scale: Mapping[str, str]) -> str:
    value = text.strip()
    if not value:
        # Hand-trimmed exports drop the column; the record's own default (finest) applies.
        return next(iter(scale.values()))
    if value not in scale:
        raise ValueError(f"{column}: '{value}' is not 1, 2 or 3")
    return scale[value]
