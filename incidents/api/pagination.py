from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination

from incidents.figures_cache import FIGURE_MODELS, cached_figures


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` with a default page and a hard maximum (a huge limit is capped,
    not a 500).

    Every page reports ``count``; counting a large table on every page would cost more
    than the page itself, so counts of the domain's tables are cached per query (which
    includes the reader's visibility filter) and dropped as soon as any of their rows
    changes, like the dashboards' figures.
    """

    default_limit = 50
    max_limit = 500

    def get_count(self, queryset: Any) -> int:
        if not isinstance(queryset, QuerySet) or queryset.model.__name__ not in FIGURE_MODELS:
            return super().get_count(queryset)
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:
            return 0
        key = (queryset.model._meta.label, sql, tuple(str(value) for value in params))
        return cached_figures("count", key, queryset.count)
