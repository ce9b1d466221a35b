"""Synthetic but realistic incident files in the Impact CSV format, the one format that
carries damaged assets and sources with each incident.

Skewed like the real record: most strikes hit frontline and border oblasts (Donetsk,
Kharkiv, Zaporizhzhia, Kherson, Dnipropetrovsk, Sumy), few reach the west; three years from
24 February 2022; about one damaged asset per two incidents and one source each. Every row
says it is synthetic. The same seed gives the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

from incidents.columns import INCIDENT_COLUMNS

# P-code -> relative weight of strikes (frontline oblasts far above the west).
REGION_WEIGHTS = {
    "UA14": 30, "UA63": 22, "UA23": 14, "UA65": 12, "UA12": 10, "UA59": 9, "UA51": 6,
    "UA48": 6, "UA74": 5, "UA80": 4, "UA32": 3, "UA53": 2, "UA35": 2, "UA18": 1.5,
    "UA71": 1.5, "UA05": 1, "UA46": 1, "UA68": 0.8, "UA56": 0.8, "UA44": 0.8, "UA07": 0.6,
    "UA61": 0.5, "UA26": 0.5, "UA73": 0.4, "UA21": 0.4, "UA01": 0.2, "UA85": 0.2,
}  # fmt: skip
TYPES = ["shelling", "missile_strike", "drone_strike", "air_strike", "mlrs"]
TYPE_WEIGHTS = [45, 15, 25, 8, 7]
ASSETS = ["residential", "energy", "health", "education", "water", "industrial"]
ASSET_WEIGHTS = [60, 12, 6, 8, 6, 8]
FIRST_DAY = dt.date(2022, 2, 24)
DAYS = 3 * 365
SOURCE = "synthetic"


def _row(
    number: int, rng: random.Random, *, changed: bool = False, external_source: str = SOURCE
) -> dict[str, object]:
    pcode = rng.choices(list(REGION_WEIGHTS), weights=list(REGION_WEIGHTS.values()))[0]
    killed = rng.choices([0, 1, 2, 5], [80, 12, 6, 2])[0]
    injured = rng.choices([0, 1, 3, 10], [55, 25, 15, 5])[0]
    if changed:
        injured += 1  # a later report adds someone injured
    assets = []
    if rng.random() < 0.5:
        asset_type = rng.choices(ASSETS, ASSET_WEIGHTS)[0]
        assets.append(
            {
                "asset_type": asset_type,
                "name": "",
                "count": rng.choice([1, 1, 1, 2, 3, 8]),
                "damage_level": rng.choice(["damaged", "damaged", "destroyed"]),
                "notes": "",
            }
        )
    source = {
        "name": "Synthetic regional administration",
        "kind": "official",
        "title": f"Report {number}",
        "url": f"https://example.org/synthetic/{number}",
        "published_on": None,
    }
    return {
        "id": "",
        "external_source": external_source,
        "external_id": f"S{number:08d}",
        "occurred_on": (FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))).isoformat(),
        "occurred_at": "",
        "date_precision": "day",
        "region_pcode": pcode,
        "region_iso": "",
        "region_name": "",
        "settlement": "",
        "latitude": "",
        "longitude": "",
        "location_precision": "region",
        "incident_type": rng.choices(TYPES, TYPE_WEIGHTS)[0],
        "weapons_launched": "",
        "weapons_intercepted": "",
        "killed": killed,
        "injured": injured,
        "children_killed": min(killed, rng.choices([0, 1], [95, 5])[0]),
        "children_injured": min(injured, rng.choices([0, 1], [90, 10])[0]),
        "description": "[SYNTHETIC] Generated for benchmarking; not a real event.",
        "status": "verified",
        "updated_at": "",
        "sources": json.dumps([source]),
        "assets": json.dumps(assets),
    }


def write_incidents(
    path: Path,
    count: int,
    *,
    seed: int = 2022,
    changed_every: int = 0,
    external_source: str = SOURCE,
) -> Path:
    """``count`` incidents; with ``changed_every=10`` every tenth row reports one more injured.
    Another ``external_source`` gives other incidents than the default's."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=INCIDENT_COLUMNS)
        writer.writeheader()
        for number in range(1, count + 1):
            changed = bool(changed_every) and number % changed_every == 0
            row = _row(number, rng, changed=changed, external_source=external_source)
            writer.writerow(row)
    return path
