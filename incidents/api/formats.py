"""CSV, HXL-tagged CSV and GeoJSON, streamed row by row from the filtered queryset.

The renderers exist for content negotiation (``Accept`` or ``?format=``); list exports do
not go through them but stream (see ``ExportableListMixin``), so memory stays flat.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# HXL hashtags of exported fields; fields without one get an empty hashtag cell, which
# the HXL standard allows. Only core tags, with attributes where a column needs them.
HXL_TAGS = {
    "id": "#meta+id",
    "external_source": "#meta+source+external",
    "external_id": "#meta+id+external",
    "occurred_on": "#date+occurred",
    "occurred_at": "#date+occurred+time",
    "date_precision": "#meta+precision+date",
    "region": "#adm1+code",
    "settlement": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "location_precision": "#meta+precision+location",
    "incident_type": "#event+type",
    "weapons_launched": "#indicator+weapons+launched+num",
    "weapons_intercepted": "#indicator+weapons+intercepted+num",
    "killed": "#affected+killed",
    "injured": "#affected+injured",
    "children_killed": "#affected+killed+children",
    "children_injured": "#affected+injured+children",
    "description": "#description",
    "status": "#status",
    "organisation": "#org+name",
    "verified_at": "#date+verified",
    "updated_at": "#date+updated",
    "service": "#service+type",
    "facility": "#loc+facility+name",
    "incident": "#meta+id+incident",
    "people_affected": "#affected+num",
    "households_affected": "#affected+hh+num",
    "started_at": "#date+start",
    "restored_at": "#date+end",
}


CHUNK_CHARACTERS = 64 * 1024  # streamed exports go out in chunks of about this size


# A cell a spreadsheet would run as a formula starts with one of these (OWASP "CSV
# injection"); numbers such as "-33.5" are data and stay as they are.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would take for a formula, prefixed with ``'`` so it shows as text."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, cls=JSONEncoder, ensure_ascii=False)
    return spreadsheet_safe(value)


def csv_lines(
    rows: Iterable[Mapping[str, Any]], fields: Sequence[str], *, hxl: bool = False
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    if hxl:
        writer.writerow([HXL_TAGS.get(name, "") for name in fields])
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in fields])
        # Chunks of about 64 KiB: a chunk per row would be a write to the socket per row.
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _feature(row: Mapping[str, Any]) -> dict[str, Any]:
    latitude, longitude = row.get("latitude"), row.get("longitude")
    geometry = None
    if latitude is not None and longitude is not None:
        # RFC 7946: longitude first.
        geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
    return {"type": "Feature", "id": row.get("id"), "geometry": geometry, "properties": row}


def geojson_chunks(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    parts = ['{"type": "FeatureCollection", "features": [']
    size = 0
    for index, row in enumerate(rows):
        text = ("," if index else "") + json.dumps(
            _feature(row), cls=JSONEncoder, ensure_ascii=False
        )
        parts.append(text)
        size += len(text)
        if size >= CHUNK_CHARACTERS:
            yield "".join(parts)
            parts, size = [], 0
    parts.append("]}")
    yield "".join(parts)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    hxl = False

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        rows = data.get("results", [data]) if isinstance(data, dict) else list(data or [])
        fields = list(rows[0]) if rows else []
        return "".join(csv_lines(rows, fields, hxl=self.hxl))


class HXLRenderer(CSVRenderer):
    format = "hxl"
    hxl = True


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        if isinstance(data, dict) and "id" in data and "latitude" in data:
            data = _feature(data)
        return super().render(data, accepted_media_type, renderer_context)


STREAMED = {"csv": "text/csv", "hxl": "text/csv", "geojson": "application/geo+json"}
