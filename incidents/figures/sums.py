"""What is summed: the tables of summed figures, and the SQL that fills each of them.

``SUMMED_COUNTS`` is the one declaration of the incident counts that are summed: each
incident field and the column of the incident figure tables that holds its sum. The rest
is derived from it: ``INCIDENT_SUMS`` (the tables' sums), ``NewIncident``'s counts and
``COLUMNS`` (``incidents.figures.incidents``), the SQL here, the needs figures
(``Figures.sums`` in ``incidents.selectors.needs``, also read by name), and the tests'
recomputations. Adding a summed count touches, tried with a dummy:

- the source field on ``Incident`` (``incidents/models/attacks.py``), the field an
  event publishes it in on ``Event`` (``incidents/models/events.py``), and its sum
  column on ``IncidentSums`` (``incidents/models/figures.py``);
- their migration: ``makemigrations``, then ``RunPython(restore_keys, restore_keys)``
  with the ``restore_keys`` of migration 0023, since SQLite rebuilds the figure tables to
  add the column and drops the unique keys their upserts need;
- one line of ``SUMMED_COUNTS``.

Showing the new sum in the API (``FiguresSerializer``) or on a page is a choice of its
own. Two tests pin whole rows and so name every sum they expect: the mid-January period
of ``tests/incidents/test_period_sums.py`` and the stored incident of
``tests/incidents/ingestion/test_bulk_writes.py``.

What is counted is events, not reports: each report linked to no event (and not waiting
in the duplicates queue) counts on its own, and each event once, through its lead report,
with the figures the event publishes (``COUNTED_AS_EVENT_SQL``); an event's damaged assets
are its lead report's.

Daily tables sum the incidents (and their damaged assets) per region and day; rollups sum
the daily rows per region and calendar month or ISO week. Every table is filled the same
two ways: from raw incidents (``from_incidents_sql``) and, for a rollup, from its daily
table (``from_daily_sql``); new incidents are added to rows already there
(``add_to_existing_sql``). ``incidents.figures.rewrites`` and
``incidents.figures.incidents`` decide which rows to rewrite or add to when.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, models

from incidents.models import (
    AssetDayFigures,
    AssetMonthFigures,
    DamagedAsset,
    Event,
    Incident,
    IncidentDayFigures,
    IncidentMonthFigures,
    IncidentWeekFigures,
    VerificationStatus,
)

COUNTED_STATUSES = (VerificationStatus.VERIFIED.value, VerificationStatus.SUBMITTED.value)


class SummedCount(NamedTuple):
    field: str  # of Incident
    column: str  # of the incident figure tables (IncidentSums)
    event_field: str  # of Event: the count as published for the event


SUMMED_COUNTS = (
    SummedCount("killed", "killed", "killed"),
    SummedCount("injured", "injured", "injured"),
    SummedCount("children_killed", "children_killed", "children_killed"),
    SummedCount("children_injured", "children_injured", "children_injured"),
)
SUMMED_FIELDS = tuple(count.field for count in SUMMED_COUNTS)
# The incident figure tables' sums: the number of incidents, then each summed count.
INCIDENT_SUMS = ("incidents", *(count.column for count in SUMMED_COUNTS))

# The kinds of ``incidents.sql.lock_regions``: each kind of figures is rewritten under
# its own lock per region. Declared together so that no two share a number.
DAY_FIGURES_LOCK = 1
OUTAGE_FIGURES_LOCK = 2


@dataclass(frozen=True)
class FigureTable:
    model: type[models.Model]
    unit: str  # "day", "month" or "week": the key's date column, and what it spans
    of_assets: bool = False  # keyed by asset type too, summing the assets' counts

    @property
    def name(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    @property
    def key(self) -> list[str]:
        key = ["region_id", self.unit, "incident_type", "status"]
        return [*key, "asset_type"] if self.of_assets else key

    @property
    def sums(self) -> tuple[str, ...]:
        return ("total",) if self.of_assets else INCIDENT_SUMS

    @property
    def daily(self) -> FigureTable:
        """The daily table this one sums (itself for a daily table)."""
        return DAILY_ASSETS if self.of_assets else DAILY_INCIDENTS


DAILY_INCIDENTS = FigureTable(IncidentDayFigures, "day")
DAILY_ASSETS = FigureTable(AssetDayFigures, "day", of_assets=True)
DAILY = (DAILY_INCIDENTS, DAILY_ASSETS)
ROLLUPS = (
    FigureTable(IncidentMonthFigures, "month"),
    FigureTable(AssetMonthFigures, "month", of_assets=True),
    FigureTable(IncidentWeekFigures, "week"),
)


def unit_start(unit: str, day: dt.date) -> dt.date:
    """The first day of the month or ISO week (Monday) ``day`` falls in."""
    if unit == "month":
        return day.replace(day=1)
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    return day


def next_unit_start(unit: str, start: dt.date) -> dt.date:
    """The first day of the month or week after the one beginning on ``start``."""
    if unit == "month":
        return (start + dt.timedelta(days=31)).replace(day=1)
    if unit == "week":
        return start + dt.timedelta(days=7)
    return start + dt.timedelta(days=1)


def last_unit_day(unit: str, start: dt.date) -> dt.date:
    """The last day of the month or week beginning on ``start``. Not the next start less
    a day: that start may lie past the calendar's end (December 9999) while the last day
    never does, so even a record dated there can be summed and removed."""
    if unit == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if unit == "week":
        return dt.date.fromordinal(min(start.toordinal() + 6, dt.date.max.toordinal()))
    return start


def unit_start_sql(unit: str, column: str) -> str:
    """SQL for ``unit_start`` of a date column."""
    if unit == "day":
        return column
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('{unit}', {column}) AS date)"
    if unit == "month":
        return f"date({column}, 'start of month')"
    # The Monday on or before: back six days, then on to the next Monday (or stay on it).
    return f"date({column}, '-6 days', 'weekday 1')"


def _upsert(table: FigureTable) -> str:
    """ON CONFLICT clause adding the inserted sums to the row already there."""
    added = ", ".join(f"{name} = {table.name}.{name} + EXCLUDED.{name}" for name in table.sums)
    return f" ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {added}"


def add_to_existing_sql(table: FigureTable, rows: str) -> str:
    """INSERT of ``rows`` (a VALUES list or a SELECT of the table's key and sums, in that
    order) that adds them to the rows already there."""
    columns = ", ".join([*table.key, *table.sums])
    return f"INSERT INTO {table.name} ({columns}) {rows}" + _upsert(table)


def from_incidents_sql(table: FigureTable, source: str, where: str = "") -> str:
    """INSERT ... SELECT of the counted incidents read from ``source`` (alias ``i``);
    ``where`` narrows them further."""
    start = unit_start_sql(table.unit, "i.occurred_on")
    statuses = ", ".join(f"'{status}'" for status in COUNTED_STATUSES)
    group = ["i.region_id", start, "i.incident_type", "i.status"]
    source += f" LEFT JOIN {event_table()} e ON e.id = i.event_id"
    if table.of_assets:
        group.append("a.asset_type")
        sums = "SUM(a.count)"
        source += f" JOIN {connection.ops.quote_name(DamagedAsset._meta.db_table)} a "
        source += "ON a.incident_id = i.id"
    else:
        sums = ", ".join(["COUNT(*)", *(f"SUM({_event_count(count)})" for count in SUMMED_COUNTS)])
    conditions = " AND ".join(
        filter(None, [where, f"i.status IN ({statuses})", COUNTED_AS_EVENT_SQL])
    )
    return (
        f"INSERT INTO {table.name} ({', '.join([*table.key, *table.sums])}) "
        f"SELECT {', '.join(group)}, {sums} FROM {source} WHERE {conditions} "
        f"GROUP BY {', '.join(group)}"
    )


def from_daily_sql(rollup: FigureTable, source: str, region: str, start: str) -> str:
    """INSERT ... SELECT of a rollup's rows from its daily table, read from ``source``
    (alias ``d``); ``region`` and ``start`` are the SQL of the rows' region and month or
    week."""
    group = [region, start, "d.incident_type", "d.status"]
    if rollup.of_assets:
        group.append("d.asset_type")
    sums = ", ".join(f"SUM(d.{name})" for name in rollup.sums)
    return (
        f"INSERT INTO {rollup.name} ({', '.join([*rollup.key, *rollup.sums])}) "
        f"SELECT {', '.join(group)}, {sums} FROM {source} GROUP BY {', '.join(group)}"
    )


def incident_table() -> str:
    return connection.ops.quote_name(Incident._meta.db_table)


def event_table() -> str:
    return connection.ops.quote_name(Event._meta.db_table)


# The reports (alias ``i``, with their event joined as ``e``) that stand for an event in
# the figures: a report of no event, unless it waits in the duplicates queue, and the
# lead report of each event. The others repeat an event already counted.
COUNTED_AS_EVENT_SQL = (
    "((i.event_id IS NULL AND i.awaiting_match_since IS NULL) OR e.lead_id = i.id)"
)


def _event_count(count: SummedCount) -> str:
    """A summed count as the event publishes it (its lead report's, or a Verifier's
    choice), or the report's own where it stands alone."""
    return f"COALESCE(e.{count.event_field}, i.{count.field})"
