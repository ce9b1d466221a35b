"""Request rates: per anonymous IP and per partner key or staff user; every partner key has
its own allowance.

DRF's own throttles keep, per caller, the list of every request time in the last window
and read and rewrite that whole list on each request: a partner allowed 1,200 requests a
minute moves a list of 1,200 timestamps through the cache twice per request. These count
instead: one counter per caller and fixed window, raised atomically, so a request costs the
same whatever the rate. The price of fixed windows is that a caller may spend one window's
allowance at its very end and the next one's at the start of the next.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class CountingRateThrottle(SimpleRateThrottle):
    """``rate`` requests per fixed window (``"120/minute"``: each clock minute)."""

    window_ends_at = 0.0
    duration: int
    num_requests: int

    @property  # type: ignore[override]
    def cache(self) -> BaseCache:  # type: ignore[override]
        """The backend itself (DRF's is a proxy to it, which hides what it is)."""
        return caches["default"]

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window = int(self.timer() // self.duration)
        self.window_ends_at = (window + 1) * self.duration
        if self._count(f"{self.key}:{window}") > self.num_requests:
            return self.throttle_failure()
        return True

    def _count(self, key: str) -> int:
        """This request's number in its window."""
        # Kept for two windows, so a key never expires while its window is still counted
        # (an increment of an expired key would make one that never expires).
        timeout = 2 * self.duration
        if isinstance(self.cache, RedisCache):
            # One round trip: create the counter with its expiry if it is new, then count.
            # Django's cache API would take two or three (exists, incr, add).
            stored = self.cache.make_and_validate_key(key)
            client = self.cache._cache.get_client(stored, write=True)
            with client.pipeline() as pipeline:
                pipeline.set(stored, 0, ex=timeout, nx=True)
                pipeline.incr(stored)
                return int(pipeline.execute()[1])
        try:
            return int(self.cache.incr(key))
        except ValueError:  # the window's first request
            if self.cache.add(key, 1, timeout=timeout):
                return 1
            return int(self.cache.incr(key))  # another request added it first

    def wait(self) -> float:
        """Seconds until the window ends (DRF sends it as Retry-After)."""
        return max(self.window_ends_at - self.timer(), 1.0)


class AnonymousRateThrottle(CountingRateThrottle):
    """Per client address, for callers without a key or a session."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None  # partners and staff have their own throttle
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PartnerRateThrottle(CountingRateThrottle):
    scope = "partner"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        user = request.user
        if not user.is_authenticated:
            return None  # anonymous callers have their own throttle
        api_key = getattr(user, "api_key", None)
        ident = f"key-{api_key.prefix}" if api_key is not None else f"user-{user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
