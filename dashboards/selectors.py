"""What the dashboards show, computed in the database from verified records."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from dashboards.severity import SECTORS, per_100k, severity
from incidents.models import Incident, ServiceDisruption
from incidents.selectors import Period, RegionNeeds, region_needs, weekly_incidents

__all__ = [
    "Period",
    "RegionSeverity",
    "needs_with_severity",
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
    incidents = Incident.objects.published().filter(region_id=region_id)
    if period.date_from:
        incidents = incidents.filter(occurred_on__gte=period.date_from)
    if period.date_to:
        incidents = incidents.filter(occurred_on__lte=period.date_to)
    if period.incident_types:
        incidents = incidents.filter(incident_type__in=period.incident_types)
    return list(incidents.order_by("-occurred_on", "-id")[:limit])


def region_outages(*, region_id: int, limit: int = 100) -> list[ServiceDisruption]:
    """The region's verified outages, ongoing ones first, then the most recent."""
    outages = ServiceDisruption.objects.published().filter(region_id=region_id)
    return list(outages.order_by(F("restored_at").desc(nulls_first=True), "-started_at")[:limit])
