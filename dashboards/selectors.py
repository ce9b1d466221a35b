"""What the dashboards show, computed in the database from verified records."""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.severity import SECTORS, per_100k, severity
from incidents.selectors import Period, RegionNeeds, region_needs, weekly_incidents

__all__ = ["Period", "RegionSeverity", "needs_with_severity", "weekly_incidents"]


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
