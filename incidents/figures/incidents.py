"""Adding incidents to the figures, and moving changed ones, by the difference,
from the values ingestion already holds in memory.

Ingestion knows every new incident's region, day, type, status, casualties and assets when
it writes them, and a changed incident's before and after. Summing them here and sending
each table one statement of the sums (a few thousand rows for a batch of 5,000 incidents)
reads no incident back: reading the batch back, joining its assets and grouping it once
per table cost more than writing the incidents themselves, and the planner, on a table it
had not analysed yet, read the whole table for each.

A review of a set of incidents moves them from one status's figures to another's the same
way, by the difference (``move_incidents``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction

from incidents.figures.events import refresh_events
from incidents.figures.rewrites import refresh_day_figures
from incidents.figures.sums import (
    COUNTED_STATUSES,
    DAILY,
    DAY_FIGURES_LOCK,
    ROLLUPS,
    SUMMED_FIELDS,
    FigureTable,
    add_to_existing_sql,
    unit_start,
)
from incidents.models import DamagedAsset, Incident
from incidents.sql import chunks, column_among, lock_regions

SQLITE_ROWS_PER_STATEMENT = 500  # well under SQLite's limit of bound parameters
READ_BACK = 1000  # incidents read back per query by ``add_day_figures``
MOVED_PER_QUERY = 10_000  # by ``move_incidents``: well under SQLite's bound parameters
KEY_COLUMNS = ("region_id", "occurred_on", "incident_type", "status")
NO_COUNTS = (0,) * len(SUMMED_FIELDS)
DEFAULT_COUNTS = {
    field.name: field.get_default()
    for field in Incident._meta.concrete_fields
    if field.name in SUMMED_FIELDS
}


class NewIncident(NamedTuple):
    """What one new incident adds to the figures (a tuple: ingestion makes one for each
    new incident)."""

    region_id: int | None
    occurred_on: dt.date
    incident_type: str
    status: str
    counts: tuple[int, ...] = NO_COUNTS  # the incident's ``SUMMED_FIELDS``, in their order
    assets: tuple[tuple[str, int], ...] = ()  # (asset type, count) of each damaged asset

    @classmethod
    def of(cls, values: Mapping[str, Any], assets: Iterable[tuple[str, int]] = ()) -> NewIncident:
        """From an incident's values by field name (``COLUMNS``). A count they lack is
        the field's default, as stored for a new incident: ingestion does not carry
        every count."""
        counts = tuple(values.get(name, DEFAULT_COUNTS[name]) for name in SUMMED_FIELDS)
        return cls._make((*(values[name] for name in KEY_COLUMNS), counts, tuple(assets)))


# The incident's columns NewIncident holds.
COLUMNS = (*KEY_COLUMNS, *SUMMED_FIELDS)


Sums = dict[tuple[Any, ...], Sequence[int]]  # key -> sums, in the table's column order


def add_new_incidents(incidents: Iterable[NewIncident]) -> None:
    """Add these just-created incidents to the daily figures and every rollup.

    Only for incidents that were not counted before; changed ones go through
    ``change_incidents``.
    """
    sums = _summed([item for item in incidents if item.status in COUNTED_STATUSES])
    if not any(sums.values()):
        return
    regions = {key[0] for rows in sums.values() for key in rows}
    with transaction.atomic(), connection.cursor() as cursor:
        # The same locks as a rewrite of these regions' days, which would otherwise
        # collide with rows added here between its delete and its insert.
        lock_regions(DAY_FIGURES_LOCK, regions)
        for table, rows in sums.items():
            if rows:
                _upsert(cursor, table, rows)


def change_incidents(changes: Iterable[tuple[NewIncident, NewIncident]]) -> None:
    """Take what changed incidents counted out of the figures and add what they count now.

    Each change is (before, after). On PostgreSQL only the differences are written, one
    statement per table, and rows left with nothing in them are deleted: rewriting every
    day, month and week a change touched read all their incidents again. Changes that
    involve incidents without a region, and all changes on other databases, rewrite the
    days they touched (``refresh_day_figures``): rows without a region may repeat there.
    """
    changes = [(old, new) for old, new in changes if old != new]
    if not changes:
        return
    placed = all(old.region_id is not None and new.region_id is not None for old, new in changes)
    if connection.vendor != "postgresql" or not placed:
        _rewrite_days_of(changes)
        return
    before = _summed([old for old, _ in changes if old.status in COUNTED_STATUSES])
    after = _summed([new for _, new in changes if new.status in COUNTED_STATUSES])
    differences = {table: _difference(after[table], before[table]) for table in after}
    regions = {key[0] for rows in differences.values() for key in rows}
    if not regions:
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            lock_regions(DAY_FIGURES_LOCK, regions)
            for table, rows in differences.items():
                if rows:
                    _add_differences(cursor, table, rows)
    except IntegrityError:
        # A sum would have fallen below zero: these figures were not in step with their
        # incidents. Rewriting the days puts them right.
        _rewrite_days_of(changes)


def _rewrite_days_of(changes: list[tuple[NewIncident, NewIncident]]) -> None:
    refresh_day_figures(
        (incident.region_id, incident.occurred_on) for change in changes for incident in change
    )


def _add_differences(cursor: Any, table: FigureTable, rows: Sums) -> None:
    """Add ``rows`` (differences: negative too) to the table's rows of their keys, insert
    the keys it does not have, and delete the rows left with nothing.

    Not an INSERT ... ON CONFLICT: the table's checks (no sum below zero) hold for the
    row it would insert, so a negative difference would fail before the conflict. The
    first sum counts incidents or assets (each asset counts at least one): a row is empty
    when it is zero.
    """
    key, sums = table.key, table.sums
    matches = " AND ".join(f"t.{name} = d.{name}" for name in key)
    assignments = ", ".join(f"{name} = t.{name} + d.{name}" for name in sums)
    sql = f"""
        WITH d AS ({_json_rows_sql(table)}),
        changed AS (
            UPDATE {table.name} AS t SET {assignments}
            FROM d WHERE {matches}
            RETURNING t.id, t.{sums[0]} AS first_sum, {", ".join(f"t.{name}" for name in key)}
        ),
        added AS (
            INSERT INTO {table.name} ({", ".join([*key, *sums])})
            SELECT {", ".join(f"d.{name}" for name in [*key, *sums])} FROM d
            WHERE NOT EXISTS (SELECT 1 FROM changed AS t WHERE {matches})
        )
        SELECT id FROM changed WHERE first_sum = 0
    """
    cursor.execute(sql, [_json_rows(rows)])
    if emptied := [pk for (pk,) in cursor.fetchall()]:
        table.model._default_manager.filter(pk__in=emptied).delete()


def _difference(after: Sums, before: Sums) -> Sums:
    """``after`` minus ``before``, key by key, without the keys that did not change."""
    differences: Sums = {}
    for key in after.keys() | before.keys():
        new, old = after.get(key), before.get(key)
        if old is None:
            values = list(new or ())
        elif new is None:
            values = [-value for value in old]
        else:
            values = [a - b for a, b in zip(new, old, strict=True)]
        if any(values):
            differences[key] = values
    return differences


def add_day_figures(incident_ids: Sequence[int]) -> None:
    """Add just-created incidents, read back by id with their assets, to every figure
    table: for writers that no longer hold what they wrote (synthetic data)."""
    for ids in chunks(incident_ids, READ_BACK):
        assets: dict[int, list[tuple[str, int]]] = {}
        for incident_id, asset_type, count in DamagedAsset.objects.filter(
            incident_id__in=ids
        ).values_list("incident_id", "asset_type", "count"):
            assets.setdefault(incident_id, []).append((asset_type, count))
        add_new_incidents(
            NewIncident.of(row, assets.get(row["pk"], ()))
            for row in Incident.objects.filter(pk__in=ids).values("pk", *COLUMNS)
        )


def move_incidents(moves: Mapping[str, Sequence[int]], status: str) -> None:
    """Move incidents from the status each list of ids is keyed by to ``status``, in
    every figure table: for a review of a set of incidents, which changes their status
    and nothing else. Called once the new status is written; the incidents and their
    assets are read back by id."""
    moves = {
        old: ids
        for old, ids in moves.items()
        if ids and (old in COUNTED_STATUSES or status in COUNTED_STATUSES)
    }
    rows: dict[int, dict[str, Any]] = {}
    events: set[int] = set()
    moved = [pk for ids in moves.values() for pk in ids]
    for chunk in chunks(moved, MOVED_PER_QUERY):
        of_chunk = Incident.objects.filter(column_among(Incident, "id", chunk))
        for row in of_chunk.values("pk", "event_id", "awaiting_match_since", *COLUMNS):
            # Only a report that stands for an event on its own moves by its own counts:
            # one of an event may change what the event publishes (rewritten below), and
            # one waiting in the duplicates queue counts nowhere.
            if row["event_id"] is not None:
                events.add(row["event_id"])
            elif row["awaiting_match_since"] is None:
                rows[row["pk"]] = row
    if events:
        refresh_day_figures(refresh_events(events))
    if not rows:
        return
    # Before the assets are read: an asset saved meanwhile then either is read here or
    # rewrites its day after this transaction, from the new status.
    lock_regions(DAY_FIGURES_LOCK, (row["region_id"] for row in rows.values()))
    assets: dict[int, list[tuple[str, int]]] = {}
    for chunk in chunks(list(rows), MOVED_PER_QUERY):
        of_incidents = DamagedAsset.objects.filter(column_among(DamagedAsset, "incident", chunk))
        for incident_id, asset_type, count in of_incidents.values_list(
            "incident_id", "asset_type", "count"
        ):
            assets.setdefault(incident_id, []).append((asset_type, count))
    changes = []
    for old, ids in moves.items():
        for pk in ids:
            if pk not in rows:  # of an event, or waiting in the queue: not by its own counts
                continue
            after = NewIncident.of(rows[pk], assets.get(pk, ()))
            changes.append((after._replace(status=old), after))
    # Differences are added only where every change has a region: the others' days are
    # rewritten, apart, so that they do not take the rest with them.
    change_incidents([change for change in changes if change[1].region_id is not None])
    change_incidents([change for change in changes if change[1].region_id is None])


def _summed(incidents: Sequence[NewIncident]) -> dict[FigureTable, Sums]:
    sums: dict[FigureTable, Sums] = {table: {} for table in (*DAILY, *ROLLUPS)}
    of_incidents = [(table.unit, sums[table]) for table in sums if not table.of_assets]
    of_assets = [(table.unit, sums[table]) for table in sums if table.of_assets]
    start_of = functools.cache(unit_start)  # a few hundred days per batch, each seen often
    for incident in incidents:
        region, day, kind, status = incident[:4]
        counts = (1, *incident.counts)
        for unit, rows in of_incidents:
            key = (region, start_of(unit, day), kind, status)
            totals = rows.get(key)
            rows[key] = counts if totals is None else list(map(operator.add, totals, counts))
        for asset_type, count in incident.assets:
            for unit, rows in of_assets:
                asset_key = (region, start_of(unit, day), kind, status, asset_type)
                rows[asset_key] = (rows.get(asset_key, (0,))[0] + count,)
    return sums


def _upsert(cursor: Any, table: FigureTable, rows: Sums) -> None:
    if connection.vendor == "postgresql":
        # The rows as one JSON text: psycopg turned a few thousand Python values a batch
        # into array parameters more slowly than PostgreSQL wrote the rows.
        rows_sql = _json_rows_sql(table)
        cursor.execute(add_to_existing_sql(table, rows_sql), [_json_rows(rows)])
        return
    records = [(*key, *values) for key, values in rows.items()]
    width = len(records[0])
    for start in range(0, len(records), SQLITE_ROWS_PER_STATEMENT):
        chunk = records[start : start + SQLITE_ROWS_PER_STATEMENT]
        placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
        params = [value for record in chunk for value in record]
        cursor.execute(add_to_existing_sql(table, f"VALUES {placeholders}"), params)


def _json_rows(rows: Sums) -> str:
    """Keys and sums as one JSON array of arrays (dates as ISO text)."""
    return json.dumps(
        [
            (region, start.isoformat(), *rest, *values)
            for (region, start, *rest), values in rows.items()
        ]
    )


def _json_rows_sql(table: FigureTable) -> str:
    """SELECT of the JSON rows of ``_json_rows`` as the table's key and sums columns."""
    types = ["bigint", "date", "text", "text", *(["text"] if table.of_assets else [])]
    types += ["bigint"] * len(table.sums)
    columns = [*table.key, *table.sums]
    selected = ", ".join(
        f"(row->>{n})::{kind} AS {name}"
        for n, (kind, name) in enumerate(zip(types, columns, strict=True))
    )
    return f"SELECT {selected} FROM jsonb_array_elements(%s::jsonb) AS row"
