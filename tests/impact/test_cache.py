"""The Redis cache backend: Django's, with one client per connection pool."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from tests.conftest import redis_test_url, skip_or_fail
from tests.impact.test_settings import run_manage

REDIS_URL = redis_test_url()


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}")
    backend = {"BACKEND": "impact.cache.RedisCache", "LOCATION": REDIS_URL}
    with override_settings(CACHES={"default": backend}):
        cache = caches["default"]
        cache.clear()
        yield cache
        cache.clear()


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("redis://127.0.0.1:6379/1", "impact.cache.RedisCache"),
        ("locmemcache://", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_the_settings_choose_it_for_a_redis_url(url, backend):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = run_manage("shell", "--no-imports", "-c", code, CACHE_URL=url)
    assert result.stdout.strip().splitlines()[-1] == backend, result.stderr


@pytest.mark.redis
def test_one_client_serves_every_call_and_the_cache_works(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    redis_cache.set("figures", {"killed": 3}, timeout=60)
    assert redis_cache.add("counter", 1, timeout=60)
    assert redis_cache.incr("counter") == 2
    assert redis_cache.get_many(["figures", "counter", "missing"]) == {
        "figures": {"killed": 3},
        "counter": 2,
    }
    redis_cache.delete("figures")
    assert redis_cache.get("figures") is None
    assert 0 < client.ttl(redis_cache.make_and_validate_key("counter")) <= 60
