"""Pages of every list: ``limit`` with either ``offset`` or the ``cursor`` of a next link.

A page's ``next`` and ``previous`` links carry a cursor, the position of the page's last (or
first) row in the list's order: the following page is read from there through the index, so
page 10,000 costs what page 1 costs, and a record added meanwhile neither repeats nor skips
a row. ``offset`` still works for the first pages (up to ``API_MAX_OFFSET``); further in,
reading and dropping every row before the offset would grow with the table. A list in an
order that cannot locate a row (by a field that may be empty) pages by offset only, at
any depth.

Every page reports ``count``. Counting a large table on every page would cost more than the
page itself, so counts of the domain's tables are cached per query (which includes the
reader's visibility filter) and dropped as soon as any of their rows changes, like the
dashboards' figures.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from incidents.figures.cache import FIGURE_MODELS, cached_figures

INVALID_CURSOR = _("Invalid cursor: use the next or previous link of a page as it is.")
EMPTY_CURSOR = _("Empty cursor: leave cursor out for the first page.")
NOT_A_NUMBER = _("Must be a whole number of at least %(min)d, such as %(example)d.")
# The deepest offset the database is asked for, whatever the list: beyond a 64-bit integer
# the query itself fails.
MAX_SQL_OFFSET = 10**12


def whole_number(request: Request, name: str, *, minimum: int, example: int) -> int | None:
    """A query parameter as a whole number, None when absent. Anything else (``false``,
    ``null``, ``2.2e-308``, ``-1``, empty) is a 400 naming it: ignoring a malformed value
    would answer a different question than the one asked."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < minimum:
        raise ValidationError({name: [NOT_A_NUMBER % {"min": minimum, "example": example}]})
    return int(raw)


@dataclass(frozen=True)
class Keyset:
    """A list's order as model fields that are never null and end with the primary key,
    so that a row's values of them say exactly where it stands."""

    fields: tuple[Field, ...]
    descending: tuple[bool, ...]

    @classmethod
    def of(cls, queryset: QuerySet) -> Keyset | None:
        """The queryset's order, or None when it cannot locate a row (an expression, a
        related or nullable field, or no order at all)."""
        query = queryset.query
        terms = list(query.order_by or ()) or (
            list(query.get_meta().ordering or ()) if query.default_ordering else []
        )
        meta = queryset.model._meta
        fields: list[Field] = []
        descending: list[bool] = []
        for term in terms:
            if not isinstance(term, str) or term == "?":
                return None
            name = term.removeprefix("-")
            try:
                field = meta.pk if name == "pk" else meta.get_field(name)
            except FieldDoesNotExist:
                return None
            if not isinstance(field, Field) or field.is_relation or field.null:
                return None
            fields.append(field)
            descending.append(term.startswith("-"))
        if not fields:
            return None
        if meta.pk not in fields:
            fields.append(meta.pk)  # a tie-breaker that makes the order total
            descending.append(descending[-1])
        return cls(tuple(fields), tuple(descending))

    def ordered(self, queryset: QuerySet, *, reverse: bool = False) -> QuerySet:
        terms = [
            f"-{field.name}" if desc != reverse else field.name
            for field, desc in zip(self.fields, self.descending, strict=True)
        ]
        queryset = queryset.order_by(*terms)
        if queryset._fields:  # type: ignore[attr-defined]  # .values(): read the keys too
            missing = [f.name for f in self.fields if f.name not in queryset._fields]  # type: ignore[attr-defined]
            if missing:
                queryset = queryset.values(*queryset._fields, *missing)  # type: ignore[attr-defined]
        return queryset

    def beyond(self, position: list[Any], *, reverse: bool = False) -> Q:
        """Rows after ``position`` in the order (before it, with ``reverse``).

        The first field's bound is repeated on its own so that the database can start its
        index scan there instead of filtering every row up to it.
        """
        after = Q()
        for index, field in enumerate(self.fields):
            equal = {f.name: value for f, value in zip(self.fields, position[:index], strict=False)}
            lookup = "lt" if self.descending[index] != reverse else "gt"
            condition = Q(**equal, **{f"{field.name}__{lookup}": position[index]})
            after = condition if index == 0 else after | condition
        first = self.fields[0]
        bound = "lte" if self.descending[0] != reverse else "gte"
        return Q(**{f"{first.name}__{bound}": position[0]}) & after

    def position(self, row: Any) -> list[Any]:
        if isinstance(row, dict):
            return [row[field.name] for field in self.fields]
        return [getattr(row, field.attname) for field in self.fields]

    def encode(self, position: list[Any], *, reverse: bool) -> str:
        values = [
            value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
            for value in position
        ]
        text = json.dumps({"p": values, "r": reverse}, default=str, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[list[Any], bool]:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            payload = json.loads(text)
            values, reverse = payload["p"], payload["r"]
            if not isinstance(values, list) or len(values) != len(self.fields):
                raise ValueError("wrong length")
            position = [
                self._value(field, value) for field, value in zip(self.fields, values, strict=True)
            ]
        except (
            binascii.Error,
            UnicodeDecodeError,
            ValueError,
            TypeError,
            KeyError,
            OverflowError,
            DjangoValidationError,
        ) as error:
            raise ValidationError({"cursor": [INVALID_CURSOR]}) from error
        return position, bool(reverse)

    @staticmethod
    def _value(field: Field, value: Any) -> Any:
        if value is None or isinstance(value, dict | list):
            raise ValueError("not a position")
        value = field.to_python(value)
        if isinstance(value, dt.datetime) and timezone.is_naive(value):
            raise ValueError("naive datetime")
        return value


class Pagination(LimitOffsetPagination):
    """``?limit=`` (default 50, capped at 500: a huge limit is capped, not a 500) with
    ``?offset=`` or ``?cursor=``."""

    default_limit = 50
    max_limit = 500
    cursor_query_param = "cursor"
    cursor_query_description = _("Where the page starts: taken from a page's next link.")

    keyset: Keyset | None = None
    # Positions of the page's first and last rows, and whether rows lie before and after.
    first: list[Any] | None = None
    last: list[Any] | None = None
    has_before = has_after = False
    by_cursor = False

    def get_limit(self, request: Request) -> int:
        limit = whole_number(request, self.limit_query_param, minimum=1, example=self.default_limit)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        offset = whole_number(request, self.offset_query_param, minimum=0, example=100) or 0
        if offset > MAX_SQL_OFFSET:
            message = _("At most %(max)d.") % {"max": MAX_SQL_OFFSET}
            raise ValidationError({self.offset_query_param: [message]})
        return offset

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor == "":
            raise ValidationError({self.cursor_query_param: [EMPTY_CURSOR]})
        self.keyset = Keyset.of(queryset) if isinstance(queryset, QuerySet) else None
        if self.keyset is not None:
            queryset = self.keyset.ordered(queryset)
        if cursor is not None:
            if self.keyset is None:
                raise ValidationError({"cursor": [_("This list cannot be paged by cursor.")]})
            return self._cursor_page(queryset, request, cursor)
        # Deeper pages of a list that can be paged by cursor are reached that way.
        if self.keyset is not None and self.get_offset(request) > settings.API_MAX_OFFSET:
            message = _("At most %(max)d: follow the page's next link instead.")
            raise ValidationError(
                {self.offset_query_param: [message % {"max": settings.API_MAX_OFFSET}]}
            )
        rows: list[Any] | None = super().paginate_queryset(queryset, request, view)
        if self.keyset is not None and rows:
            offset, limit, count = int(self.offset or 0), int(self.limit or 0), int(self.count or 0)
            self.first, self.last = self.keyset.position(rows[0]), self.keyset.position(rows[-1])
            self.has_before = offset > 0
            self.has_after = offset + limit < count
        return rows

    def _cursor_page(self, queryset: QuerySet, request: Request, cursor: str) -> list[Any]:
        assert self.keyset is not None
        position, reverse = self.keyset.decode(cursor)
        self.request, self.by_cursor = request, True
        self.limit = limit = int(self.get_limit(request) or self.default_limit)
        self.offset = 0
        self.count = self.get_count(queryset)
        if reverse:  # read backwards from the cursor (the queryset is ordered forwards)
            queryset = self.keyset.ordered(queryset, reverse=True)
        rows: list[Any] = list(
            queryset.filter(self.keyset.beyond(position, reverse=reverse))[: limit + 1]
        )
        more = len(rows) > limit
        rows = rows[:limit]
        if reverse:
            rows.reverse()
        if rows:
            self.first, self.last = self.keyset.position(rows[0]), self.keyset.position(rows[-1])
            # Coming from a cursor, there are rows on the side it was taken from.
            self.has_before, self.has_after = (more, True) if reverse else (True, more)
        else:  # nothing beyond the cursor: the way back starts where it pointed
            self.first = self.last = position
            self.has_before, self.has_after = not reverse, reverse
        return rows

    def get_next_link(self) -> str | None:
        if self.keyset is None:
            return super().get_next_link()
        if not self.has_after or self.last is None:
            return None
        return self._cursor_link(self.last, reverse=False)

    def get_previous_link(self) -> str | None:
        if self.keyset is None or not self.by_cursor:
            return super().get_previous_link()
        if not self.has_before or self.first is None:
            return None
        return self._cursor_link(self.first, reverse=True)

    def _cursor_link(self, position: list[Any], *, reverse: bool) -> str:
        assert self.keyset is not None
        assert self.request is not None
        url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
        url = replace_query_param(url, self.limit_query_param, self.limit)
        cursor = self.keyset.encode(position, reverse=reverse)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_count(self, queryset: Any) -> int:
        if not isinstance(queryset, QuerySet) or queryset.model.__name__ not in FIGURE_MODELS:
            return super().get_count(queryset)
        counted = queryset.order_by()
        query = counted.query
        if not (query.distinct or query.group_by or query.annotations or query.combinator):
            # The rows counted are the rows of the primary keys: the same tables, joins and
            # conditions, and much quicker to turn into SQL than a page's columns.
            counted = counted.values("pk")
        try:
            sql, params = counted.query.sql_with_params()
        except EmptyResultSet:
            return 0
        key = (queryset.model._meta.label, sql, tuple(str(value) for value in params))
        return cached_figures("count", key, queryset.count)

    def get_html_context(self) -> Any:
        if not self.by_cursor:
            return super().get_html_context()
        return {
            "previous_url": self.get_previous_link(),
            "next_url": self.get_next_link(),
            "page_links": [],
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        minimum = {self.limit_query_param: 1, self.offset_query_param: 0}
        for parameter in parameters:
            if parameter["name"] in minimum:
                parameter["schema"] = {**parameter["schema"], "minimum": minimum[parameter["name"]]}
        return [
            *parameters,
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(self.cursor_query_description),
                "schema": {"type": "string", "minLength": 1},
            },
        ]
