"""Typed records that parsers produce and the ingestion service writes.

Parsers turn raw bytes into these, with no ORM and no network. Values are already
coerced to Python types; references to regions and ports stay as the text the source
used (a P-code, an ISO code or a name), which the service resolves through the gazetteer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class FormatError(Exception):
    """The payload as a whole is not in the declared format (no row can be read)."""


@dataclass(frozen=True)
class SourceRecord:
    name: str
    kind: str = "other"  # one of incidents.models.Source.Kind values
    title: str = ""
    url: str = ""
    published_on: dt.date | None = None


@dataclass(frozen=True)
class AssetRecord:
    asset_type: str  # one of DamagedAsset.AssetType values
    name: str = ""
    count: int = 1
    damage_level: str = "damaged"
    notes: str = ""


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as a source describes it. ``external_id`` is the source's stable id."""

    external_id: str
    occurred_on: dt.date
    incident_type: str  # one of Incident.IncidentType values
    region_ref: str = ""  # P-code, ISO code or name as given; "" when none was given
    occurred_at: dt.datetime | None = None  # timezone-aware
    date_precision: str = "day"
    settlement: str = ""
    latitude: Decimal | None = None  # 6 decimal places
    longitude: Decimal | None = None
    location_precision: str = "settlement"
    weapons_launched: int | None = None
    weapons_intercepted: int | None = None
    killed: int = 0
    injured: int = 0
    children_killed: int = 0
    children_injured: int = 0
    description: str = ""
    sources: tuple[SourceRecord, ...] = ()
    assets: tuple[AssetRecord, ...] = ()
    # Fields the payload does not carry (no such column or key): a new record takes the
    # defaults above, a stored one keeps what it has. A source never erases what it lacks.
    absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ShipmentRecord:
    """One outbound voyage's cargo line as the JCC published it."""

    voyage_number: int
    vessel_name: str
    departure_port_ref: str
    departed_on: dt.date
    commodity: str
    tonnes: int  # whole tonnes, as the JCC's totals count them
    destination_country: str
    is_additional_cargo: bool = False
    imo: str = ""
    income_group: str = ""  # "", "high", "upper_middle", "lower_middle", "low"
    is_wfp: bool = False
    absent: frozenset[str] = frozenset()  # as for IncidentRecord


@dataclass(frozen=True)
class BaselineRecord:
    """People affected and in need in one region, as a needs assessment counted them."""

    region_ref: str
    population: int | None = None
    people_affected: int | None = None
    people_in_need: int | None = None
    absent: frozenset[str] = frozenset()  # as for IncidentRecord


Record = IncidentRecord | ShipmentRecord | BaselineRecord


@dataclass(frozen=True)
class ParsedRow:
    """What a parser yields for each data row.

    ``row_number`` is where a person finds the row: the line number in a CSV file (the
    header is line 1, so in an HXL file the first data row is line 3), or the 1-based
    position in a JSON array. ``raw`` holds the row's values as read. Exactly one of
    ``record``, ``error`` or ``skip_reason`` is set; ``warnings`` may accompany a record.
    """

    row_number: int
    raw: dict[str, Any]
    record: Record | None = None
    error: str = ""
    skip_reason: str = ""
    warnings: tuple[str, ...] = field(default=())
