"""Lists as CSV, HXL or GeoJSON files: streamed whole, or bounded by ``limit``.

The whole filtered list streams from the database, so memory stays flat at any size, but a
stream has no length: GDAL's ``/vsicurl/`` (which asks for the size first) needs
``/vsicurl_streaming/`` for it. With ``limit`` (and ``offset``) the export is at most
``BOUNDED_EXPORT_ROWS`` rows, written whole and sent with a ``Content-Length``, for GET
and HEAD alike.

Flat serializers are read from ``.values()`` rows (see ``rows``), pages and exports
alike; the others are serialized from instances.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.formats import STREAMED, csv_lines, geojson_chunks
from incidents.api.hxl import tags_for
from incidents.api.pagination import whole_number
from incidents.api.rows import row_plan

EXPORT_CHUNK = 1000
BOUNDED_EXPORT_ROWS = 10_000


def export_window(request: Request) -> tuple[int, int] | None:
    """``(offset, limit)`` of an export bounded by ``limit`` or ``offset``; None for all."""
    params = request.query_params
    if "cursor" in params:
        raise ValidationError({"cursor": [_("Exports are not paged by cursor: use limit.")]})
    limit = whole_number(request, "limit", minimum=1, example=1000)
    offset = whole_number(request, "offset", minimum=0, example=1000)
    if limit is None and offset is None:
        return None
    if limit is not None and limit > BOUNDED_EXPORT_ROWS:
        message = _("At most %(max)d in an export; leave limit out to stream the whole list.")
        raise ValidationError({"limit": [message % {"max": BOUNDED_EXPORT_ROWS}]})
    if offset is not None and offset > settings.API_MAX_OFFSET:
        too_deep = _("At most %(max)d in an export.") % {"max": settings.API_MAX_OFFSET}
        raise ValidationError({"offset": [too_deep]})
    return offset or 0, limit or BOUNDED_EXPORT_ROWS


class ExportableListMixin:
    """Lists in CSV, HXL or GeoJSON come from the filtered queryset, unpaginated."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        export = request.accepted_renderer.format
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        serializer_class = self.get_serializer_class()  # type: ignore[attr-defined]
        plan = row_plan(serializer_class)
        if plan is not None and not plan.applies_to(queryset):
            plan = None
        if export not in STREAMED:
            if plan is None:
                return super().list(request, *args, **kwargs)  # type: ignore[misc]
            page = self.paginate_queryset(plan.values(queryset))  # type: ignore[attr-defined]
            if page is None:
                return Response(list(plan.represent_all(plan.values(queryset))))
            return self.get_paginated_response(list(plan.represent_all(page)))  # type: ignore[attr-defined]
        window = export_window(request)
        if plan is not None:
            values = plan.values(queryset)
            if window is not None:
                values = values[window[0] : window[0] + window[1]]
            rows = plan.represent_all(values.iterator(chunk_size=EXPORT_CHUNK))
        else:
            if window is not None:
                queryset = queryset[window[0] : window[0] + window[1]]
            rows = _serialized_rows(serializer_class, queryset)
        if export == "geojson":
            body = geojson_chunks(rows)
        else:
            fields = list(serializer_class().fields)
            body = csv_lines(rows, fields, hxl=export == "hxl", tags=tags_for(self.basename))  # type: ignore[attr-defined]
        content_type = f"{STREAMED[export]}; charset=utf-8"
        response: HttpResponse | StreamingHttpResponse
        if window is None:
            response = StreamingHttpResponse(body, content_type=content_type)
        else:
            content = "".join(body).encode()
            response = HttpResponse(content, content_type=content_type)
            response["Content-Length"] = str(len(content))
        name = f"{self.basename}.{'geojson' if export == 'geojson' else 'csv'}"  # type: ignore[attr-defined]
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _serialized_rows(serializer_class: Any, queryset: QuerySet) -> Iterator[Any]:
    """Rows one chunk at a time through one list serializer: building a serializer (and
    deep-copying its fields) per row cost more than the row itself."""
    chunk: list[Any] = []
    for row in queryset.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK:
            yield from serializer_class(chunk, many=True).data
            chunk = []
    if chunk:
        yield from serializer_class(chunk, many=True).data
