"""Without Redis the API and dashboards answer, uncached, and readiness says so.

Every test runs its own redis-server (tests/impact/own_servers.py), stops it, hangs it or
restarts it with its data, and never touches the shared Redis.
"""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from impact import cache as impact_cache
from incidents.api import throttling
from incidents.figures import cache as figures_cache
from tests.factories import IncidentFactory
from tests.impact.own_servers import RedisServer
from tests.impact.test_settings import run_manage

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
RETRY_SECONDS = 0.3


def _forget_outages() -> None:
    impact_cache.outage.failed_at = None
    figures_cache._Namespace.is_owed = False
    throttling.LOCAL_COUNTERS.clear()


@pytest.fixture
def redis_server(settings):
    server = RedisServer()
    server.start()
    # The options the settings give a redis:// CACHE_URL (checked below).
    timeouts = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    settings.CACHES = {
        "default": {
            "BACKEND": "impact.cache.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": timeouts,
        }
    }
    settings.CACHE_RETRY_SECONDS = RETRY_SECONDS
    settings.CELERY_BROKER_URL = ""
    settings.DASHBOARDS_PUBLIC = True
    _forget_outages()
    try:
        yield server
    finally:
        server.close()
        _forget_outages()


@pytest.fixture
def rates(monkeypatch):
    from rest_framework.settings import api_settings

    def set_rates(**scopes: str | None) -> None:
        rates = {**api_settings.DEFAULT_THROTTLE_RATES, **scopes}
        monkeypatch.setattr(throttling.CountingRateThrottle, "THROTTLE_RATES", rates)

    return set_rates


def _after_retry_interval() -> None:
    time.sleep(RETRY_SECONDS + 0.1)


def _count(client: APIClient) -> int:
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 200
    return int(response.json()["count"])


def _stored_keys(server: RedisServer) -> list[bytes]:
    import redis

    return redis.Redis.from_url(server.url).keys("*figures:*")


def test_the_settings_give_redis_short_timeouts():
    code = "from django.conf import settings; print(settings.CACHES['default']['OPTIONS'])"
    result = run_manage("shell", "--no-imports", "-c", code, CACHE_URL="redis://127.0.0.1:1/1")
    assert result.stdout.strip().splitlines()[-1] == (
        "{'socket_connect_timeout': 0.5, 'socket_timeout': 0.5}"
    ), result.stderr


def test_without_redis_everything_answers_uncached_and_readiness_says_degraded(
    redis_server, caplog
):
    IncidentFactory.create_batch(2, verified=True)
    client = APIClient()
    assert _count(client) == 2
    assert client.get("/dashboards/").status_code == 200
    assert client.get("/readyz").json()["status"] == "ok"
    assert _stored_keys(redis_server)  # the figures were cached

    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="impact.cache")
    IncidentFactory(verified=True)  # its invalidation fails, and is logged
    assert _count(client) == 3
    assert client.get("/dashboards/").status_code == 200
    assert client.get("/dashboards/regions/UA46/").status_code == 200
    assert client.get("/dashboards/grain/").status_code == 200
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "degraded", "database": "ok", "cache": "failed", "broker": "ok"},
    )
    failures = [r.getMessage() for r in caplog.records if "The cache failed" in r.getMessage()]
    assert failures[0].startswith("The cache failed to invalidate the figures (ConnectionError")

    # Back, without a restart of anything here: cached again once the retry interval passed.
    redis_server.start()
    _after_retry_interval()
    assert _count(client) == 3
    assert client.get("/readyz").json()["status"] == "ok"
    assert _stored_keys(redis_server)


def test_a_hung_redis_costs_a_request_one_timeout_at_most_then_is_left_alone(redis_server):
    IncidentFactory(verified=True)
    client = APIClient()
    assert _count(client) == 1
    redis_server.pause()
    started = time.monotonic()
    counts = [_count(client) for _ in range(5)]
    pages = [client.get("/dashboards/").status_code for _ in range(3)]
    elapsed = time.monotonic() - started
    assert (counts, pages) == ([1] * 5, [200] * 3)
    # Without socket timeouts this would never return; with them, the first operation waits
    # 0.5 s and the others skip the cache for CACHE_RETRY_SECONDS (generous bound for CI).
    assert elapsed < 5
    redis_server.resume()


def test_a_change_made_while_redis_was_down_is_never_hidden_by_its_old_entries(redis_server):
    IncidentFactory(verified=True)
    client = APIClient()
    assert _count(client) == 1  # cached under the current token
    token = cache.get(figures_cache.VERSION_KEY)

    redis_server.stop()
    IncidentFactory(verified=True)  # the new token cannot be stored
    redis_server.start()  # back with its data: the old token and the old count
    assert cache.get(figures_cache.VERSION_KEY) == token
    _after_retry_interval()
    assert _count(client) == 2
    assert cache.get(figures_cache.VERSION_KEY) != token


def test_a_lost_invalidation_of_another_process_shows_for_figures_cache_seconds_at_most(
    redis_server, settings
):
    settings.FIGURES_CACHE_SECONDS = 1
    IncidentFactory(verified=True)
    client = APIClient()
    assert _count(client) == 1
    cached_at = time.monotonic()
    redis_server.stop()
    IncidentFactory(verified=True)
    # The writer was another process (a worker, `manage.py ingest`) that has gone: this
    # process saw no outage and owes no fresh token.
    figures_cache._Namespace.is_owed = False
    impact_cache.outage.failed_at = None
    redis_server.start()
    time.sleep(max(0.0, cached_at + 1.2 - time.monotonic()))
    assert _count(client) == 2


def test_without_redis_throttling_counts_in_the_process(redis_server, rates, monkeypatch):
    monkeypatch.setattr(throttling.CountingRateThrottle, "timer", lambda self: 60 * 29e6 + 10)
    rates(anon="3/minute")
    client = APIClient()
    assert client.get("/api/v1/regions/").status_code == 200
    redis_server.stop()
    statuses = [client.get("/api/v1/regions/").status_code for _ in range(4)]
    refused = client.get("/api/v1/regions/")
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert refused.json()["detail"].startswith("Request was throttled.")

    redis_server.start()
    _after_retry_interval()
    # Counted in Redis again, where the window holds the one request made before the outage.
    statuses = [client.get("/api/v1/regions/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_without_redis_an_ingestion_run_finishes_and_its_rows_show(
    redis_server, settings, tmp_path, verifier
):
    from io import StringIO

    from django.core.management import call_command

    from incidents.models import IngestionRun
    from tests.incidents.ingestion.payloads import PAYLOADS

    settings.MEDIA_ROOT = tmp_path / "media"
    client = APIClient()
    staff = APIClient()
    staff.force_authenticate(verifier)
    assert _count(staff) == 0
    redis_server.stop()
    out = StringIO()
    call_command("ingest", str(PAYLOADS / "acled_export.csv"), format="acled", stdout=out)
    assert IngestionRun.objects.get().status == "succeeded"
    redis_server.start()
    _after_retry_interval()
    assert _count(staff) == 11
    assert _count(client) == 0  # submitted, not verified: not public
