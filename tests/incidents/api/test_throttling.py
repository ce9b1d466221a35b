"""Rate limits: a burst rate and a sustained rate per caller, set from the environment.

(The per-window counting itself, per key and in Redis, is pinned in test_other_endpoints.)
"""

from __future__ import annotations

import ast

import pytest
from django.core.cache import cache

from incidents.api.throttling import CountingRateThrottle
from tests.impact.test_settings import run_manage

pytestmark = pytest.mark.django_db
# 10 seconds into a clock minute, 1,210 seconds into a clock hour.
START = 60 * 29_000_000 + 10.0


@pytest.fixture
def clock(monkeypatch):
    now = [START]
    monkeypatch.setattr(CountingRateThrottle, "timer", lambda self: now[0])
    cache.clear()
    return now


@pytest.fixture
def rates(monkeypatch):
    from rest_framework.settings import api_settings

    def set_rates(**scopes: str | None) -> None:
        rates = {**api_settings.DEFAULT_THROTTLE_RATES, **scopes}
        monkeypatch.setattr(CountingRateThrottle, "THROTTLE_RATES", rates)

    return set_rates


def _statuses(client, count: int, **headers: str) -> list[int]:
    return [client.get("/api/v1/regions/", **headers).status_code for _ in range(count)]


def test_a_burst_waits_for_the_minute_and_sustained_use_for_the_hour(anonymous, clock, rates):
    rates(anon="3/minute", anon_sustained="5/hour")
    first_minute = _statuses(anonymous, 3)
    refused = anonymous.get("/api/v1/regions/")
    assert first_minute == [200, 200, 200]
    assert (refused.status_code, refused["Retry-After"]) == (429, "50")
    clock[0] += 60
    second_minute = _statuses(anonymous, 2)
    refused = anonymous.get("/api/v1/regions/")
    assert second_minute == [200, 200]
    # Five in this clock hour: the rest of the hour, not of the minute.
    assert (refused.status_code, refused["Retry-After"]) == (429, str(3600 - 1210 - 60))


def test_retrying_too_early_costs_a_client_nothing_but_the_retries(anonymous, clock, rates):
    """Eight connections in a loop: refused requests do not spend the hourly allowance."""
    rates(anon="2/minute", anon_sustained="4/hour")
    first_minute = _statuses(anonymous, 10)
    clock[0] += 60
    second_minute = _statuses(anonymous, 10)
    assert first_minute == second_minute == [200, 200] + [429] * 8
    clock[0] += 60
    assert _statuses(anonymous, 1) == [429]  # four in this hour: now the hour is spent


def test_each_partner_key_has_its_own_sustained_allowance(partner_a, partner_b, clock, rates):
    rates(partner="100/minute", partner_sustained="2/hour")
    assert _statuses(partner_a, 3) == [200, 200, 429]
    assert _statuses(partner_b, 2) == [200, 200]


def test_a_forged_forwarded_address_is_not_a_new_caller(anonymous, clock, rates, settings):
    rates(anon="2/minute", anon_sustained=None)
    # Behind one reverse proxy, the address it appends is the caller, whatever came before.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    statuses = [
        anonymous.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
        for n in range(3)
    ]
    other = anonymous.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.8")
    assert [response.status_code for response in statuses] == [200, 200, 429]
    assert other.status_code == 200


def _settings_printed(**environment: str) -> dict:
    code = (
        "from django.conf import settings; r = settings.REST_FRAMEWORK; "
        "print({'rates': r['DEFAULT_THROTTLE_RATES'], 'proxies': r['NUM_PROXIES']})"
    )
    result = run_manage("shell", "--no-imports", "-c", code, **environment)
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


def test_the_rates_and_the_proxy_count_come_from_the_environment():
    assert _settings_printed(AXES_PROXY_COUNT="0") == {
        "rates": {
            "anon": "600/minute",
            "anon_sustained": "10000/hour",
            "partner": "1200/minute",
            "partner_sustained": "30000/hour",
        },
        "proxies": 0,
    }
    assert _settings_printed(
        API_THROTTLE_ANON="50/second",
        API_THROTTLE_ANON_SUSTAINED="",
        API_THROTTLE_PARTNER_SUSTAINED="100000/day",
        AXES_PROXY_COUNT="1",
    ) == {
        "rates": {
            "anon": "50/second",
            "anon_sustained": None,
            "partner": "1200/minute",
            "partner_sustained": "100000/day",
        },
        "proxies": 1,
    }
