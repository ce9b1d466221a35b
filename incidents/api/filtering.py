"""Filtering that refuses what it does not understand, and builds only what it is asked."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class StrictFilterBackend(DjangoFilterBackend):
    """An unknown query parameter is a 400, so a typo never silently returns everything.

    A FilterSet is built with only the filters the request names. django-filter deep-copies
    every filter and builds a form field for each on every request, and a filter whose
    parameter is absent leaves the list as it is: on a list page that copying cost more
    than reading the page from the database.

    An empty value of a filter that is not text (``date_from=``) is refused too: it names
    nothing, and ignoring it would list everything.
    """

    always_allowed = frozenset({"limit", "offset", "cursor", "ordering", "search", "format"})

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        filters = filterset_class.base_filters if filterset_class else {}
        unknown = sorted(set(request.query_params) - set(filters) - self.always_allowed)
        if unknown:
            raise ValidationError({name: [_("Unknown filter.")] for name in unknown})
        if "\x00" in request.query_params.get("search", ""):
            # DRF's search would refuse it with a message naming no parameter.
            raise ValidationError({"search": [_("Null characters are not allowed.")]})
        requested = {name: f for name, f in filters.items() if name in request.query_params}
        empty = sorted(
            name
            for name, declared in requested.items()
            if not isinstance(declared, django_filters.CharFilter)
            and "" in request.query_params.getlist(name)
        )
        if empty:
            message = _("Give a value, or leave the parameter out.")
            raise ValidationError({name: [message] for name in empty})
        # django-filter reads anything but true or false ("null", "maybe") as no filter.
        not_boolean = sorted(
            name
            for name, declared in requested.items()
            if isinstance(declared, django_filters.BooleanFilter)
            and not set(request.query_params.getlist(name)) <= {"true", "false"}
        )
        if not_boolean:
            message = _("Must be true or false.")
            raise ValidationError({name: [message] for name in not_boolean})
        if filterset_class is None or not requested:
            return queryset
        filterset = filterset_class.__new__(filterset_class)
        filterset.base_filters = requested  # read by __init__, which copies them
        filterset.__init__(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
