"""The summed figures as stored, and the same summed in Python from the raw incidents.

Every table is compared: daily, monthly and weekly. The recomputation works out months and
weeks on its own, so that it does not share a mistake with the code it checks.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from incidents.figures.sums import SUMMED_COUNTS
from incidents.models import (
    AssetDayFigures,
    AssetMonthFigures,
    DamagedAsset,
    Incident,
    IncidentDayFigures,
    IncidentMonthFigures,
    IncidentWeekFigures,
)

COUNTED = ("verified", "submitted")
# unit -> (its date field, incident figures, damage figures or None)
TABLES: dict[str, tuple[str, Any, Any]] = {
    "day": ("day", IncidentDayFigures, AssetDayFigures),
    "month": ("month", IncidentMonthFigures, AssetMonthFigures),
    "week": ("week", IncidentWeekFigures, None),
}


def start_of(unit: str, day: dt.date) -> dt.date:
    if unit == "month":
        return dt.date(day.year, day.month, 1)
    if unit == "week":
        year, week, _ = day.isocalendar()
        return dt.date.fromisocalendar(year, week, 1)
    return day


def stored(unit: str = "day") -> tuple[dict, dict]:
    """The figures of one table as stored, without empty rows. Rows of one key are added
    up: without a region they may repeat on SQLite, which readers sum the same."""
    field, incident_model, asset_model = TABLES[unit]
    days: dict = {}
    for row in incident_model.objects.all():
        key = (row.region_id, getattr(row, field), row.incident_type, row.status)
        counts = (row.incidents, *(getattr(row, count.column) for count in SUMMED_COUNTS))
        days[key] = _added(days.get(key), counts)
    assets: Counter = Counter()
    for row in asset_model.objects.all() if asset_model else []:
        key = (row.region_id, getattr(row, field), row.incident_type, row.status, row.asset_type)
        assets[key] += row.total
    return days, {key: total for key, total in assets.items() if total}


def counts_as_event(incident: Incident) -> bool:
    """A report counts for an event when it stands alone (and does not wait in the
    duplicates queue) or leads its event."""
    if incident.event_id is None:
        return incident.awaiting_match_since is None
    return incident.event.lead_id == incident.pk


def published_count(incident: Incident, field: str) -> int:
    """A count as the report's event publishes it."""
    return getattr(incident.event if incident.event_id else incident, field)


def recomputed(unit: str = "day") -> tuple[dict, dict]:
    """The same figures, summed in Python from every incident and asset: each event once."""
    days: dict = {}
    counted = [
        incident
        for incident in Incident.objects.select_related("event").filter(status__in=COUNTED)
        if counts_as_event(incident)
    ]
    for incident in counted:
        key = (
            incident.region_id,
            start_of(unit, incident.occurred_on),
            incident.incident_type,
            incident.status,
        )
        counts = (1, *(published_count(incident, count.field) for count in SUMMED_COUNTS))
        days[key] = _added(days.get(key), counts)
    assets: Counter = Counter()
    if TABLES[unit][2] is not None:
        leads = {incident.pk for incident in counted}
        for asset in DamagedAsset.objects.select_related("incident").filter(incident__in=leads):
            incident = asset.incident
            key = (
                incident.region_id,
                start_of(unit, incident.occurred_on),
                incident.incident_type,
                incident.status,
                asset.asset_type,
            )
            assets[key] += asset.count
    return days, {key: total for key, total in assets.items() if total}


def _added(counts: tuple[int, ...] | None, more: tuple[int, ...]) -> tuple[int, ...]:
    if counts is None:
        return more
    return tuple(total + value for total, value in zip(counts, more, strict=True))


def assert_in_step() -> None:
    """Every table of figures equals its recomputation from the raw rows."""
    for unit in TABLES:
        assert stored(unit) == recomputed(unit), unit
