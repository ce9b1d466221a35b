"""Request rates: per anonymous IP and per partner key or staff user; every partner key has
its own allowance. Each caller has two rates, a short-window one for bursts ("600/minute")
and a long-window one for sustained use ("10000/hour"); a request is allowed while both
have room.

DRF's own throttles keep, per caller, the list of every request time in the last window
and read and rewrite that whole list on each request: a partner allowed 1,200 requests a
minute moves a list of 1,200 timestamps through the cache twice per request. These count
instead: one counter per caller, rate and fixed window, raised atomically (both rates in
one round trip to Redis), so a request costs the same whatever the rate. The price of fixed
windows is that a caller may spend one window's allowance at its very end and the next
one's at the start of the next.

A refused request is taken back off the counters: a client that retries too early (8
connections in a loop) loses nothing but the retries, and does not spend its hourly
allowance on refusals.

When the shared cache is unreachable, requests are counted in the process itself (see
``impact.cache.through_cache``): the limits still hold per web process, so the service
stays up and a caller gets at most one allowance per process until the cache is back.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from impact.cache import CacheUnavailable, through_cache

# The counters used while the shared cache is down; culled like any local-memory cache.
LOCAL_COUNTERS = LocMemCache("impact-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 50_000}})


@dataclass(frozen=True)
class Window:
    """One rate's counter for the current fixed window."""

    key: str
    limit: int
    ends_at: float
    keep_seconds: int


class CountingRateThrottle(SimpleRateThrottle):
    """``scope``'s and ``sustained_scope``'s rates per fixed window (``"600/minute"``: each
    clock minute). A rate set to None (or a scope missing from the settings) is no limit."""

    sustained_scope: str
    retry_at = 0.0

    def __init__(self) -> None:
        # DRF's __init__ reads one rate and refuses a missing one; these read two.
        self.rates: list[tuple[str, int, int]] = []
        for scope in (self.scope, self.sustained_scope):
            limit, seconds = self.parse_rate(self.THROTTLE_RATES.get(scope or ""))
            if limit is not None and seconds is not None:
                self.rates.append((str(scope), limit, seconds))

    @property
    def cache(self) -> BaseCache:  # type: ignore[override]
        """The backend itself (DRF's is a proxy to it, which hides what it is)."""
        return caches["default"]

    def caller(self, request: Request) -> str | None:
        """Who is counted (None: not this throttle's caller)."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        caller = self.caller(request)
        if caller is None or not self.rates:
            return True
        now = self.timer()
        windows = []
        for scope, limit, seconds in self.rates:
            number = int(now // seconds)
            key = self.cache_format % {"scope": scope, "ident": caller}
            # Kept for two windows, so a key never expires while its window is still
            # counted (an increment of an expired key would make one that never expires).
            windows.append(Window(f"{key}:{number}", limit, (number + 1) * seconds, 2 * seconds))
        try:
            counters = self.cache
            counts = through_cache("count a request", lambda: _add(counters, windows, 1))
        except CacheUnavailable:
            counters = LOCAL_COUNTERS
            counts = _add(counters, windows, 1)
        full = [
            window.ends_at
            for window, count in zip(windows, counts, strict=True)
            if count > window.limit
        ]
        if not full:
            return True
        if counters is LOCAL_COUNTERS:
            _add(counters, windows, -1)
        else:
            # Counted in a cache that fails now: nothing left to take back.
            with suppress(CacheUnavailable):
                through_cache("take back a refused request", lambda: _add(counters, windows, -1))
        self.retry_at = max(full)
        return False

    def wait(self) -> float:
        """Seconds until every full window has ended (DRF sends it as Retry-After)."""
        return max(self.retry_at - self.timer(), 1.0)


def _add(cache: BaseCache, windows: list[Window], step: int) -> list[int]:
    if isinstance(cache, RedisCache):
        # One round trip: create each counter with its expiry if it is new, then count.
        # Django's cache API would take two or three per counter (exists, incr, add).
        client = cache._cache.get_client(write=True)
        with client.pipeline() as pipeline:
            for window in windows:
                stored = cache.make_and_validate_key(window.key)
                pipeline.set(stored, 0, ex=window.keep_seconds, nx=True)
                pipeline.incrby(stored, step)
            return [int(count) for count in pipeline.execute()[1::2]]
    return [_add_through_django(cache, window, step) for window in windows]


def _add_through_django(cache: BaseCache, window: Window, step: int) -> int:
    try:
        return int(cache.incr(window.key, step))
    except ValueError:  # the window's first request
        if cache.add(window.key, step, timeout=window.keep_seconds):
            return step
        return int(cache.incr(window.key, step))  # another request added it first


class AnonymousRateThrottle(CountingRateThrottle):
    """Per client address, for callers without a key or a session."""

    scope = "anon"
    sustained_scope = "anon_sustained"

    def caller(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None  # partners and staff have their own throttle
        return self.get_ident(request)


class PartnerRateThrottle(CountingRateThrottle):
    """Per partner key (each key on its own, wherever it calls from) or staff user."""

    scope = "partner"
    sustained_scope = "partner_sustained"

    def caller(self, request: Request) -> str | None:
        user = request.user
        if not user.is_authenticated:
            return None  # anonymous callers have their own throttle
        api_key = getattr(user, "api_key", None)
        return f"key-{api_key.prefix}" if api_key is not None else f"user-{user.pk}"
