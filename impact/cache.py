"""Django's Redis cache, reusing one Redis client per connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache operation, and
building one (it registers some 170 response handlers) took as long here as the round trip
to Redis itself; an API page makes two such operations (its rate-limit counter and its
cached count). A client is safe to share between threads: it takes a connection from its
pool for each command, so one per pool serves every call.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


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
