"""Impact's own export of incidents, as CSV or JSON: the shape the impact-csv and
impact-json ingestion formats read back, so one instance's export loads into another.

Exports stream: rows are produced in chunks from the database and written one by one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from incidents.columns import ASSET_FIELDS, INCIDENT_COLUMNS, INCIDENT_FACTS, SOURCE_FIELDS
from incidents.models import DamagedAsset, Incident, Source

CHUNK_ROWS = 2000


def _exported(value: Any) -> Any:
    """A value as JSON holds it: dates and times in ISO 8601, decimals as text."""
    if isinstance(value, dt.date):  # a datetime is a date too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _values(record: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: _exported(getattr(record, name)) for name in names}


def incident_export_row(incident: Incident) -> dict[str, Any]:
    region = incident.region
    values = {
        "id": str(incident.public_id),
        **_values(incident, ("external_source", "external_id")),
        **_values(incident, (name for name in INCIDENT_FACTS if name != "region")),
        "region_pcode": region.pcode if region else "",
        "region_iso": region.iso_code if region else "",
        "region_name": region.name_en if region else "",
        **_values(incident, ("status", "updated_at")),
        "sources": [_values(source, SOURCE_FIELDS) for source in incident.sources.all()],
        "assets": [_values(asset, ASSET_FIELDS) for asset in incident.assets.all()],
    }
    return {column: values[column] for column in INCIDENT_COLUMNS}


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
