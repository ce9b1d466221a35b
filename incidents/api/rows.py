"""Flat lists and exports from ``.values()`` rows instead of model instances.

A list page or an export of a flat serializer reads each field's column (through joins
where the field's source crosses a relation) and hands the value to the same DRF field's
``to_representation``: the output is the serializer's, byte for byte, without building a
model instance per row or walking DRF's attribute lookups. That is most of a list
request's time. A serializer with a field that cannot be read this way (nested
serializers, method fields, related fields other than the region code) gets no plan and
is serialized the usual way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings

from incidents.api.serializers import (
    AwaitingMatchField,
    EventReferenceField,
    RegionCodeField,
    VisibleIncidentField,
)

# DRF fields whose to_representation returns a value of these exact types as it is.
UNCHANGED: dict[type, tuple[type, ...]] = {
    drf_fields.CharField: (str,),
    drf_fields.ChoiceField: (str,),  # with text choices: a choice or an unknown value
    drf_fields.IntegerField: (int,),
    drf_fields.BooleanField: (bool,),
}
_MISSING = object()  # a relation on the way to the column is empty: DRF omits or defaults
_UNREADABLE = (
    relations.RelatedField,
    relations.ManyRelatedField,
    serializers.BaseSerializer,
    drf_fields.SerializerMethodField,
    drf_fields.HiddenField,
)


@dataclass(frozen=True)
class _Column:
    name: str
    lookup: str
    represent: Callable[[Any], Any] | None  # None: the value as it is
    through_relation: bool  # None then means "no related row", not a null column
    if_missing: Any  # what DRF gives when the related row is missing (_MISSING: omit)
    annotation: bool  # read from an annotation of the queryset, not a model field
    iso_datetime: bool = False  # DRF's ISO 8601 output in the current time zone
    # Value types the field hands back as they are (a str to a CharField, an int to an
    # IntegerField): no call is needed for them.
    unchanged: tuple[type, ...] = ()


class RowPlan:
    """How to read one serializer's output from ``.values()`` rows."""

    def __init__(self, columns: list[_Column], key: str = "pk") -> None:
        self.columns = columns
        # The primary key too: pages are positioned by it (see pagination.Keyset).
        self.lookups = list(dict.fromkeys([*(column.lookup for column in columns), key]))

    def applies_to(self, queryset: QuerySet) -> bool:
        annotations = queryset.query.annotations
        return all(not column.annotation or column.lookup in annotations for column in self.columns)

    def values(self, queryset: QuerySet) -> QuerySet:
        return queryset.values(*self.lookups)

    def represent(self, row: dict[str, Any], zone: Any = None) -> dict[str, Any]:
        """One row as the serializer gives it (``zone``: the current time zone)."""
        output: dict[str, Any] = {}
        for column in self.columns:
            value = row[column.lookup]
            if value is None:
                if not column.through_relation:
                    output[column.name] = None
                elif column.if_missing is not _MISSING:
                    output[column.name] = column.if_missing
                continue
            if type(value) in column.unchanged:
                output[column.name] = value
            elif column.iso_datetime and zone is not None and timezone.is_aware(value):
                # DRF's DateTimeField, without looking the time zone up for every value.
                try:
                    text = value.astimezone(zone).isoformat()
                except OverflowError:
                    text = column.represent(value)  # type: ignore[misc]  # DRF's error
                output[column.name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            elif column.represent:
                output[column.name] = column.represent(value)
            else:
                output[column.name] = value
        return output

    def represent_all(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        return (self.represent(row, zone) for row in rows)


@functools.cache
def row_plan(serializer_class: type[serializers.Serializer]) -> RowPlan | None:
    """The plan for a flat model serializer, or None when one of its fields needs an
    instance. Built once per class: the fields used here keep no per-request state."""
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is None:
        return None
    columns = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        column = _column(model, name, field)
        if column is None:
            return None
        columns.append(column)
    return RowPlan(columns, key=model._meta.pk.name)


def _column(model: type[Model], name: str, field: drf_fields.Field) -> _Column | None:
    if isinstance(field, VisibleIncidentField):
        # List querysets annotate the id of the incident the reader may see.
        return _Column(name, "incident_reference", field.to_representation, False, None, True)
    if isinstance(field, AwaitingMatchField | EventReferenceField):
        # Read from the list queryset's annotation of the same name.
        return _Column(name, field.annotation, field.to_representation, False, None, True)
    if isinstance(field, RegionCodeField):
        # DRF hands a related field the region itself: no region gives null.
        path = [*field.source_attrs, "pcode"]
        return _Column(name, "__".join(path), None, True, None, False)
    if isinstance(field, _UNREADABLE) or field.source == "*":
        return None
    if type(field).get_attribute is not drf_fields.Field.get_attribute:
        return None
    path = list(field.source_attrs)
    final = _model_field(model, path)
    if final is None:
        return None
    through_relation = len(path) > 1
    if through_relation and final.null:
        return None  # a null column and a missing row would look the same
    if field.default is not drf_fields.empty:
        if callable(field.default):
            return None
        # DRF represents a default like any value (a missing row gives it).
        default = field.default
        if_missing = None if default is None else field.to_representation(default)
    elif field.allow_null:
        if_missing = None
    else:
        if_missing = _MISSING
    iso_datetime = (
        type(field) is drf_fields.DateTimeField
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    )
    return _Column(
        name,
        "__".join(path),
        field.to_representation,
        through_relation,
        if_missing,
        False,
        iso_datetime,
        _unchanged(field),
    )


def _unchanged(field: drf_fields.Field) -> tuple[type, ...]:
    if isinstance(field, drf_fields.ChoiceField) and not all(
        isinstance(value, str) for value in field.choice_strings_to_values.values()
    ):
        return ()  # a text value may come back as the choice it stands for (1 for "1")
    return UNCHANGED.get(type(field), ())


def _model_field(model: type[Model], path: list[str]) -> Any:
    """The concrete model field at the end of ``path``, following forward relations."""
    current: Any = model
    found: Any = None
    for position, attribute in enumerate(path):
        try:
            found = current._meta.get_field(attribute)
        except FieldDoesNotExist:
            return None
        if not found.concrete:
            return None
        if position < len(path) - 1:
            if not found.is_relation or found.many_to_many:
                return None
            current = found.related_model
        elif found.is_relation:
            return None
    return found
