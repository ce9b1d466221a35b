"""How well `incidents.events.matching` links second reports, measured on real events.

The events are Insecurity Insight's attacks on health care in Ukraine (real dates, oblasts,
points with their precision, weapons), each named after the nearest settlement of OCHA's
table. For each event a second report is written as another source would write it: the
settlement in Ukrainian or with another apostrophe or not at all, a point at the
settlement's centre, an exact site nearby, a raion's centre or none, the next day for a night
attack, a coarser precision, "other" or a neighbouring type, other figures, now and then the
same record of the same source. It is then matched twice against the real events dated
within its candidate days:

- with its event among them: linking to it is right, queueing on it is fine, anything else
  is a miss (a link to another event is a false automatic link);
- with its event left out: the report is of a new event, and the events around it (the
  file has dozens of attacks in Kharkiv or Kherson within a day of each other) are the hard
  negatives. Any link is a false automatic link; a queue entry costs a Verifier a look.

Pure Python over the files in ../shared/data; no database. `python bench/linking.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from incidents.events import matching  # noqa: E402
from incidents.events.matching import Likeness, Sighting, Verdict  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
HEALTH_CARE = "insecurity_insight_attacks_on_health_care_ukraine_2016-2023.hxl.csv"
SETTLEMENTS = "ukraine_settlements.csv"
RAIONS = "ukraine_raions.csv"
OBLASTS = "ukraine_oblasts.csv"
SOURCE = "insecurity-insight"
SEED = 20231221

PRECISIONS = {"(2)": "settlement", "(3)": "district", "(4)": "region", "(5)": "district"}
WEAPON_TYPES = {
    "Missile": "missile_strike",
    "Aerial Bomb: Missile": "missile_strike",
    "Aerial Bomb: Missile, Unspecified Explosive": "missile_strike",
    "Aerial Bomb: Drone": "drone_strike",
    "Aerial Bomb: Plane": "air_strike",
    "Aerial Bomb: No Information on Platform Type": "air_strike",
    "Shelling": "shelling",
    "Artillery": "shelling",
    "Mortar": "shelling",
    "Rocket": "mlrs",
}
# The type another source is likely to give instead.
NEIGHBOUR_TYPES = {
    "missile_strike": ("drone_strike", "air_strike"),
    "drone_strike": ("missile_strike",),
    "air_strike": ("missile_strike", "drone_strike"),
    "shelling": ("mlrs",),
    "mlrs": ("shelling", "missile_strike"),
    "other": ("shelling", "missile_strike"),
}
AUTO_LINK_SWEEP = (0.70, 0.75, 0.80, 0.83, 0.85, 0.90)
QUEUE_SWEEP = (0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65)
# Whether a margin could make up for a lower AUTO_LINK: at 0.70, where false links begin.
MARGIN_SWEEP = (0.0, 0.05, 0.08, 0.10, 0.15, 0.20)
MARGIN_SWEEP_AUTO_LINK = 0.70


@dataclass(frozen=True)
class Place:
    name_en: str
    name_uk: str
    latitude: float
    longitude: float
    region: str
    raion: str


@dataclass(frozen=True)
class Event:
    key: str
    sighting: Sighting
    place: Place


def region_id(pcode: str) -> int:
    return int(pcode[2:])


def rows(name: str, *, skip: int = 1) -> Iterator[dict[str, str]]:
    with (SHARED_DATA / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for _ in range(skip - 1):
            next(reader)  # the HXL hashtag row
        for row in reader:
            yield dict(zip(header, row, strict=False))


class Gazetteer:
    """The nearest settlement to a point, on a grid of 0.1 degree cells."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Place]] = defaultdict(list)
        for row in rows(SETTLEMENTS):
            place = Place(
                row["Settlement EN"],
                row["Settlement UKR"],
                float(row["LAT"]),
                float(row["LON"]),
                row["Admin1 Pcode"],
                row["Admin2 Pcode"],
            )
            self.cells[self.cell(place.latitude, place.longitude)].append(place)
        self.raions = {
            row["P-Code"]: (float(row["lat"]), float(row["lon"])) for row in rows(RAIONS)
        }
        self.oblasts = {row["name_en_geoboundaries"]: row["adm1_pcode"] for row in rows(OBLASTS)}
        self.oblasts |= {"Odesa Oblast": "UA51", "Republic of Crimea": "UA01"}

    @staticmethod
    def cell(latitude: float, longitude: float) -> tuple[int, int]:
        return math.floor(latitude * 10), math.floor(longitude * 10)

    def nearest(self, latitude: float, longitude: float, region: str | None) -> Place:
        """The nearest settlement of the region, if one is within about 50 km; else the
        nearest of all (a few rows name the oblast a victim came from, not the place)."""
        row, column = self.cell(latitude, longitude)
        for reach in range(1, 6 if region else 30):
            found = [
                place
                for x in range(row - reach, row + reach + 1)
                for y in range(column - reach, column + reach + 1)
                for place in self.cells.get((x, y), ())
                if region is None or place.region == region
            ]
            if found:
                scale = math.cos(math.radians(latitude))
                return min(
                    found,
                    key=lambda place: (
                        (place.latitude - latitude) ** 2
                        + ((place.longitude - longitude) * scale) ** 2
                    ),
                )
        if region:
            return self.nearest(latitude, longitude, None)
        raise LookupError((latitude, longitude))


def load_events(gazetteer: Gazetteer) -> list[Event]:
    """The file's events with an oblast and a place finer than the country."""
    events = []
    for row in rows(HEALTH_CARE, skip=2):
        precision = PRECISIONS.get(row["Geo Precision"].strip()[:3])
        if precision is None or row["Admin 1"] == "No Information":
            continue
        latitude, longitude = float(row["Latitude"]), float(row["Longitude"])
        # Kyiv's city districts and the like are not oblasts: the point's settlement says.
        pcode = gazetteer.oblasts.get(row["Admin 1"])
        place = gazetteer.nearest(latitude, longitude, pcode)
        key = row["SiND Event ID"]
        sighting = Sighting(
            occurred_on=dt.date.fromisoformat(row["Date"]),
            region_id=region_id(place.region),
            settlement=place.name_en,
            latitude=latitude,
            longitude=longitude,
            location_precision=precision,
            incident_type=WEAPON_TYPES.get(row["Weapon Carried/Used"], "other"),
            external_keys=frozenset({(SOURCE, key)}),
            killed=int(row["Health Workers Killed"] or 0),
            injured=int(row["Health Workers Injured"] or 0),
        )
        events.append(Event(key, sighting, place))
    return events


def second_report(event: Event, gazetteer: Gazetteer) -> Sighting:
    """The same attack as another source would report it."""
    pick = random.Random(f"{SEED}-{event.key}")
    first, place = event.sighting, event.place
    days = pick.choices((0, 1, -1), weights=(65, 30, 5))[0]
    where = pick.choices(
        ("centre", "site", "copy", "raion", "oblast"), weights=(30, 25, 20, 15, 10)
    )[0]
    latitude, longitude = first.latitude, first.longitude
    precision = first.location_precision
    if where == "centre":
        latitude, longitude, precision = place.latitude, place.longitude, "settlement"
    elif where == "site":
        distance, bearing = pick.uniform(0.3, 8.0), pick.uniform(0, 2 * math.pi)
        latitude = place.latitude + distance * math.cos(bearing) / 111.2
        longitude = place.longitude + distance * math.sin(bearing) / (
            111.2 * math.cos(math.radians(place.latitude))
        )
        precision = "exact"
    elif where == "raion":
        latitude, longitude = gazetteer.raions.get(place.raion, (None, None))
        precision = "district"
    elif where == "oblast":
        latitude, longitude, precision = None, None, "region"
    name = pick.choices(
        (place.name_en, place.name_uk, place.name_en.replace("'", "’"), f"м. {place.name_uk}", ""),
        weights=(30, 30, 10, 10, 20),
    )[0]
    incident_type = pick.choices(
        (first.incident_type, "other", pick.choice(NEIGHBOUR_TYPES[first.incident_type])),
        weights=(60, 20, 20),
    )[0]
    shared_record = pick.random() < 0.1  # the same record, come again through another door
    return replace(
        first,
        occurred_on=first.occurred_on + dt.timedelta(days=days),
        region_id=first.region_id if pick.random() < 0.92 else None,
        settlement="" if where == "oblast" else name,
        latitude=latitude,
        longitude=longitude,
        location_precision=precision,
        incident_type=incident_type,
        external_keys=first.external_keys if shared_record else frozenset({("other", event.key)}),
        killed=first.killed + pick.choice((0, 0, 1, 2)),
        injured=first.injured + pick.choice((0, 0, 1, 3)),
    )


@dataclass(frozen=True)
class Query:
    truth: int | None  # index of the report's event among the candidates; None: a new event
    likenesses: tuple[Likeness | None, ...]


def queries(events: list[Event], gazetteer: Gazetteer) -> Iterator[Query]:
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for index, event in enumerate(events):
        by_day[event.sighting.occurred_on].append(index)
    for index, event in enumerate(events):
        report = second_report(event, gazetteer)
        first, last = matching.candidate_days(report)
        found = [
            other
            for offset in range((last - first).days + 1)
            for other in by_day.get(first + dt.timedelta(days=offset), ())
        ]
        scored = tuple(matching.likeness(report, events[other].sighting) for other in found)
        yield Query(found.index(index) if index in found else -1, scored)
        without = tuple(score for other, score in zip(found, scored, strict=True) if other != index)
        yield Query(None, without)


def tally(
    all_queries: Iterable[Query], *, auto_link: float, queue: float, margin: float
) -> dict[str, Any]:
    counts = dict.fromkeys(
        ("true_pairs", "linked", "linked_wrong", "queued", "queued_wrong", "queued_wrong_listed",
         "missed",
         "new_reports", "new_linked", "new_queued", "certain_links"), 0,
    )  # fmt: skip
    for query in all_queries:
        decision, index = matching.verdict(
            query.likenesses, auto_link=auto_link, queue=queue, margin=margin
        )
        if query.truth is None:
            counts["new_reports"] += 1
            counts["new_linked"] += decision == Verdict.LINK
            counts["new_queued"] += decision == Verdict.QUEUE
            continue
        counts["true_pairs"] += 1
        right = index == query.truth
        if decision == Verdict.LINK:
            counts["linked" if right else "linked_wrong"] += 1
            found = query.likenesses[index] if index is not None else None
            counts["certain_links"] += bool(right and found and found.certain)
        elif decision == Verdict.QUEUE:
            counts["queued" if right else "queued_wrong"] += 1
            # Shown beside the best one, if the queue lists every candidate worth a look.
            truth = query.likenesses[query.truth] if query.truth >= 0 else None
            counts["queued_wrong_listed"] += bool(not right and truth and truth.score >= queue)
        else:
            counts["missed"] += 1
    links = counts["linked"] + counts["linked_wrong"] + counts["new_linked"]
    return {
        **counts,
        "false_auto_links": counts["linked_wrong"] + counts["new_linked"],
        "precision": counts["linked"] / links if links else 1.0,
        "recall": counts["linked"] / counts["true_pairs"],
        "linked_or_queued": (counts["linked"] + counts["queued"]) / counts["true_pairs"],
        "new_queued_share": counts["new_queued"] / counts["new_reports"],
        "thresholds": {"auto_link": auto_link, "queue": queue, "margin": margin},
    }


def evaluate() -> dict[str, Any]:
    """Counts, precision and recall of automatic links, the share of true pairs linked or
    queued, false automatic links, at the chosen thresholds; and the sweeps behind them."""
    from django.conf import settings

    if not settings.configured:  # run as a script: reasons in English, no project settings
        settings.configure(USE_I18N=False)
    gazetteer = Gazetteer()
    events = load_events(gazetteer)
    all_queries = list(queries(events, gazetteer))
    chosen = {"auto_link": matching.AUTO_LINK, "queue": matching.QUEUE, "margin": matching.MARGIN}
    result = tally(all_queries, **chosen)
    result["events"] = len(events)
    result["auto_link_sweep"] = [
        tally(all_queries, auto_link=value, queue=matching.QUEUE, margin=matching.MARGIN)
        for value in AUTO_LINK_SWEEP
    ]
    result["queue_sweep"] = [
        tally(all_queries, auto_link=matching.AUTO_LINK, queue=value, margin=matching.MARGIN)
        for value in QUEUE_SWEEP
    ]
    result["margin_sweep"] = [
        tally(all_queries, auto_link=MARGIN_SWEEP_AUTO_LINK, queue=matching.QUEUE, margin=value)
        for value in MARGIN_SWEEP
    ]
    return result


def report_lines(result: dict[str, Any]) -> list[str]:
    thresholds = result["thresholds"]
    lines = [
        "## Linking reports to events (real attacks on health care, second reports as another "
        "source writes them)",
        "",
        f"{result['events']:,} real events; {result['true_pairs']:,} second reports matched with "
        f"their event among the candidates, {result['new_reports']:,} with it left out. "
        f"AUTO_LINK={thresholds['auto_link']}, QUEUE={thresholds['queue']}, "
        f"margin {thresholds['margin']}.",
        "",
        "| AUTO_LINK | QUEUE | links right | false links | precision | recall | "
        "linked or queued | new events queued |",
        "|---|---|---|---|---|---|---|---|",
    ]
    seen = set()
    for row in [result, *result["auto_link_sweep"], *result["queue_sweep"]]:
        key = (row["thresholds"]["auto_link"], row["thresholds"]["queue"])
        if key in seen:
            continue
        seen.add(key)
        lines.append(
            f"| {key[0]:.2f} | {key[1]:.2f} | {row['linked']} ({row['certain_links']} by key) "
            f"| {row['false_auto_links']} | {row['precision']:.3f} | {row['recall']:.3f} "
            f"| {row['linked_or_queued']:.3f} | {row['new_queued_share']:.3f} |"
        )
    margins = ", ".join(
        f"{row['thresholds']['margin']:.2f}: {row['false_auto_links']} false of "
        f"{row['linked'] + row['false_auto_links']}"
        for row in result["margin_sweep"]
    )
    lines += [
        "",
        f"At the chosen thresholds: {result['missed']} true pairs missed; "
        f"{result['queued_wrong']} queued on another event (its own listed too, at or above "
        f"QUEUE: {result['queued_wrong_listed']}).",
        f"Margin at AUTO_LINK={MARGIN_SWEEP_AUTO_LINK}, false links of all links: {margins}.",
        "",
    ]
    return lines


def report_section() -> list[str]:
    """The section of `make bench`'s report, or why there is none."""
    if not (SHARED_DATA / HEALTH_CARE).exists():
        return [
            "## Linking reports to events",
            "",
            f"Skipped: {SHARED_DATA / HEALTH_CARE} is not there (the shared reference data).",
            "",
        ]
    return report_lines(evaluate())


def main() -> None:
    print("\n".join(report_section()))


if __name__ == "__main__":
    main()
