"""What the dashboards show, computed in the database from verified records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import F, Sum
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
    """People without each service at the end of each day of the period.

    One query over the daily outage figures (people cut off and restored per day), then
    a running total over days: the work grows with the number of days, not of outages.
    """
    figures = OutageDayFigures.objects.filter(status__in=period.statuses)
    if period.region_id is not None:
        figures = figures.filter(region_id=period.region_id)
    changes: dict[str, dict[dt.date, int]] = {}
    for row in (
        figures.values("service", "day")
        .annotate(cut=Sum("started_people"), back=Sum("restored_people"))
        .order_by()
    ):
        changes.setdefault(row["service"], {})[row["day"]] = row["cut"] - row["back"]
    if not changes:
        return {}
    first = min(day for days in changes.values() for day in days)
    last = max(day for days in changes.values() for day in days)
    start = max(period.date_from or first, first)
    still_out = any(sum(days.values()) > 0 for days in changes.values())
    # Up to today while something is still out; otherwise a month past the last change.
    today = today or timezone.localdate()
    end = period.date_to or (today if still_out else min(today, last + dt.timedelta(days=30)))
    series: dict[str, list[tuple[dt.date, int]]] = {}
    for service, day_changes in changes.items():
        level = sum(people for day, people in day_changes.items() if day < start)
        points = []
        day = start
        while day <= end:
            level += day_changes.get(day, 0)
            points.append((day, level))
            day += dt.timedelta(days=1)
        series[service] = points
    return series
