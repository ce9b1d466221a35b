"""Generated ACLED-shaped CSV files, for tests that need many rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
ADMIN1 = ["Donetsk", "Kharkiv", "Zaporizhia", "Kherson", "Dnipropetrovsk", "Sumy", "Odesa"]


def acled_row(number: int, *, fatalities: int = 0) -> dict[str, str]:
    admin1 = ADMIN1[number % len(ADMIN1)]
    return {
        **dict.fromkeys(ACLED_COLUMNS, ""),
        "event_id_cnty": f"UKR{number:06d}",
        "event_date": f"2023-{1 + number % 12:02d}-{1 + number % 28:02d}",
        "year": "2023",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": "Military Forces of Russia (2000-)",
        "country": "Ukraine",
        "iso": "804",
        "admin1": admin1,
        "location": f"Place {number}",
        "latitude": "48.0",
        "longitude": "37.5",
        "geo_precision": "1",
        "source": "Regional military administration",
        "notes": f"Generated event {number}.",
        "fatalities": str(fatalities),
        "timestamp": "1700000000",
    }


def write_acled_csv(path: Path, count: int, *, start: int = 1) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        for number in range(start, start + count):
            writer.writerow(acled_row(number, fatalities=number % 3))
    return path


def acled_csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ACLED_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
