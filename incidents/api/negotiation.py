"""Which format answers a request: ``?format=`` when given, otherwise the ``Accept`` header.

A URL naming its format is a request for that format, whatever the client's ``Accept``
header says. GDAL (and QGIS through it) asks for ``?format=geojson`` with
``Accept: text/plain, application/json``; DRF's default negotiation matches the header
against the one renderer left and answers 406, so a URL that works in a browser failed in
every GIS tool.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

UNKNOWN_FORMAT = _("Unknown format '%(format)s': this address offers %(formats)s.")


class FormatFirstNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        requested = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if requested is None:  # an empty ?format= names no format: a 404 like any unknown one
            return super().select_renderer(request, renderers, format_suffix)
        if not _method_allowed(request):  # the 405 that follows comes first
            return renderers[0], renderers[0].media_type
        for renderer in renderers:
            if renderer.format == requested:
                return renderer, renderer.media_type
        offered = ", ".join(str(renderer.format) for renderer in renderers)
        raise NotFound(UNKNOWN_FORMAT % {"format": requested[:40], "formats": offered})


def _method_allowed(request: Request) -> bool:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    method = (request.method or "").lower()
    return view is None or (method in view.http_method_names and hasattr(view, method))
