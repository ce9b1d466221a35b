"""Django's Redis cache, reusing one Redis client per connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache operation, and
building one (it registers some 170 response handlers) took as long here as the round trip
to Redis itself; an API page makes two such operations (its rate-limit counter and its
cached count). A client is safe to share between threads: it takes a connection from its
pool for each command, so one per pool serves every call.

Below it, how callers go on without the cache when it fails (``through_cache``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.conf import settings
from django.core.cache.backends import redis as django_redis

logger = logging.getLogger(__name__)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            client = super().get_client(key, write=write)
            self._clients[index] = client
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


# -- when the cache is down ---------------------------------------------------------------
#
# The cache only saves work: every caller can go on without it (figures are computed
# afresh, rate limits are counted in the process). So a failing cache is logged and skipped,
# never raised, and after a failure this process leaves it alone for CACHE_RETRY_SECONDS:
# with a dead or hung Redis each request would otherwise wait out the socket timeout once
# per cache operation and write a log line each time.

CACHE_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, OSError)
T = TypeVar("T")


class CacheUnavailable(Exception):
    """The shared cache failed just now, or recently enough not to be tried again yet."""


class _Outage:
    """When the shared cache last failed in this process (None: it works)."""

    def __init__(self) -> None:
        self.failed_at: float | None = None

    def is_recent(self) -> bool:
        if self.failed_at is None:
            return False
        retry_seconds = float(getattr(settings, "CACHE_RETRY_SECONDS", 5.0))
        return time.monotonic() - self.failed_at < retry_seconds

    def began(self, operation: str, error: Exception) -> None:
        self.failed_at = time.monotonic()
        logger.warning(
            "The cache failed to %s (%s: %s); going on without it",
            operation,
            type(error).__name__,
            error,
        )

    def ended(self) -> None:
        if self.failed_at is not None:
            self.failed_at = None
            logger.warning("The cache answers again")


outage = _Outage()


def through_cache(operation: str, call: Callable[[], T]) -> T:
    """``call()``, or CacheUnavailable (logged) if the cache fails or failed moments ago.

    ``operation`` completes "The cache failed to ..." in the log.
    """
    if outage.is_recent():
        raise CacheUnavailable(operation)
    try:
        result = call()
    except CACHE_ERRORS as error:
        outage.began(operation, error)
        raise CacheUnavailable(operation) from error
    outage.ended()
    return result
