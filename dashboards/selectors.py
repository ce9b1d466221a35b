"""What the dashboards show, computed in the database from verified records: needs and
severity by region, outages over time, region geometry, and the grain corridor."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, F, Max, Min, Q, Sum, Value
from django.utils import timezone

from dashboards.severity import SECTORS, per_100k, severity
from incidents.boundaries import GEOBOUNDARIES_ATTRIBUTION
from incidents.models import (
    GrainDisruption,
    GrainShipment,
    Incident,
    OutageDayFigures,
    Region,
    ServiceDisruption,
)
from incidents.selectors import (
    GrainMonth,
    Period,
    RegionNeeds,
    counted_incidents,
    counted_outages,
    grain_exports_by_port_and_month,
    region_needs,
    weekly_incidents,
)

__all__ = [
    "DisruptionEffect",
    "GrainOverview",
    "Period",
    "RegionOutline",
    "RegionSeverity",
    "daily_levels",
    "disruption_effects",
    "grain_overview",
    "needs_with_severity",
    "people_without_over_time",
    "region_incidents",
    "region_outages",
    "region_outlines",
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
    incidents = counted_incidents(replace(period, region_id=region_id)).select_related("event")
    return list(incidents.order_by("-occurred_on", "-id")[:limit])


def region_outages(*, region_id: int, period: Period, limit: int = 100) -> list[ServiceDisruption]:
    """The region's counted outages, ongoing ones first, then the most recent."""
    outages = counted_outages(replace(period, region_id=region_id)).select_related("region")
    return list(outages.order_by(F("restored_at").desc(nulls_first=True), "-started_at")[:limit])


@dataclass(frozen=True)
class RegionOutline:
    pcode: str
    latitude: float
    longitude: float
    geometry: dict[str, Any] | None  # GeoJSON; None until the region's boundary is loaded
    source: str  # whom the boundary comes from ("" without one)


def region_outlines() -> list[RegionOutline]:
    """First-level regions with their boundary, for the map, in one query."""
    regions = Region.objects.first_level().select_related("boundary")
    outlines = []
    for region in regions.only("pcode", "latitude", "longitude", "boundary"):
        boundary = getattr(region, "boundary", None)
        geometry, source = None, ""
        if boundary is not None:
            geometry, source = boundary.geometry, boundary.source or GEOBOUNDARIES_ATTRIBUTION
        latitude, longitude = float(region.latitude or 0), float(region.longitude or 0)
        outlines.append(RegionOutline(region.pcode, latitude, longitude, geometry, source))
    return outlines


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


# -- the grain corridor: what left which port when, and what disruptions did to it --------

WINDOWS = (30, 90)


@dataclass(frozen=True)
class DisruptionEffect:
    disruption: GrainDisruption
    # Tonnes shipped in the N days before and from the disruption's start, per window.
    before: dict[int, int]
    after: dict[int, int]


@dataclass(frozen=True)
class GrainOverview:
    tonnes: int
    voyages: int
    by_month: tuple[GrainMonth, ...]
    by_commodity: list[dict[str, Any]]
    by_income_group: list[dict[str, Any]]
    effects: list[DisruptionEffect]


def _shipments(period: Period) -> Any:
    shipments = GrainShipment.objects.all()
    if period.date_from:
        shipments = shipments.filter(departed_on__gte=period.date_from)
    if period.date_to:
        shipments = shipments.filter(departed_on__lte=period.date_to)
    return shipments


def disruption_effects(disruptions: list[GrainDisruption]) -> list[DisruptionEffect]:
    """Tonnes before and after each disruption, in one query for all of them."""
    sums: dict[str, Any] = {}
    for index, disruption in enumerate(disruptions):
        start = disruption.started_on
        for days in WINDOWS:
            window = dt.timedelta(days=days)
            before = Q(departed_on__gte=start - window, departed_on__lt=start)
            after = Q(departed_on__gte=start, departed_on__lt=start + window)
            sums[f"b{index}_{days}"] = Sum("tonnes", filter=before, default=0)
            sums[f"a{index}_{days}"] = Sum("tonnes", filter=after, default=0)
    totals = GrainShipment.objects.aggregate(**sums) if sums else {}
    return [
        DisruptionEffect(
            disruption=disruption,
            before={days: totals[f"b{index}_{days}"] for days in WINDOWS},
            after={days: totals[f"a{index}_{days}"] for days in WINDOWS},
        )
        for index, disruption in enumerate(disruptions)
    ]


def grain_overview(*, period: Period) -> GrainOverview:
    shipments = _shipments(period)
    totals = shipments.aggregate(
        tonnes=Sum("tonnes", default=0), voyages=Count("voyage_number", distinct=True)
    )
    disruptions = list(
        GrainDisruption.objects.filter(status__in=period.statuses)
        .select_related("port")
        .order_by("started_on")
    )
    return GrainOverview(
        tonnes=totals["tonnes"],
        voyages=totals["voyages"],
        by_month=grain_exports_by_port_and_month(period=period),
        by_commodity=list(
            shipments.values("commodity").annotate(tonnes=Sum("tonnes")).order_by("-tonnes")
        ),
        by_income_group=list(
            shipments.values("income_group").annotate(tonnes=Sum("tonnes")).order_by("-tonnes")
        ),
        effects=disruption_effects(disruptions),
    )
