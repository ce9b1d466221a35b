"""CSV, HXL-tagged CSV and GeoJSON, streamed row by row from the filtered queryset.

List exports do not go through the renderers but stream (see ``exporting``), so memory
stays flat; the renderers write a detail, the aggregates (``needs/``, ``summary/``) and
whatever else a view hands them, of any shape.

GeoJSON properties are the row's fields with coordinates as numbers, and
``geometry_missing_reason`` (null when there is a geometry): ``region_only`` for a record
placed by its region alone, ``no_coordinates`` otherwise.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from impact.spreadsheets import spreadsheet_safe
from incidents.api.hxl import COMMON, hxl_tag, tags_for

CHUNK_CHARACTERS = 64 * 1024  # streamed exports go out in chunks of about this size


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, cls=JSONEncoder, ensure_ascii=False)
    return spreadsheet_safe(value)


def csv_lines(
    rows: Iterable[Mapping[str, Any]],
    fields: Sequence[str],
    *,
    hxl: bool = False,
    tags: Mapping[str, str] | None = None,
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    if hxl:
        tags = COMMON if tags is None else tags
        writer.writerow([hxl_tag(name, tags) for name in fields])
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in fields])
        # Chunks of about 64 KiB: a chunk per row would be a write to the socket per row.
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


REGION_ONLY = "region_only"
NO_COORDINATES = "no_coordinates"


def _feature(row: Mapping[str, Any]) -> dict[str, Any]:
    properties = dict(row)
    latitude, longitude = row.get("latitude"), row.get("longitude")
    geometry = None
    if latitude is not None and longitude is not None:
        # Numbers, not the decimal strings of JSON lists: GIS tools type a column by its
        # values. RFC 7946: longitude first.
        properties["latitude"], properties["longitude"] = float(latitude), float(longitude)
        geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
        properties["geometry_missing_reason"] = None
    else:
        reason = REGION_ONLY if row.get("region") else NO_COORDINATES
        properties["geometry_missing_reason"] = reason
    identifier = row.get("id", row.get("pcode"))
    return {"type": "Feature", "id": identifier, "geometry": geometry, "properties": properties}


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


def flat_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping's values as columns of their own (``people_without.water``); lists stay
    whole, as JSON in one cell."""
    flat: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, Mapping):
            flat.update({f"{name}.{key}": item for key, item in value.items()})
        else:
            flat[name] = value
    return flat


def table(data: Any) -> list[dict[str, Any]]:
    """Rows of whatever a view hands a renderer: a page, a list, one object, or an error's
    detail (an object, a list of messages or a bare message)."""
    if isinstance(data, Mapping) and isinstance(data.get("results"), list):
        data = data["results"]
    items = data if isinstance(data, list | tuple) else [data]
    return [
        flat_row(item) if isinstance(item, Mapping) else {"detail": item}
        for item in items
        if item is not None
    ]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    hxl = False

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> str:
        rows = table(data)
        fields = list(dict.fromkeys(name for row in rows for name in row))
        view = (renderer_context or {}).get("view")
        export = getattr(view, "export_name", None) or getattr(view, "basename", None)
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code < 300:
            response["Content-Disposition"] = f'attachment; filename="{export or "export"}.csv"'
        return "".join(csv_lines(rows, fields, hxl=self.hxl, tags=tags_for(export)))


class HXLRenderer(CSVRenderer):
    format = "hxl"
    hxl = True


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        # A record is a Feature; anything else (a message) is written as it is.
        if isinstance(data, Mapping) and ("id" in data or "pcode" in data):
            data = _feature(data)
        return super().render(data, accepted_media_type, renderer_context)


STREAMED = {"csv": "text/csv", "hxl": "text/csv", "geojson": "application/geo+json"}
