"""HXL-tagged CSV of incidents, as partner organisations and HDX-style portals publish them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import BinaryIO
from urllib.parse import urlsplit

from incidents.ingestion.parsers.consistency import check_incident
from incidents.ingestion.parsers.hxl_tags import (
    cell,
    locate_columns,
    parsed_rows,
    read_hxl_table,
)
from incidents.ingestion.parsers.values import (
    clean_text,
    collapse_whitespace,
    parse_count,
    parse_date,
    parse_latitude,
    parse_longitude,
)
from incidents.ingestion.records import IncidentRecord, ParsedRow, SourceRecord

# Field -> tag patterns, tried in order. A reported date is not when the event happened, and a
# facility's name is not a settlement, so those columns are excluded from the fallbacks.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("#meta+id",),
    "occurred_on": ("#date+occurred", "#date-reported"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "region_code": ("#adm1+code",),
    "region_name": ("#adm1+name",),
    "settlement": ("#loc+name-facility-port",),
    "latitude": ("#geo+lat",),
    "longitude": ("#geo+lon",),
    "incident_type": ("#event+type-sub",),
    "killed": ("#affected+killed-children",),
    "injured": ("#affected+injured-children",),
    "children_killed": ("#affected+killed+children",),
    "children_injured": ("#affected+injured+children",),
    "source_name": ("#meta+source",),
    "source_url": ("#meta+url",),
    "description": ("#description", "#meta+description"),
}

# Checked in order: "MLRS rocket attack" is MLRS, "missile and drone attack" a missile strike.
# Word boundaries keep "Grad" from matching place names such as Kirovograd.
_INCIDENT_TYPE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (incident_type, re.compile(pattern, re.IGNORECASE))
    for incident_type, pattern in (
        ("mlrs", r"\bmlrs\b|\bgrad\b|multiple[- ]rocket|rocket launcher|\buragan\b|\bsmerch\b"),
        ("missile_strike", r"missile"),
        ("drone_strike", r"drone|\buav|shahed"),
        ("air_strike", r"air ?strike|air raid|aerial bomb|bombing"),
        ("shelling", r"shelling|shelled|artillery|mortar"),
    )
)


def incident_type_from_text(text: str) -> str | None:
    """The incident type free text describes ("Missile strike", "drone"), or None."""
    words = " ".join(text.replace("_", " ").split())
    if words.lower() == "other":
        return "other"
    for incident_type, pattern in _INCIDENT_TYPE_PATTERNS:
        if pattern.search(words):
            return incident_type
    return None


# Record fields no HXL incident table carries, and those each optional column gives.
NOT_CARRIED = frozenset(
    {"occurred_at", "date_precision", "weapons_launched", "weapons_intercepted", "assets"}
)
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "region_ref": ("region_code", "region_name"),
    "settlement": ("settlement",),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
    "location_precision": ("settlement", "latitude"),
    "incident_type": ("incident_type",),
    "killed": ("killed",),
    "injured": ("injured",),
    "children_killed": ("children_killed",),
    "children_injured": ("children_injured",),
    "sources": ("source_name", "source_url"),
    "description": ("description",),
}


def parse_hxl_incidents(stream: BinaryIO) -> Iterator[ParsedRow]:
    """One ParsedRow per data row of an HXL-tagged incident table."""
    table = read_hxl_table(stream, example_tags="#date+occurred, #adm1+code")
    columns = locate_columns(table, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    absent = NOT_CARRIED | {
        field
        for field, names in FIELD_COLUMNS.items()
        if all(columns[name] is None for name in names)
    }
    yield from parsed_rows(table, lambda cells: _incident_from_cells(cells, columns, absent))


def _incident_from_cells(
    cells: Sequence[str], columns: dict[str, int | None], absent: frozenset[str]
) -> tuple[IncidentRecord, tuple[str, ...]]:
    def get(field: str) -> str:
        return cell(cells, columns[field])

    external_id = clean_text(get("external_id"))
    if not external_id:
        raise ValueError("external_id: empty")
    incident_type, warnings = _incident_type(get("incident_type"))
    region_ref = collapse_whitespace(get("region_code")) or collapse_whitespace(get("region_name"))
    settlement = collapse_whitespace(get("settlement"))
    latitude = parse_latitude("latitude", get("latitude"))
    record = IncidentRecord(
        external_id=external_id,
        occurred_on=parse_date("occurred_on", get("occurred_on")),
        incident_type=incident_type,
        region_ref=region_ref,
        settlement=settlement,
        latitude=latitude,
        longitude=parse_longitude("longitude", get("longitude")),
        location_precision=_location_precision(settlement, latitude, region_ref),
        killed=parse_count("killed", get("killed")),
        injured=parse_count("injured", get("injured")),
        children_killed=parse_count("children_killed", get("children_killed")),
        children_injured=parse_count("children_injured", get("children_injured")),
        description=clean_text(get("description")),
        sources=_sources(get("source_name"), get("source_url")),
        absent=absent,
    )
    check_incident(record)
    return record, warnings


def _incident_type(text: str) -> tuple[str, tuple[str, ...]]:
    value = collapse_whitespace(text)
    incident_type = incident_type_from_text(value)
    if incident_type is not None:
        return incident_type, ()
    reason = f"'{value}' not recognised" if value else "empty"
    return "other", (f"incident_type: {reason}, imported as 'other'",)


def _location_precision(settlement: str, latitude: Decimal | None, region_ref: str) -> str:
    # HXL carries no precision column; infer it from the most specific place given.
    if settlement or latitude is not None:
        return "settlement"
    return "region" if region_ref else "unknown"


def _sources(name_text: str, url_text: str) -> tuple[SourceRecord, ...]:
    name, url = collapse_whitespace(name_text), clean_text(url_text)
    if not name and not url:
        return ()
    # A bare link still deserves a readable name; the host says who published it.
    return (SourceRecord(name=name or urlsplit(url).netloc or url, kind="other", url=url),)
