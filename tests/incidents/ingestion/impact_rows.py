"""Small Impact CSV files for ingestion tests: one valid incident per row unless told."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from incidents.columns import INCIDENT_COLUMNS


def impact_row(external_id: str, **values: Any) -> dict[str, str]:
    """A valid Impact CSV row; ``values`` override cells (non-text ones as JSON)."""
    row = dict.fromkeys(INCIDENT_COLUMNS, "")
    row.update(
        external_source="acled",
        external_id=external_id,
        occurred_on="2023-08-15",
        date_precision="day",
        region_pcode="UA46",
        settlement="Lviv",
        incident_type="missile_strike",
        killed="1",
        sources="[]",
        assets="[]",
    )
    for name, value in values.items():
        row[name] = value if isinstance(value, str) else json.dumps(value)
    return row


def impact_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INCIDENT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
