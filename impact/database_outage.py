"""Without the database, every page and API call answers a clear 503 instead of a 500.

A lost or refused connection (and a query cancelled by the server) is an outage, not a bug:
the caller is told in its own format (JSON ``{"detail": ...}`` under /api/, a small HTML
page elsewhere) to come back after ``Retry-After`` seconds, and nothing else is said (no
host, no error text). Programming errors (IntegrityError, ProgrammingError, ...) stay 500s.

The middleware answers for errors raised by views (DRF passes errors it does not know
on); ``server_error``, the project's handler500, answers for those raised elsewhere, such
as a middleware saving the session. A streamed response (an export) reads the database
only once the server sends it, after every handler has returned: the middleware makes sure
of the connection first (Django's own health check, which the export's first query would
run anyway, so it costs nothing), since a failure after that point can only cut the
response short, and the server would answer its own HTML 500 before the first byte.
Nothing here holds state: once the database answers again, so does every page (persistent
connections are checked before reuse, CONN_HEALTH_CHECKS).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views import defaults

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
DETAIL = _(
    "The service is temporarily unavailable: its database cannot be reached. "
    "Please try again in a minute."
)


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def outage_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": str(DETAIL)}, status=503)
    else:
        # No request in the context: context processors would reach for the session.
        page = loader.get_template("503.html").render({"detail": DETAIL})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Static files (whitenoise's file responses) need no database.
        if response.streaming and not isinstance(response, FileResponse):
            try:
                connection.close_if_health_check_failed()
                connection.ensure_connection()
            except (OperationalError, InterfaceError) as error:
                response.close()
                return self.process_exception(request, error) or response
        return response

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        if not is_outage(error):
            return None
        logger.warning("The database is unavailable (%s): answered 503", type(error).__name__)
        return outage_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 for an outage met outside a view, Django's 500 page otherwise."""
    if is_outage(sys.exc_info()[1]):
        return outage_response(request)
    return defaults.server_error(request)
