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
        # Each source cites its own articles: two sources' rows of one number are not
        # reports of one attack (the matching links reports citing one article).
        "url": f"https://example.org/{external_source}/{number}",
        "published_on": None,
    }
    # At one of the region's settlements: two sources' rows meet only where they share one
    # (rows giving the oblast alone would all be possible repeats of each other).
    settlement, latitude, longitude = _settlement(rng.randrange(SETTLEMENTS_PER_REGION))
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
        "settlement": settlement,
        "latitude": f"{latitude:.6f}",
        "longitude": f"{longitude:.6f}",
        "location_precision": "settlement",
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


# -- two sources reporting the same attacks (the cost of linking) ------------------------------

SETTLEMENTS_PER_REGION = 100
FIRST_SOURCE, SECOND_SOURCE = "synthetic", "synthetic-second"
# What a second report repeats of the first source's row of the same number, by share of
# rows: the same cited article (linked by key); an exact site and a time that agree
# (linked by score, where the first report has both); the same day or the next,
# settlement and type only (queued). The rest are other attacks, queued only when
# another report happens to fall on their settlement and days.
REPEAT_SHARES = {"key": 0.12, "close": 0.12, "place": 0.12}
# The kind of each second row is the first letter of its external id.
KINDS = {"K": "key", "C": "close", "P": "place", "N": "other"}


def _settlement(number: int) -> tuple[str, float, float]:
    """The name and centre of a region's settlement: 100 on a grid 33 km apart, further
    than settlement-level points may be and still be one place."""
    latitude = 46.0 + (number // 10) * 0.3
    longitude = 24.0 + (number % 10) * 0.45
    return f"Synthetic settlement {number:02d}", latitude, longitude


def _placed(row: dict[str, object], rng: random.Random, *, exact: bool, timed: bool) -> None:
    """Put a row at one of its region's settlements: its centre, or an exact site within
    1.5 km; with a time on its day when ``timed``."""
    name, latitude, longitude = _settlement(rng.randrange(SETTLEMENTS_PER_REGION))
    if exact:
        latitude += rng.uniform(-0.01, 0.01)
        longitude += rng.uniform(-0.01, 0.01)
    row.update(
        settlement=name,
        latitude=f"{latitude:.5f}",
        longitude=f"{longitude:.5f}",
        location_precision="exact" if exact else "settlement",
        occurred_at=f"{row['occurred_on']}T{rng.randrange(1, 23):02d}:{rng.randrange(60):02d}"
        if timed
        else "",
    )


def _repeat(first: dict[str, object], kind: str, number: int, rng: random.Random) -> dict:
    """A second source's report of the attack ``first`` reports."""
    row = _row(number, rng, external_source=SECOND_SOURCE)
    row.update(
        {
            name: first[name]
            for name in ("occurred_on", "region_pcode", "incident_type", "settlement")
        }
    )
    # Geocoded to the settlement's centre, as a source naming a settlement does.
    _, latitude, longitude = _settlement(int(str(first["settlement"]).rsplit(" ", 1)[1]))
    row.update(
        latitude=f"{latitude:.5f}",
        longitude=f"{longitude:.5f}",
        location_precision="settlement",
        occurred_at="",
    )
    if kind == "key":
        row["sources"] = first["sources"]
    elif kind == "close":
        hour, minute = (int(part) for part in str(first["occurred_at"])[11:16].split(":"))
        minute = max(0, min(59, minute + rng.randrange(-20, 21)))
        row.update(
            latitude=f"{float(str(first['latitude'])) + rng.uniform(-0.002, 0.002):.5f}",
            longitude=f"{float(str(first['longitude'])) + rng.uniform(-0.002, 0.002):.5f}",
            location_precision="exact",
            occurred_at=f"{first['occurred_on']}T{hour:02d}:{minute:02d}",
        )
    elif rng.random() < 0.3:  # dated the next day, as for a night attack
        day = dt.date.fromisoformat(str(first["occurred_on"])) + dt.timedelta(days=1)
        row["occurred_on"] = day.isoformat()
    return row


def write_two_sources(first: Path, second: Path, count: int, *, seed: int = 2024) -> None:
    """Two sources' files of ``count`` incidents each over the same days and regions, at
    named settlements (some at exact sites, some with a time): the second repeats some of
    the first's attacks (``REPEAT_SHARES``) and reports others of its own. The second is
    in date order, as a source's export lists its reports (Impact's own, ACLED's); the
    first in no order."""
    rng = random.Random(seed)
    seconds = []
    with (
        first.open("w", newline="", encoding="utf-8") as first_handle,
        second.open("w", newline="", encoding="utf-8") as second_handle,
    ):
        writers = [csv.DictWriter(handle, fieldnames=INCIDENT_COLUMNS) for handle in
                   (first_handle, second_handle)]  # fmt: skip
        for writer in writers:
            writer.writeheader()
        for number in range(1, count + 1):
            row = _row(number, rng, external_source=FIRST_SOURCE)
            exact = rng.random() < 0.4
            _placed(row, rng, exact=exact, timed=exact or rng.random() < 0.3)
            draw, kind = rng.random(), "other"
            for name, share in REPEAT_SHARES.items():
                if draw < share:
                    kind = name
                    break
                draw -= share
            if kind == "close" and not (exact and row["occurred_at"]):
                kind = "place"
            if kind == "other":
                other = _row(number, rng, external_source=SECOND_SOURCE)
                _placed(other, rng, exact=rng.random() < 0.4, timed=rng.random() < 0.4)
            else:
                other = _repeat(row, kind, number, rng)
            letter = next(letter for letter, name in KINDS.items() if name == kind)
            other["external_id"] = f"{letter}{number:08d}"
            writers[0].writerow(row)
            seconds.append(other)
        writers[1].writerows(sorted(seconds, key=lambda other: str(other["occurred_on"])))
