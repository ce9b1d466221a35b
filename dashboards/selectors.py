"""What the dashboards show, computed in the database from verified records."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace

from django.db.models import F, Max, Min, Q, Sum, Value
from django.utils import timezone

from dashboards.severity import SECTORS, per_100k, severity
from incidents.models import Incident, OutageDayFigures, ServiceDisruption
from incidents.selectors import (
    Period,
    RegionNeeds,
    counted_incidents,
    counted_outages,
    region_needs,
    weekly_incidents,
)

__all__ = [
    "Period",
    "RegionSeverity",
    "daily_levels",
    "needs_with_severity",
    "people_without_over_time",
    "region_incidents",
    "region_outages",
    "weekly_incidents",
]


@dataclass(frozen=True)
class RegionSeverity:
    needs: RegionNeeds
    values: dict[str, int]  # sector key -> the count its thresholds apply to
    levels: dict[str, int | None]  # sector key -> severity 1-5 (None: population unknown)

    @property
    def cells(self) -> list[tuple[int, int | None]]:
        """(value, level) per sector, in the order of SECTORS."""
        return [(self.values[sector.key], self.levels[sector.key]) for sector in SECTORS]

    @property
    def highest(self) -> int | None:
        known = [level for level in self.levels.values() if level is not None]
        return max(known) if known else None


def sector_values(needs: RegionNeeds) -> dict[str, int]:
    return {
        "protection": needs.killed + needs.injured,
        "shelter": needs.damaged.get("residential", 0),
        "energy": needs.people_without.get("electricity", 0),
        "wash": needs.people_without.get("water", 0),
        "heating": needs.people_without.get("heating", 0),
        "telecom": needs.people_without.get("telecom", 0),
        "health": needs.damaged.get("health", 0),
    }


def with_severity(rows: list[RegionNeeds]) -> list[RegionSeverity]:
    """Pure: grade each region's sectors by the documented thresholds."""
    graded = []
    for needs in rows:
        values = sector_values(needs)
        levels = {
            sector.key: severity(per_100k(values[sector.key], needs.population), sector.thresholds)
            for sector in SECTORS
        }
        graded.append(RegionSeverity(needs=needs, values=values, levels=levels))
    return graded


def needs_with_severity(*, period: Period) -> list[RegionSeverity]:
    return with_severity(region_needs(period=period))


def region_incidents(*, region_id: int, period: Period, limit: int = 100) -> list[Incident]:
    """The region's latest verified incidents in the period, for the page's table."""
    incidents = counted_incidents(replace(period, region_id=region_id))
    return list(incidents.order_by("-occurred_on", "-id")[:limit])


def region_outages(*, region_id: int, period: Period, limit: int = 100) -> list[ServiceDisruption]:
    """The region's counted outages, ongoing ones first, then the most recent."""
    outages = counted_outages(replace(period, region_id=region_id))
    return list(outages.order_by(F("restored_at").desc(nulls_first=True), "-started_at")[:limit])


def people_without_over_time(
    *, period: Period, today: dt.date | None = None
) -> dict[str, list[tuple[dt.date, int]]]:
    """People without each service at the end of the period's first and last days, and of
    every day between on which the number changed: the corners of a step line
    (``daily_levels`` gives every day).

    Two grouped queries over the daily outage figures (people cut off and restored per
    day): the work grows with the days that have figures, never with the period's length.
    """
    figures = OutageDayFigures.objects.filter(status__in=period.statuses)
    if period.region_id is not None:
        figures = figures.filter(region_id=period.region_id)
    change = F("started_people") - F("restored_people")
    before: Sum | Value = Value(0)
    if period.date_from is not None:
        before = Sum(change, filter=Q(day__lt=period.date_from), default=0)
    services = {
        row["service"]: row
        for row in figures.values("service")
        .annotate(first=Min("day"), last=Max("day"), net=Sum(change), before=before)
        .order_by()
    }
    if not services:
        return {}
    first = min(row["first"] for row in services.values())
    last = max(row["last"] for row in services.values())
    start = max(period.date_from or first, first)
    still_out = any(row["net"] > 0 for row in services.values())
    # Up to today while something is still out; otherwise a month past the last change.
    today = today or timezone.localdate()
    end = period.date_to or (today if still_out else min(today, last + dt.timedelta(days=30)))
    if start > end:
        return {service: [] for service in services}
    levels = {service: row["before"] for service, row in services.items()}
    series: dict[str, list[tuple[dt.date, int]]] = {service: [] for service in services}
    for row in (
        figures.filter(day__gte=start, day__lte=end)
        .values("service", "day")
        .annotate(change=Sum(change))
        .exclude(change=0)  # a day of person-days only
        .order_by("service", "day")
    ):
        service = row["service"]
        if row["day"] > start and not series[service]:
            series[service].append((start, levels[service]))
        levels[service] += row["change"]
        series[service].append((row["day"], levels[service]))
    for service, points in series.items():
        if not points:
            points.append((start, levels[service]))
        if points[-1][0] != end:
            points.append((end, levels[service]))
    return series


def daily_levels(points: list[tuple[dt.date, int]]) -> Iterator[tuple[dt.date, int]]:
    """Pure: every day from the first point to the last, each at the level of the latest
    point on or before it (the points of ``people_without_over_time``)."""
    for (day, level), (following, _) in itertools.pairwise(points):
        while day < following:
            yield day, level
            day += dt.timedelta(days=1)
    if points:
        yield points[-1]
