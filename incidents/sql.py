"""SQL helpers for statements over many ids, alike on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL


def chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ids_condition(column: str, ids: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` is one of ``ids``: one array parameter on PostgreSQL, which plans much
    faster than a thousand placeholders; a placeholder list elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def column_among(model: type[models.Model], name: str, ids: Sequence[Any]) -> models.Q:
    """The ORM condition that field ``name`` of ``model`` is one of ``ids``, as
    ``ids_condition`` writes it."""
    if connection.vendor != "postgresql":
        return models.Q(**{f"{name}__in": ids})
    quote = connection.ops.quote_name
    field: Any = model._meta.get_field(name)
    sql, params = ids_condition(f"{quote(model._meta.db_table)}.{quote(field.column)}", ids)
    return models.Q(RawSQL(sql, params, output_field=models.BooleanField()))


def lock_regions(kind: int, region_ids: Iterable[int | None]) -> None:
    """Serialise rewrites of one kind of figures per region until the transaction ends.

    A rewrite reads the raw rows, deletes the figures and inserts new ones; two at once
    for the same region (two verifiers at the same moment) would each miss the other's
    change or collide on the unique key. PostgreSQL takes an advisory lock per region
    (in order, so two rewrites never wait on each other crosswise); SQLite already lets
    one writer at a time. The kinds in use are declared in ``incidents.figures.sums``.
    """
    if connection.vendor != "postgresql":
        return
    regions = sorted({region_id or 0 for region_id in region_ids})
    with connection.cursor() as cursor:
        # One statement; the locks are taken in the order of the rows.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, region) FROM unnest(%s::int[]) AS region "
            "ORDER BY region",
            [kind, regions],
        )
