"""Needs by region and national totals, aggregated in the database from verified records.

Only verified records count, for every reader: an aggregate is a publication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone

from incidents.models import (
    DamagedAsset,
    GrainShipment,
    Incident,
    Region,
    ServiceDisruption,
    VerificationStatus,
)

SERVICES = [choice.value for choice in ServiceDisruption.Service]
ASSET_TYPES = [choice.value for choice in DamagedAsset.AssetType]


@dataclass(frozen=True)
class Period:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    as_of: dt.datetime | None = None
    incident_types: tuple[str, ...] = ()
    region_id: int | None = None

    @property
    def moment(self) -> dt.datetime:
        return self.as_of or timezone.now()


@dataclass(frozen=True)
class Figures:
    incidents: int = 0
    killed: int = 0
    injured: int = 0
    children_killed: int = 0
    children_injured: int = 0
    # People without each service at the moment of ``as_of``, by service.
    people_without: dict[str, int] = field(default_factory=dict)
    # Damaged or destroyed assets by type (counts of buildings, facilities ...).
    damaged: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionNeeds(Figures):
    pcode: str = ""
    iso_code: str = ""
    name: str = ""
    population: int | None = None


@dataclass(frozen=True)
class GrainMonth:
    port: str
    month: dt.date
    tonnes: int
    voyages: int


@dataclass(frozen=True)
class NationalSummary(Figures):
    grain_exports: tuple[GrainMonth, ...] = ()


def verified_incidents(period: Period) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(status=VerificationStatus.VERIFIED)
    if period.date_from:
        incidents = incidents.filter(occurred_on__gte=period.date_from)
    if period.date_to:
        incidents = incidents.filter(occurred_on__lte=period.date_to)
    if period.incident_types:
        incidents = incidents.filter(incident_type__in=period.incident_types)
    if period.region_id is not None:
        incidents = incidents.filter(region_id=period.region_id)
    return incidents


def weekly_incidents(*, period: Period) -> list[dict[str, Any]]:
    """Incidents and casualties per week and incident type, oldest first."""
    return [
        dict(row)
        for row in verified_incidents(period)
        .annotate(week=TruncWeek("occurred_on"))
        .values("week", "incident_type")
        .annotate(**_casualty_sums())
        .order_by("week", "incident_type")
    ]


def _casualty_sums() -> dict[str, Any]:
    return {
        "incidents": Count("id"),
        **{
            name: Coalesce(Sum(name), 0)
            for name in ("killed", "injured", "children_killed", "children_injured")
        },
    }


def _casualties(period: Period, by: list[str]) -> list[dict]:
    return list(verified_incidents(period).values(*by).annotate(**_casualty_sums()).order_by())


def _people_without(period: Period, by: list[str]) -> list[dict]:
    outages = ServiceDisruption.objects.filter(status=VerificationStatus.VERIFIED).ongoing_at(
        period.moment
    )
    if period.region_id is not None:
        outages = outages.filter(region_id=period.region_id)
    return list(
        outages.values(*by, "service")
        .annotate(people=Coalesce(Sum("people_affected"), 0))
        .order_by()
    )


def _damaged(period: Period, by: list[str]) -> list[dict]:
    assets = DamagedAsset.objects.filter(incident__in=verified_incidents(period))
    return list(
        assets.values(*[f"incident__{name}" for name in by], "asset_type")
        .annotate(total=Coalesce(Sum("count"), 0))
        .order_by()
    )


def region_needs(*, period: Period) -> list[RegionNeeds]:
    """One row per first-level region, in P-code order: four queries in all."""
    casualties = {row.pop("region_id"): row for row in _casualties(period, ["region_id"])}
    without: dict[int, dict[str, int]] = {}
    for row in _people_without(period, ["region_id"]):
        without.setdefault(row["region_id"], {})[row["service"]] = row["people"]
    damaged: dict[int, dict[str, int]] = {}
    for row in _damaged(period, ["region_id"]):
        damaged.setdefault(row["incident__region_id"], {})[row["asset_type"]] = row["total"]
    return [
        RegionNeeds(
            pcode=region.pcode,
            iso_code=region.iso_code,
            name=region.name_en,
            population=region.population,
            **casualties.get(region.pk, {}),
            people_without={s: without.get(region.pk, {}).get(s, 0) for s in SERVICES},
            damaged={a: damaged.get(region.pk, {}).get(a, 0) for a in ASSET_TYPES},
        )
        for region in Region.objects.first_level().order_by("pcode")
    ]


def grain_exports_by_port_and_month(*, period: Period) -> tuple[GrainMonth, ...]:
    shipments = GrainShipment.objects.all()
    if period.date_from:
        shipments = shipments.filter(departed_on__gte=period.date_from)
    if period.date_to:
        shipments = shipments.filter(departed_on__lte=period.date_to)
    rows = (
        shipments.annotate(month=TruncMonth("departed_on"))
        .values("departure_port__name", "month")
        .annotate(tonnes=Sum("tonnes"), voyages=Count("voyage_number", distinct=True))
        .order_by("month", "departure_port__name")
    )
    return tuple(
        GrainMonth(
            port=row["departure_port__name"],
            month=row["month"],
            tonnes=row["tonnes"],
            voyages=row["voyages"],
        )
        for row in rows
    )


def national_summary(*, period: Period) -> NationalSummary:
    casualties = verified_incidents(period).aggregate(**_casualty_sums())
    without = dict.fromkeys(SERVICES, 0)
    for row in _people_without(period, []):
        without[row["service"]] = row["people"]
    damaged = dict.fromkeys(ASSET_TYPES, 0)
    for row in _damaged(period, []):
        damaged[row["asset_type"]] = row["total"]
    return NationalSummary(
        **casualties,
        people_without=without,
        damaged=damaged,
        grain_exports=grain_exports_by_port_and_month(period=period),
    )
