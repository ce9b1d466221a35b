"""Request rates: per anonymous IP (DRF's AnonRateThrottle) and per partner key or staff
user (this one). Every partner key has its own allowance."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class PartnerRateThrottle(SimpleRateThrottle):
    scope = "partner"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        user = request.user
        if not user.is_authenticated:
            return None  # anonymous callers have their own throttle
        api_key = getattr(user, "api_key", None)
        ident = f"key-{api_key.prefix}" if api_key is not None else f"user-{user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
