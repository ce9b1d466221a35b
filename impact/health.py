"""Health probes: /healthz (liveness: the process answers) and /readyz (readiness: which
dependencies answer).

/readyz is 503 only when the database is down, since nothing can be served without it.
Without the cache the site works uncached (rate limits counted per process), and without the
broker it serves everything but queueing ingestion work: both are reported as "degraded" with
a 200, so that a load balancer keeps sending traffic instead of taking the whole site down.

Answered by a middleware placed first, so that probes from the container runtime or a load
balancer (plain HTTP, any Host header) are neither refused by ALLOWED_HOSTS nor redirected
to HTTPS. They are cheap, need no login, and say nothing beyond "ok" or which dependency
failed: no versions, no hosts, no error texts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)
PATHS = {"/healthz", "/readyz"}
BROKER_TIMEOUT_SECONDS = 2.0


def database_ready() -> bool:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        logger.warning("Readiness: the database is not reachable", exc_info=True)
        return False


def cache_ready() -> bool:
    """The shared cache answers a read (bounded by the cache's own socket timeout)."""
    try:
        caches["default"].get("readyz:probe")
        return True
    except Exception:  # noqa: BLE001
        logger.warning("Readiness: the cache is not reachable", exc_info=True)
        return False


def broker_ready() -> bool:
    """Redis answers a PING, or the embedded file-system broker's folder is writable."""
    url = settings.CELERY_BROKER_URL or ""
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
                socket_timeout=BROKER_TIMEOUT_SECONDS,
            )
            try:
                return bool(client.ping())
            finally:
                client.close()
        if url.startswith("filesystem://"):
            folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
            return folder.is_dir() and os.access(folder, os.W_OK)
        return url == ""  # no broker: tasks run in the web process
    except Exception:  # noqa: BLE001
        logger.warning("Readiness: the broker is not reachable", exc_info=True)
        return False


def _probe(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if request.path == "/healthz":
        response: HttpResponse = JsonResponse({"status": "ok"})
    else:
        checks = {
            "database": "ok" if database_ready() else "failed",
            "cache": "ok" if cache_ready() else "failed",
            "broker": "ok" if broker_ready() else "failed",
        }
        if checks["database"] != "ok":
            status = "unavailable"
        elif "failed" in checks.values():
            status = "degraded"
        else:
            status = "ok"
        response = JsonResponse(
            {"status": status, **checks}, status=503 if status == "unavailable" else 200
        )
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in PATHS:
            return _probe(request)
        return self.get_response(request)
