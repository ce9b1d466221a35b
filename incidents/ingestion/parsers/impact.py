"""Impact's own incident export, read back in: CSV or JSON, one shape shared with the exporter.

Identity across instances: an incident that came from an outside feed keeps that feed's key,
so ACLED's UKR12345 imported on instance A and then exported to instance B is still
UKR12345 there. The record's ``external_id`` carries both halves as ``"<source>:<id>"``
(``"acled:UKR12345"``), or ``"impact:<public id>"`` for an incident first reported on the
exporting instance; ``split_impact_key`` takes it apart again.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, BinaryIO

from incidents.columns import INCIDENT_FACTS, REGION_COLUMNS
from incidents.ingestion.parsers.consistency import check_incident
from incidents.ingestion.parsers.csv_reader import (
    iter_csv_rows,
    read_header,
    row_as_dict,
    width_problem,
)
from incidents.ingestion.parsers.json_reader import iter_json_items
from incidents.ingestion.parsers.values import (
    as_text,
    clean_text,
    collapse_whitespace,
    parse_count,
    parse_date,
    parse_latitude,
    parse_longitude,
    parse_optional_count,
    parse_optional_date,
    parse_optional_datetime,
)
from incidents.ingestion.records import (
    AssetRecord,
    IncidentRecord,
    ParsedRow,
    SourceRecord,
)

# Without these a row cannot be identified or placed in time; the rest may be absent.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "external_source",
    "external_id",
    "occurred_on",
    "incident_type",
)
# The columns (JSON keys) each record field comes from; a payload without any of them
# leaves a stored incident's value as it is.
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "region_ref": REGION_COLUMNS,
    **{
        fact: (fact,)
        for fact in (*INCIDENT_FACTS, "sources", "assets")
        if fact not in (*REQUIRED_COLUMNS, "region")
    },
}
# The source name for incidents first reported on an Impact instance.
IMPACT_SOURCE = "impact"

# Copied from the model choices (Incident.IncidentType, Incident.DatePrecision,
# LocationPrecision, DamagedAsset.AssetType, DamagedAsset.DamageLevel, Source.Kind) so the
# parser stays free of Django; a test keeps the copies in step.
INCIDENT_TYPES = ("missile_strike", "drone_strike", "air_strike", "shelling", "mlrs", "other")
DATE_PRECISIONS = ("day", "week", "month")
LOCATION_PRECISIONS = ("exact", "settlement", "district", "region", "unknown")
ASSET_TYPES = (
    "residential",
    "health",
    "education",
    "energy",
    "water",
    "industrial",
    "food_storage",
    "port",
    "cultural_heritage",
    "transport",
    "other",
)
DAMAGE_LEVELS = ("damaged", "severely_damaged", "destroyed", "unknown")
SOURCE_KINDS = ("official", "media", "ngo", "dataset", "witness", "other")


@functools.lru_cache(maxsize=256)
def absent_fields(columns: frozenset[str]) -> frozenset[str]:
    """The record fields none of these columns (or JSON keys) gives; cached, as every row
    of a CSV file, and most items of a JSON array, have the same columns."""
    return frozenset(
        field
        for field, names in FIELD_COLUMNS.items()
        if not any(name in columns for name in names)
    )


def split_impact_key(external_id: str) -> tuple[str, str]:
    """``"acled:UKR12345"`` -> ``("acled", "UKR12345")``; the id itself may contain colons."""
    source, separator, key = external_id.partition(":")
    if not separator or not source or not key:
        raise ValueError(f"not an Impact import key ('<source>:<id>'): {external_id!r}")
    return source, key


def parse_impact_csv(stream: BinaryIO) -> Iterator[ParsedRow]:
    """One ParsedRow per line of an Impact CSV export (``sources``/``assets`` as JSON text)."""
    rows = iter_csv_rows(stream)
    names, keys = read_header(rows, required=REQUIRED_COLUMNS, publisher="Impact")
    for line_number, cells in rows:
        raw = row_as_dict(names, cells)
        if problem := width_problem(names, cells):
            yield ParsedRow(row_number=line_number, raw=raw, error=problem)
            continue
        yield _parsed_row(line_number, raw, row_as_dict(keys, cells))


def parse_impact_json(stream: BinaryIO) -> Iterator[ParsedRow]:
    """One ParsedRow per incident of ``{"incidents": [...]}`` or of a bare array."""
    for position, item in iter_json_items(stream, array_key="incidents"):
        if isinstance(item, dict):
            yield _parsed_row(position, item, item)
        else:
            yield ParsedRow(row_number=position, raw={"value": item}, error="not a JSON object")


def _parsed_row(row_number: int, raw: dict[str, Any], fields: Mapping[str, Any]) -> ParsedRow:
    try:
        record = _incident(fields)
    except ValueError as error:
        return ParsedRow(row_number=row_number, raw=raw, error=str(error))
    return ParsedRow(row_number=row_number, raw=raw, record=record)


def _incident(fields: Mapping[str, Any]) -> IncidentRecord:
    def text(name: str) -> str:
        return as_text(fields.get(name))

    record = IncidentRecord(
        external_id=_import_key(text),
        occurred_on=parse_date("occurred_on", text("occurred_on")),
        occurred_at=parse_optional_datetime("occurred_at", text("occurred_at")),
        date_precision=_choice("date_precision", text("date_precision"), DATE_PRECISIONS, "day"),
        incident_type=_choice("incident_type", text("incident_type"), INCIDENT_TYPES),
        region_ref=_region_ref(text),
        settlement=collapse_whitespace(text("settlement")),
        latitude=parse_latitude("latitude", text("latitude")),
        longitude=parse_longitude("longitude", text("longitude")),
        location_precision=_choice(
            "location_precision", text("location_precision"), LOCATION_PRECISIONS, "settlement"
        ),
        weapons_launched=parse_optional_count("weapons_launched", text("weapons_launched")),
        weapons_intercepted=parse_optional_count(
            "weapons_intercepted", text("weapons_intercepted")
        ),
        killed=parse_count("killed", text("killed")),
        injured=parse_count("injured", text("injured")),
        children_killed=parse_count("children_killed", text("children_killed")),
        children_injured=parse_count("children_injured", text("children_injured")),
        description=clean_text(text("description")),
        sources=tuple(_source(f"sources[{n}]", item) for n, item in _items(fields, "sources")),
        assets=tuple(_asset(f"assets[{n}]", item) for n, item in _items(fields, "assets")),
        absent=absent_fields(frozenset(fields)),
    )
    check_incident(record)
    return record


def _import_key(text: Callable[[str], str]) -> str:
    source, key, public_id = (
        clean_text(text(name)) for name in ("external_source", "external_id", "id")
    )
    if public_id:
        try:
            public_id = str(uuid.UUID(public_id))
        except ValueError:
            raise ValueError(f"id: '{public_id}' is not a UUID") from None
    if source and key:
        if ":" in source:
            raise ValueError(f"external_source: '{source}' must not contain ':'")
        return f"{source}:{key}"
    if source or key:
        given, empty = (
            ("external_source", "external_id") if source else ("external_id", "external_source")
        )
        raise ValueError(f"{empty}: empty although {given} is given")
    if not public_id:
        raise ValueError("id: empty (needed when external_source and external_id are empty)")
    return f"{IMPACT_SOURCE}:{public_id}"


def _region_ref(text: Callable[[str], str]) -> str:
    # The P-code is what the gazetteer matches most surely; the name is the last resort.
    for column in REGION_COLUMNS:
        if reference := collapse_whitespace(text(column)):
            return reference
    return ""


def _choice(field: str, text: str, allowed: tuple[str, ...], default: str = "") -> str:
    value = text.strip() or default
    if not value:
        raise ValueError(f"{field}: empty")
    if value not in allowed:
        raise ValueError(f"{field}: '{value}' is not one of {', '.join(allowed)}")
    return value


def _items(fields: Mapping[str, Any], name: str) -> Iterator[tuple[int, Any]]:
    """The objects in ``sources`` or ``assets``, numbered from 1: a JSON array, or its text."""
    value = fields.get(name)
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError as error:
            raise ValueError(f"{name}: not valid JSON ({error.msg})") from None
    if value is None:
        return iter(())
    if not isinstance(value, list):
        raise ValueError(f"{name}: not a JSON array")
    return enumerate(value, start=1)


def _source(field: str, item: Any) -> SourceRecord:
    values = _object(field, item)
    name = collapse_whitespace(values("name"))
    if not name:
        raise ValueError(f"{field}.name: empty")
    return SourceRecord(
        name=name,
        kind=_choice(f"{field}.kind", values("kind"), SOURCE_KINDS, "other"),
        title=collapse_whitespace(values("title")),
        url=clean_text(values("url")),
        published_on=parse_optional_date(f"{field}.published_on", values("published_on")),
    )


def _asset(field: str, item: Any) -> AssetRecord:
    values = _object(field, item)
    count = parse_optional_count(f"{field}.count", values("count"))
    if count == 0:
        raise ValueError(f"{field}.count: must be at least 1")
    return AssetRecord(
        asset_type=_choice(f"{field}.asset_type", values("asset_type"), ASSET_TYPES),
        name=collapse_whitespace(values("name")),
        count=1 if count is None else count,
        damage_level=_choice(
            f"{field}.damage_level", values("damage_level"), DAMAGE_LEVELS, "damaged"
        ),
        notes=clean_text(values("notes")),
    )


def _object(field: str, item: Any) -> Callable[[str], str]:
    if not isinstance(item, dict):
        raise ValueError(f"{field}: not a JSON object")
    return lambda key: as_text(item.get(key))
