"""Inserting many new rows at once, the way the database loads data fastest.

On PostgreSQL the rows' ids are taken from the table's sequence in one query and the rows
go in with ``COPY``: no model instance is built and no field prepares its value one at a
time, which was most of the cost of a batch. Elsewhere (SQLite) ``bulk_create`` does it.
Either way every column gets what ``bulk_create`` would give it: the value given, else
``now`` for automatic timestamps, else the field's default.
"""

from __future__ import annotations

import functools
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import BooleanField, Field, Model, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from incidents.sql import ids_condition

# Values psycopg writes as the column expects them, without Django's preparation.
_AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "DecimalField",
        "EmailField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
        "URLField",
        "UUIDField",
    }
)


@dataclass(frozen=True)
class _Column:
    attname: str
    column: str
    default: Any  # the value of a column the row does not give (see ``call``, ``now``)
    call: bool  # the default is a callable, called for each row (uuid4)
    now: bool  # an automatic timestamp: the time of the insert
    prepare: Callable[[Any], Any] | None  # None: the value as it is


def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (field attnames to values) as new rows; return their ids in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create([model(**row) for row in rows])
        return [obj.pk for obj in created]
    table = model._meta.db_table
    key = column_name(model._meta.pk)
    columns = _columns(model)
    quote = connection.ops.quote_name
    now = timezone.now()
    with connection.cursor() as cursor:
        # The sequence is looked up once (the planner would otherwise look it up for each
        # id: most of the cost), and the ids come back as one array.
        cursor.execute(
            "WITH found AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT array_agg(nextval(found.seq)) FROM found, generate_series(1, %s)",
            [table, key, len(rows)],
        )
        ids = cursor.fetchone()[0]
        names = ", ".join(quote(name) for name in [key, *(column.column for column in columns)])
        # Django does not wrap COPY: its errors become Django's (IntegrityError,
        # DataError, OperationalError ...) here, and a broken connection is noticed.
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
        ):
            for values in _values(columns, ids, rows, now):
                copy.write_row(values)
    return ids


def _values(
    columns: list[_Column], ids: list[int], rows: Sequence[dict[str, Any]], now: Any
) -> Iterator[list[Any]]:
    """Each row's values in column order, preceded by its id."""
    names = [c.attname for c in columns]
    known = set(names)
    for keys in {frozenset(row) for row in rows}:
        if unknown := keys - known:
            raise TypeError(f"not columns of the table: {', '.join(sorted(unknown))}")
    fixed = {c.attname: now if c.now else c.default for c in columns if not c.call}
    # A value for every row, used where the row gives none.
    fresh = {c.attname: iter(_fresh_values(c.default, len(rows))) for c in columns if c.call}
    prepared = [(position, c.prepare) for position, c in enumerate(columns, 1) if c.prepare]
    for pk, row in zip(ids, rows, strict=True):
        full = {**fixed, **{name: next(made) for name, made in fresh.items()}, **row}
        values = [pk, *map(full.__getitem__, names)]
        for position, prepare in prepared:
            if values[position] is not None:
                values[position] = prepare(values[position])
        yield values


def _fresh_values(make: Callable[[], Any], count: int) -> list[Any]:
    """``count`` values of a callable default (a new public id for each row)."""
    if make is uuid.uuid4:
        return random_uuids(count)
    return [make() for _ in range(count)]


def random_uuids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as 32 hex digits, which PostgreSQL reads as
    ``uuid``; ten times faster than ``uuid.uuid4()``, whose objects psycopg then turns
    back into text for ``COPY``."""
    data = bytearray(os.urandom(16 * count))
    data[6::16] = bytes(0x40 | (byte & 0x0F) for byte in data[6::16])  # version 4
    data[8::16] = bytes(0x80 | (byte & 0x3F) for byte in data[8::16])  # RFC 4122 variant
    digits = data.hex()
    return [digits[start : start + 32] for start in range(0, 32 * count, 32)]


@functools.cache
def _columns(model: type[Model]) -> list[_Column]:
    columns = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        now = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        call = field.has_default() and callable(field.default)
        # Otherwise the default is a literal, "" or None: one value serves every row.
        default = field.default if call else None if now else field.get_default()
        prepare = None
        if field.get_internal_type() not in _AS_IS:
            prepare = functools.partial(_prepared, field)
        columns.append(_Column(field.attname, column_name(field), default, call, now, prepare))
    return columns


def _prepared(field: Field, value: Any) -> Any:
    return field.get_db_prep_save(value, connection=connection)


def update_rows(model: type[Model], instances: Sequence[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of ``instances`` (by primary key) back to their rows.

    On PostgreSQL one ``UPDATE ... FROM unnest(...)`` per call, with one array parameter
    per field; Django's ``bulk_update`` builds a ``CASE WHEN id = ...`` expression per
    field and row, whose construction cost more than the write. Elsewhere it does.
    """
    if not instances:
        return
    if connection.vendor != "postgresql":
        # Each row evaluates CASE WHEN id = ... per field: small batches keep that
        # from growing with the square of the batch.
        model._default_manager.bulk_update(instances, fields, batch_size=100)
        return
    quote = connection.ops.quote_name
    key = model._meta.pk
    targets = [cast(Field, model._meta.get_field(name)) for name in fields]
    arrays = [f"%s::{_base_type(key)}[]"]
    params: list[Any] = [[instance.pk for instance in instances]]
    for field in targets:
        arrays.append(f"%s::{_base_type(field)}[]")
        values = [getattr(instance, field.attname) for instance in instances]
        if field.get_internal_type() not in _AS_IS:
            values = [None if value is None else _prepared(field, value) for value in values]
        params.append(values)
    names = [f"v{position}" for position in range(len(targets))]
    assignments = ", ".join(
        f"{quote(column_name(field))} = changed.{name}"
        for field, name in zip(targets, names, strict=True)
    )
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
        f"FROM unnest({', '.join(arrays)}) AS changed(pk, {', '.join(names)}) "
        f"WHERE {quote(model._meta.db_table)}.{quote(column_name(key))} = changed.pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _base_type(field: Field) -> str:
    """The column's type without its length or precision: an explicit cast to
    ``varchar(200)`` would cut longer text silently, while assigning the uncut value to
    the column refuses it, as an insert does."""
    return re.sub(r"\(.*?\)", "", str(field.db_type(connection)))


def one_of(model: type[Model], name: str, values: Sequence[Any]) -> Q:
    """The condition that field ``name`` is one of ``values``: on PostgreSQL one array
    parameter (``= ANY``), which psycopg sends and the server plans far faster than the
    thousands of placeholders of ``__in``; ``__in`` elsewhere."""
    if connection.vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(column_name(model._meta.get_field(name)))}"
    sql, params = ids_condition(column, values)
    return Q(RawSQL(sql, params, output_field=BooleanField()))


def column_name(field: Any) -> str:
    """A concrete field's column (typed as optional in Django's stubs)."""
    return str(field.column)


# A run that grew a table by this share (and at least this many rows) analyses it.
ANALYSE_SHARE = 0.1
ANALYSE_MIN_ROWS = 1000


def analyse_grown(models: Sequence[type[Model]], *, added: int) -> list[str]:
    """Refresh the planner's statistics of the tables a bulk load grew by a large share;
    returns the tables analysed.

    Servers often run autovacuum behind a bulk load, or not at all: with the statistics
    of an empty table, an export after a 100,000-row load chose a nested loop and took
    over a minute instead of a second. The share is judged against the table's size as
    the statistics last saw it, which is what the planner still believes.
    """
    if added < ANALYSE_MIN_ROWS:
        return []
    quote = connection.ops.quote_name
    analysed = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            believed = _believed_rows(cursor, table)
            if believed is not None and added < ANALYSE_SHARE * believed:
                continue
            cursor.execute(f"ANALYZE {quote(table)}")
            analysed.append(table)
    return analysed


def _believed_rows(cursor: Any, table: str) -> float | None:
    """The row count the planner believes (PostgreSQL); None when it has none."""
    if connection.vendor != "postgresql":
        return None
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
    found = cursor.fetchone()
    return None if found is None or found[0] is None or found[0] < 0 else float(found[0])


def copy_to_history(
    model: type[Model],
    ids: Sequence[int],
    history_type: str,
    *,
    reason: str,
    user_id: int | None = None,
) -> None:
    """Copy the rows just written into their history table in one statement.

    simple_history records nothing for bulk writes, and its bulk helpers build every
    history row in Python, which doubled the cost of ingestion.
    """
    if not ids:
        return
    history = model.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    fields = history._meta.concrete_fields
    copied = [field.column for field in fields if not field.name.startswith("history_")]
    columns = ", ".join(quote(column) for column in copied)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    condition, params = ids_condition(quote(model._meta.pk.column or "id"), ids)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "
        f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, %s, %s "
        f"FROM {quote(model._meta.db_table)} WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, reason, history_type, user_id, *params])
