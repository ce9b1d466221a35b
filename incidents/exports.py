"""Impact's own export of incidents, as CSV or JSON: the shape the impact-csv and
impact-json ingestion formats read back, so one instance's export loads into another.

Exports stream: rows are produced in chunks from the database and written one by one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from incidents.ingestion.parsers.impact import INCIDENT_COLUMNS
from incidents.models import DamagedAsset, Incident, Source

CHUNK_ROWS = 2000
SOURCE_FIELDS = ("name", "kind", "title", "url", "published_on")
ASSET_FIELDS = ("asset_type", "name", "count", "damage_level", "notes")


def _isoformat(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: Any) -> Any:
    return str(value) if value is not None else None


def incident_export_row(incident: Incident) -> dict[str, Any]:
    region = incident.region
    return {
        "id": str(incident.public_id),
        "external_source": incident.external_source,
        "external_id": incident.external_id,
        "occurred_on": incident.occurred_on.isoformat(),
        "occurred_at": _isoformat(incident.occurred_at),
        "date_precision": incident.date_precision,
        "region_pcode": region.pcode if region else "",
        "region_iso": region.iso_code if region else "",
        "region_name": region.name_en if region else "",
        "settlement": incident.settlement,
        "latitude": _number(incident.latitude),
        "longitude": _number(incident.longitude),
        "location_precision": incident.location_precision,
        "incident_type": incident.incident_type,
        "weapons_launched": incident.weapons_launched,
        "weapons_intercepted": incident.weapons_intercepted,
        "killed": incident.killed,
        "injured": incident.injured,
        "children_killed": incident.children_killed,
        "children_injured": incident.children_injured,
        "description": incident.description,
        "status": incident.status,
        "updated_at": _isoformat(incident.updated_at),
        "sources": [
            {
                **{name: getattr(source, name) for name in SOURCE_FIELDS},
                "published_on": _isoformat(source.published_on),
            }
            for source in incident.sources.all()
        ],
        "assets": [
            {name: getattr(asset, name) for name in ASSET_FIELDS} for asset in incident.assets.all()
        ],
    }


def incident_export_rows(queryset: QuerySet[Incident]) -> Iterator[dict[str, Any]]:
    """Rows of the export, read in chunks (a constant number of queries per chunk)."""
    incidents = queryset.select_related("region").prefetch_related(
        Prefetch("sources", queryset=Source.objects.order_by("id")),
        Prefetch("assets", queryset=DamagedAsset.objects.order_by("id")),
    )
    for incident in incidents.iterator(chunk_size=CHUNK_ROWS):
        yield incident_export_row(incident)


def impact_csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text, one line at a time; sources and assets are JSON arrays in their cells."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INCIDENT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **{key: "" if value is None else value for key, value in row.items()},
                "sources": json.dumps(row["sources"], ensure_ascii=False),
                "assets": json.dumps(row["assets"], ensure_ascii=False),
            }
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def impact_json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """``{"incidents": [...]}`` written piece by piece."""
    yield '{"incidents": ['
    for index, row in enumerate(rows):
        yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"
