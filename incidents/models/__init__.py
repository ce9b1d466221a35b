"""The humanitarian-impact domain model.

Region 1-* Incident *-1 AttackWave; Incident 1-* DamagedAsset, ServiceDisruption, Source;
Event 1-* Incident (the reports of one attack); ServiceDisruption *-1 Region;
Port *-1 Region; GrainDisruption *-1 Port, *-1 Incident; GrainShipment *-1 Port;
NeedsBaseline *-1 Region.
"""

from incidents.models.attacks import (
    AttackWave,
    AttackWaveWeapon,
    DamagedAsset,
    Incident,
    WeaponType,
)
from incidents.models.base import AcceptedDateValidator, LocationPrecision, VerificationStatus
from incidents.models.baselines import NeedsBaseline
from incidents.models.disruptions import GrainDisruption, GrainShipment, ServiceDisruption
from incidents.models.events import (
    DistinctReports,
    Event,
    MatchCandidate,
    SourceReliability,
)
from incidents.models.figures import (
    AssetDayFigures,
    AssetMonthFigures,
    IncidentDayFigures,
    IncidentMonthFigures,
    IncidentWeekFigures,
    OutageDayFigures,
)
from incidents.models.ingestion import Feed, IngestionIssue, IngestionRun
from incidents.models.places import Port, Region, RegionBoundary
from incidents.models.reviews import RunVerification
from incidents.models.sources import Source
from incidents.models.tombstones import Tombstone

__all__ = [
    "AcceptedDateValidator",
    "AssetDayFigures",
    "AssetMonthFigures",
    "IncidentDayFigures",
    "IncidentMonthFigures",
    "IncidentWeekFigures",
    "OutageDayFigures",
    "AttackWave",
    "AttackWaveWeapon",
    "DamagedAsset",
    "DistinctReports",
    "Event",
    "Feed",
    "GrainDisruption",
    "GrainShipment",
    "Incident",
    "IngestionIssue",
    "IngestionRun",
    "LocationPrecision",
    "MatchCandidate",
    "NeedsBaseline",
    "Port",
    "Region",
    "RegionBoundary",
    "RunVerification",
    "ServiceDisruption",
    "Source",
    "SourceReliability",
    "Tombstone",
    "VerificationStatus",
    "WeaponType",
]
