"""Rules across the fields of one incident, checked in the parser so a bad row is reported
with its row number instead of failing later in the database (the same rules are
constraints on the Incident model)."""

from __future__ import annotations

from incidents.ingestion.parsers.values import KYIV
from incidents.ingestion.records import IncidentRecord


def check_incident(record: IncidentRecord) -> None:
    """Raise ValueError naming the first field that breaks a rule."""
    _check_not_more("children_killed", record.children_killed, "killed", record.killed)
    _check_not_more("children_injured", record.children_injured, "injured", record.injured)
    if record.weapons_launched is not None and record.weapons_intercepted is not None:
        _check_not_more(
            "weapons_intercepted",
            record.weapons_intercepted,
            "weapons_launched",
            record.weapons_launched,
        )
    if record.latitude is not None and record.longitude is None:
        raise ValueError("longitude: empty although latitude is given")
    if record.longitude is not None and record.latitude is None:
        raise ValueError("latitude: empty although longitude is given")
    if record.occurred_at is not None:
        _check_time(record)


def _check_not_more(field: str, value: int, limit_field: str, limit: int) -> None:
    if value > limit:
        raise ValueError(f"{field}: {value} is more than {limit_field} ({limit})")


def _check_time(record: IncidentRecord) -> None:
    assert record.occurred_at is not None
    if record.date_precision != "day":
        raise ValueError(
            f"occurred_at: a time needs date_precision 'day', not '{record.date_precision}'"
        )
    # occurred_on is the Kyiv calendar date; a UTC time late in the evening is already the
    # next day in Kyiv.
    local_date = record.occurred_at.astimezone(KYIV).date()
    if local_date != record.occurred_on:
        raise ValueError(
            f"occurred_at: {record.occurred_at.isoformat()} falls on {local_date.isoformat()} "
            f"in Kyiv, not on occurred_on {record.occurred_on.isoformat()}"
        )
