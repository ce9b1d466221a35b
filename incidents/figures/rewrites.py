"""Rewriting the incident figures of touched days from the raw rows.

Whatever changes incidents or their damaged assets names the (region, day) pairs it
touched, old and new; ``refresh_day_figures`` then rewrites exactly those pairs from the raw
rows, then the (region, month) and (region, week) rows they fall in from the daily rows, in
the caller's transaction. Edits through the ORM reach it through the receivers in
``incidents.figures.hooks``. Ingestion adds new incidents to every table in place, and
moves changed ones by the difference, through ``incidents.figures.incidents`` (which falls
back on it where a difference cannot be added). ``rebuild_day_figures`` recomputes
everything, for a migration or a repair (``manage.py rebuild_figures``). The tables and
their SQL are in ``incidents.figures.sums``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from incidents.figures.sums import (
    DAILY,
    DAY_FIGURES_LOCK,
    ROLLUPS,
    FigureTable,
    from_daily_sql,
    from_incidents_sql,
    incident_table,
    last_unit_day,
    unit_start,
    unit_start_sql,
)
from incidents.sql import chunks, lock_regions

DayKey = tuple[int | None, dt.date]
CHUNK = 400


def refresh_day_figures(keys: Iterable[DayKey]) -> None:
    """Recompute the figures of these (region id or None, day) pairs, and the rollups'
    rows of the months and weeks they fall in."""
    unique = {_normalised(key) for key in keys}
    if not unique:
        return
    placed = sorted((key for key in unique if key[0] is not None), key=repr)
    unplaced = sorted({day for region, day in unique if region is None})
    with transaction.atomic(), connection.cursor() as cursor:
        lock_regions(DAY_FIGURES_LOCK, (region for region, _ in unique))
        for chunk in chunks(placed, CHUNK):
            _rewrite_placed_days(cursor, chunk)
        for chunk in chunks(unplaced, CHUNK):
            _rewrite_unplaced_days(cursor, chunk)
        # After the days: a rollup row is summed from the daily rows just written.
        for rollup in ROLLUPS:
            spans = {(region, unit_start(rollup.unit, day)) for region, day in unique}
            for chunk in chunks(sorted(span for span in spans if span[0] is not None), CHUNK):
                _rewrite_placed_spans(cursor, rollup, chunk)
            starts = sorted({start for region, start in spans if region is None})
            for chunk in chunks(starts, CHUNK):
                _rewrite_unplaced_spans(cursor, rollup, chunk)


def _rewrite_placed_days(cursor: CursorWrapper, keys: list[DayKey]) -> None:
    rows = ", ".join(["(%s, %s)"] * len(keys))
    params = [value for key in keys for value in key]
    for table in DAILY:
        cursor.execute(
            f"DELETE FROM {table.name} WHERE (region_id, day) IN (VALUES {rows})", params
        )
    # VALUES as a joined table: the (region, occurred_on) index finds each pair.
    source = (
        f"(VALUES {rows}) k JOIN {incident_table()} i "
        "ON i.region_id = k.column1 AND i.occurred_on = k.column2"
    )
    for table in DAILY:
        cursor.execute(from_incidents_sql(table, source), params)


def _rewrite_unplaced_days(cursor: CursorWrapper, days: list[dt.date]) -> None:
    placeholders = ", ".join(["%s"] * len(days))
    for table in DAILY:
        cursor.execute(
            f"DELETE FROM {table.name} WHERE region_id IS NULL AND day IN ({placeholders})",
            days,
        )
        where = f"i.region_id IS NULL AND i.occurred_on IN ({placeholders})"
        cursor.execute(from_incidents_sql(table, f"{incident_table()} i", where), days)


def _rewrite_placed_spans(
    cursor: CursorWrapper, rollup: FigureTable, spans: list[tuple[int, dt.date]]
) -> None:
    """Rewrite a rollup's (region, month or week) rows from the daily rows."""
    pairs = ", ".join(["(%s, %s)"] * len(spans))
    cursor.execute(
        f"DELETE FROM {rollup.name} WHERE (region_id, {rollup.unit}) IN (VALUES {pairs})",
        [value for span in spans for value in span],
    )
    triples = ", ".join(["(%s, %s, %s)"] * len(spans))
    source = _daily_rows_of_spans(
        rollup, f"(VALUES {triples}) k", "d.region_id = k.column1", "k.column2", "k.column3"
    )
    params = [
        value
        for region, start in spans
        for value in (region, start, last_unit_day(rollup.unit, start))
    ]
    cursor.execute(from_daily_sql(rollup, source, "k.column1", "k.column2"), params)


def _rewrite_unplaced_spans(
    cursor: CursorWrapper, rollup: FigureTable, starts: list[dt.date]
) -> None:
    placeholders = ", ".join(["%s"] * len(starts))
    cursor.execute(
        f"DELETE FROM {rollup.name} WHERE region_id IS NULL AND {rollup.unit} IN ({placeholders})",
        starts,
    )
    pairs = ", ".join(["(%s, %s)"] * len(starts))
    source = _daily_rows_of_spans(
        rollup, f"(VALUES {pairs}) k", "d.region_id IS NULL", "k.column1", "k.column2"
    )
    params = [value for start in starts for value in (start, last_unit_day(rollup.unit, start))]
    cursor.execute(from_daily_sql(rollup, source, "d.region_id", "k.column1"), params)


def _daily_rows_of_spans(
    rollup: FigureTable, spans: str, region: str, start: str, last: str
) -> str:
    """FROM the daily rows (alias ``d``) of each span (alias ``k``) of ``spans``: those of
    ``region`` from ``start`` through ``last``."""
    condition = f"{region} AND d.day >= {start} AND d.day <= {last}"
    if connection.vendor == "postgresql":
        # LATERAL: one range scan of the (region, day) index per span. Joined plainly,
        # the spans were hashed by region and the whole daily table read past them;
        # OFFSET 0 keeps the planner from flattening the subquery back into that join.
        inner = f"SELECT * FROM {rollup.daily.name} d WHERE {condition} OFFSET 0"
        return f"{spans} CROSS JOIN LATERAL ({inner}) d"
    return f"{spans} JOIN {rollup.daily.name} d ON {condition}"


def _normalised(key: tuple[Any, Any]) -> DayKey:
    """A key with a date (a model field may still hold the text it was assigned)."""
    region_id, day = key
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    elif isinstance(day, dt.datetime):
        day = day.date()
    return (int(region_id) if region_id is not None else None, day)


def rebuild_day_figures() -> None:
    """Recompute every daily figure from the raw rows, then every rollup from those."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (*DAILY, *ROLLUPS):
            cursor.execute(f"DELETE FROM {table.name}")
        for table in DAILY:
            cursor.execute(from_incidents_sql(table, f"{incident_table()} i"))
        for rollup in ROLLUPS:
            start = unit_start_sql(rollup.unit, "d.day")
            source = f"{rollup.daily.name} d"
            cursor.execute(from_daily_sql(rollup, source, "d.region_id", start))
