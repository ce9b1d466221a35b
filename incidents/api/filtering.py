"""Filtering that refuses what it does not understand."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class StrictFilterBackend(DjangoFilterBackend):
    """An unknown query parameter is a 400, so a typo never silently returns everything."""

    always_allowed = frozenset({"limit", "offset", "ordering", "search", "format"})

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(filterset_class.base_filters) if filterset_class else set()
        unknown = sorted(set(request.query_params) - known - self.always_allowed)
        if unknown:
            raise ValidationError({name: ["Unknown filter."] for name in unknown})
        return super().filter_queryset(request, queryset, view)
