from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` with a default page and a hard maximum (a huge limit is capped,
    not a 500)."""

    default_limit = 50
    max_limit = 500
