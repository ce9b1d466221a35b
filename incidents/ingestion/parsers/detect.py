"""Telling the format of a payload from its first rows, where that is unambiguous.

A person uploading a file should not have to know our format names. Each format has a mark
no other format has: ACLED's ``event_id_cnty`` column, Impact's own column names, the JCC's
vessel columns, an HXL needs table's ``#inneed``. When no mark or more than one is found,
the format must be chosen, and ``Detection.reason`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from incidents.ingestion.formats import FORMATS, Format
from incidents.ingestion.parsers.csv_reader import normalise_header, read_head
from incidents.ingestion.parsers.hxl_tags import HxlTag, TagPattern, find_hxl_table
from incidents.ingestion.parsers.streams import peek
from incidents.ingestion.parsers.workbook import Workbook, open_table
from incidents.ingestion.records import FormatError

# Rows of a JSON document looked at for its keys.
_JSON_HEAD_BYTES = 64 * 1024
_IMPACT_COLUMNS = {"external_source", "external_id", "occurred_on", "incident_type"}
_JCC_COLUMNS = {"vesselname", "departureport", "commodity"}
_JCC_TAGS = ("#meta+vessel", "#indicator+tonnage", "#loc+port")
_INCIDENT_TAGS = ("#date+occurred", "#affected+killed", "#affected+injured", "#event+type")


@dataclass(frozen=True)
class Detection:
    format: Format | None
    reason: str


def detect_format(stream: BinaryIO, *, sheet: str | None = None) -> Detection:
    """The format of the payload, or None with the reason it must be chosen."""
    try:
        table = open_table(stream, sheet=sheet)
        if not isinstance(table, Workbook):
            peeked = peek(table)
            if peeked.first_character in ("{", "["):
                return _detect_json(peeked.head[:_JSON_HEAD_BYTES])
            table = peeked.stream
        head = read_head(table)
    except FormatError as error:
        return Detection(None, f"The file cannot be read: {error}.")
    headers = {normalise_header(cell) for _, cells in head.rows[:3] for cell in cells}
    found = []
    if "event_id_cnty" in headers:
        found.append(Format.ACLED)
    if headers >= _IMPACT_COLUMNS:
        found.append(Format.IMPACT_CSV)
    hxl = find_hxl_table(head)
    tags: list[HxlTag | None] = hxl.tags if hxl is not None else []
    if headers >= _JCC_COLUMNS or _any_tag(tags, _JCC_TAGS):
        found.append(Format.JCC)
    elif _any_tag(tags, ("#inneed",)):
        found.append(Format.HXL_BASELINE)
    elif _any_tag(tags, _INCIDENT_TAGS):
        found.append(Format.HXL)
    return _decided(found)


def _detect_json(head: bytes) -> Detection:
    text = head.decode("utf-8", errors="ignore")
    found = []
    if '"event_id_cnty"' in text:
        found.append(Format.ACLED)
    if all(f'"{column}"' in text for column in ("external_id", "occurred_on")):
        found.append(Format.IMPACT_JSON)
    return _decided(found)


def _any_tag(tags: Sequence[HxlTag | None], patterns: Sequence[str]) -> bool:
    return any(TagPattern.parse(text).matches(tag) for text in patterns for tag in tags)


def _decided(found: list[Format]) -> Detection:
    if len(found) == 1:
        return Detection(found[0], f"Recognised as {FORMATS[found[0]].detected_as}.")
    if found:
        names = " and ".join(FORMATS[item].detected_as for item in found)
        return Detection(None, f"The file has marks of {names}: choose its format.")
    return Detection(
        None,
        "No known format recognised from the first rows (ACLED's event_id_cnty, Impact's "
        "columns, the JCC's vessel columns or HXL hashtags): choose its format.",
    )
