"""Keeping the daily figures (IncidentDayFigures, AssetDayFigures) equal to the incidents.

Whatever changes incidents or their damaged assets names the (region, day) pairs it
touched, old and new; ``refresh_day_figures`` then rewrites exactly those pairs from the raw
rows, in the caller's transaction. Bulk writers (ingestion, synthetic data) call it per
batch; edits through the ORM reach it through signals. ``rebuild_day_figures`` recomputes
everything, for a migration or a repair (``manage.py rebuild_figures``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_save

from incidents.models import (
    AssetDayFigures,
    DamagedAsset,
    Incident,
    IncidentDayFigures,
    VerificationStatus,
)

DayKey = tuple[int | None, dt.date]
COUNTED_STATUSES = (VerificationStatus.VERIFIED.value, VerificationStatus.SUBMITTED.value)
CHUNK = 400


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ids_condition(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """``column`` is one of ``ids``: one array parameter on PostgreSQL, which plans much
    faster than a thousand placeholders; a placeholder list elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "incident": quote(Incident._meta.db_table),
        "asset": quote(DamagedAsset._meta.db_table),
        "days": quote(IncidentDayFigures._meta.db_table),
        "asset_days": quote(AssetDayFigures._meta.db_table),
    }


def _insert_sql(source: str) -> tuple[str, str]:
    """INSERT ... SELECT for both tables; ``source`` is what to read incidents ``i`` from."""
    t = _tables()
    statuses = ", ".join(f"'{status}'" for status in COUNTED_STATUSES)
    incidents = (
        f"INSERT INTO {t['days']} (region_id, day, incident_type, status, incidents, killed, "
        "injured, children_killed, children_injured) "
        "SELECT i.region_id, i.occurred_on, i.incident_type, i.status, COUNT(*), "
        "SUM(i.killed), SUM(i.injured), SUM(i.children_killed), SUM(i.children_injured) "
        f"FROM {source} WHERE i.status IN ({statuses}) "
        "GROUP BY i.region_id, i.occurred_on, i.incident_type, i.status"
    )
    assets = (
        f"INSERT INTO {t['asset_days']} (region_id, day, incident_type, status, asset_type, "
        "total) "
        "SELECT i.region_id, i.occurred_on, i.incident_type, i.status, a.asset_type, "
        f"SUM(a.count) FROM {source} JOIN {t['asset']} a ON a.incident_id = i.id "
        f"WHERE i.status IN ({statuses}) "
        "GROUP BY i.region_id, i.occurred_on, i.incident_type, i.status, a.asset_type"
    )
    return incidents, assets


def lock_regions(kind: int, region_ids: Iterable[int | None]) -> None:
    """Serialise rewrites of one kind of figures per region until the transaction ends.

    A rewrite reads the raw rows, deletes the figures and inserts new ones; two at once
    for the same region (two verifiers at the same moment) would each miss the other's
    change or collide on the unique key. PostgreSQL takes an advisory lock per region
    (in order, so two rewrites never wait on each other crosswise); SQLite already lets
    one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for region_id in sorted({region_id or 0 for region_id in region_ids}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [kind, region_id])


DAY_FIGURES_LOCK = 1  # lock_regions' kinds
OUTAGE_FIGURES_LOCK = 2


def refresh_day_figures(keys: Iterable[DayKey]) -> None:
    """Recompute the daily figures of these (region id or None, day) pairs."""
    unique = {_normalised(key) for key in keys}
    if not unique:
        return
    t = _tables()
    placed = sorted((key for key in unique if key[0] is not None), key=repr)
    unplaced = sorted({day for region, day in unique if region is None})
    with transaction.atomic(), connection.cursor() as cursor:
        lock_regions(DAY_FIGURES_LOCK, (region for region, _ in unique))
        for chunk in _chunks(placed, CHUNK):
            rows = ", ".join(["(%s, %s)"] * len(chunk))
            params = [value for key in chunk for value in key]
            for table in (t["days"], t["asset_days"]):
                cursor.execute(
                    f"DELETE FROM {table} WHERE (region_id, day) IN (VALUES {rows})", params
                )
            # VALUES as a joined table: the (region, occurred_on) index finds each pair.
            source = (
                f"(VALUES {rows}) k JOIN {t['incident']} i "
                "ON i.region_id = k.column1 AND i.occurred_on = k.column2"
            )
            for statement in _insert_sql(source):
                cursor.execute(statement, params)
        for chunk in _chunks(unplaced, CHUNK):
            days = ", ".join(["%s"] * len(chunk))
            for table in (t["days"], t["asset_days"]):
                cursor.execute(
                    f"DELETE FROM {table} WHERE region_id IS NULL AND day IN ({days})", chunk
                )
            source = f"{t['incident']} i"
            for statement in _insert_sql(source):
                where = f"WHERE i.region_id IS NULL AND i.occurred_on IN ({days}) AND "
                cursor.execute(statement.replace("WHERE ", where, 1), chunk)


def _normalised(key: tuple[Any, Any]) -> DayKey:
    """A key with a date (a model field may still hold the text it was assigned)."""
    region_id, day = key
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    elif isinstance(day, dt.datetime):
        day = day.date()
    return (int(region_id) if region_id is not None else None, day)


def add_day_figures(incident_ids: Sequence[int]) -> None:
    """Add just-created incidents (with their assets) to the daily figures.

    Additive, so its cost follows the batch, not the number of incidents already on those
    days: ingesting into a large table stays as fast as into an empty one. Only for new
    incidents; changed ones go through ``refresh_day_figures``.
    """
    t = _tables()
    statuses = ", ".join(f"'{status}'" for status in COUNTED_STATUSES)
    key = "region_id, day, incident_type, status"
    with transaction.atomic(), connection.cursor() as cursor:
        for chunk in _chunks(list(incident_ids), 1000):
            incidents, ids, params = _new_incidents(t["incident"], chunk)
            cursor.execute(
                f"INSERT INTO {t['days']} ({key}, incidents, killed, injured, children_killed, "
                "children_injured) "
                "SELECT i.region_id, i.occurred_on, i.incident_type, i.status, COUNT(*), "
                "SUM(i.killed), SUM(i.injured), SUM(i.children_killed), "
                f"SUM(i.children_injured) FROM {incidents} "
                f"WHERE {ids} AND i.status IN ({statuses}) "
                "GROUP BY i.region_id, i.occurred_on, i.incident_type, i.status "
                f"ON CONFLICT ({key}) DO UPDATE SET "
                + ", ".join(
                    f"{name} = {t['days']}.{name} + EXCLUDED.{name}"
                    for name in (
                        "incidents",
                        "killed",
                        "injured",
                        "children_killed",
                        "children_injured",
                    )
                ),
                params,
            )
            cursor.execute(
                f"INSERT INTO {t['asset_days']} ({key}, asset_type, total) "
                "SELECT i.region_id, i.occurred_on, i.incident_type, i.status, a.asset_type, "
                f"SUM(a.count) FROM {incidents} JOIN {t['asset']} a "
                f"ON a.incident_id = i.id WHERE {ids} AND i.status IN ({statuses}) "
                "GROUP BY i.region_id, i.occurred_on, i.incident_type, i.status, a.asset_type "
                f"ON CONFLICT ({key}, asset_type) DO UPDATE SET "
                f"total = {t['asset_days']}.total + EXCLUDED.total",
                params,
            )


def _new_incidents(table: str, ids: list[int]) -> tuple[str, str, list[Any]]:
    """FROM and WHERE for the incidents ``ids`` (alias ``i``).

    On PostgreSQL the ids drive the query (a join from the array to the primary key):
    with ``i.id = ANY(...)`` the planner, before the table's first ANALYZE, combined the
    key with the status index and read the whole of it for every batch.
    """
    if connection.vendor == "postgresql":
        return f"unnest(%s::bigint[]) AS new(id) JOIN {table} i ON i.id = new.id", "TRUE", [ids]
    condition, params = ids_condition("i.id", ids)
    return f"{table} i", condition, params


def rebuild_day_figures() -> None:
    """Recompute every daily figure from the raw rows."""
    t = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t['days']}")
        cursor.execute(f"DELETE FROM {t['asset_days']}")
        for statement in _insert_sql(f"{t['incident']} i"):
            cursor.execute(statement)


# -- edits through the ORM ------------------------------------------------------------------


def _key(incident: Incident) -> DayKey:
    return (incident.region_id, incident.occurred_on)


def _remember_old_key(sender: Any, instance: Incident, **kwargs: Any) -> None:
    """Before an incident is saved, note where it was counted until now."""
    if instance.pk is None or kwargs.get("raw"):
        return
    old = Incident.objects.filter(pk=instance.pk).values_list("region_id", "occurred_on").first()
    instance._figures_old_key = old  # type: ignore[attr-defined]


def _incident_saved(sender: Any, instance: Incident, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    keys = {_key(instance)}
    old = getattr(instance, "_figures_old_key", None)
    if old is not None:
        keys.add(old)
    refresh_day_figures(keys)


def _incident_deleted(sender: Any, instance: Incident, **kwargs: Any) -> None:
    refresh_day_figures({_key(instance)})


def _asset_changed(sender: Any, instance: DamagedAsset, **kwargs: Any) -> None:
    # Assets deleted along with their incident: the incident's own deletion refreshes its
    # day once, instead of once per asset.
    if kwargs.get("raw") or isinstance(kwargs.get("origin"), Incident):
        return
    incident = (
        Incident.objects.filter(pk=instance.incident_id)
        .values_list("region_id", "occurred_on")
        .first()
    )
    if incident is not None:
        refresh_day_figures({incident})


def connect_signals() -> None:
    pre_save.connect(_remember_old_key, sender=Incident, dispatch_uid="day-figures-pre")
    post_save.connect(_incident_saved, sender=Incident, dispatch_uid="day-figures-save")
    post_delete.connect(_incident_deleted, sender=Incident, dispatch_uid="day-figures-delete")
    post_save.connect(_asset_changed, sender=DamagedAsset, dispatch_uid="day-figures-asset")
    post_delete.connect(_asset_changed, sender=DamagedAsset, dispatch_uid="day-figures-asset-d")
