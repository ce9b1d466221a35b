"""Aggregates, tombstones, the other record types, staff-only endpoints and throttling."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import redis
from django.core.cache import cache
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from tests.conftest import redis_test_url, skip_or_fail
from tests.factories import (
    DamagedAssetFactory,
    GrainDisruptionFactory,
    GrainShipmentFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    SourceFactory,
    port,
    region,
)

pytestmark = pytest.mark.django_db


def verified(**kwargs):
    return {"status": "verified", "verified_at": timezone.now(), **kwargs}


@pytest.fixture
def needs_data(organisation):
    lviv = IncidentFactory(
        organisation=organisation,
        verified=True,
        killed=2,
        injured=19,
        children_injured=1,
        region=region("UA46"),
    )
    IncidentFactory(organisation=organisation, killed=50)  # a draft: never counted
    DamagedAssetFactory(incident=lviv, asset_type="residential", count=120)
    DamagedAssetFactory(incident=lviv, asset_type="health", count=1)
    start = dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC)
    ServiceDisruptionFactory(
        service="water",
        people_affected=12000,
        region=region("UA71"),
        started_at=start,
        organisation=organisation,
        **verified(),
    )
    ServiceDisruptionFactory(
        service="water",
        people_affected=500,
        region=region("UA71"),
        started_at=start,
        restored_at=start + dt.timedelta(days=1),
        organisation=organisation,
        **verified(),
    )
    ServiceDisruptionFactory(
        service="electricity",
        people_affected=9999,
        region=region("UA71"),
        started_at=start,
        organisation=organisation,
    )  # unverified
    return lviv


def test_needs_has_one_row_per_region_from_verified_records(anonymous, needs_data):
    response = anonymous.get("/api/v1/needs/", {"as_of": "2023-08-15T12:00:00Z"})
    assert response.status_code == 200
    rows = {row["pcode"]: row for row in response.json()}
    assert len(rows) == 27
    lviv = rows["UA46"]
    assert (lviv["incidents"], lviv["killed"], lviv["injured"], lviv["children_injured"]) == (
        1,
        2,
        19,
        1,
    )
    assert (lviv["damaged"]["residential"], lviv["damaged"]["health"]) == (120, 1)
    assert rows["UA71"]["people_without"]["water"] == 12500
    assert rows["UA71"]["people_without"]["electricity"] == 0
    later = anonymous.get("/api/v1/needs/", {"as_of": "2023-08-17T00:00:00Z"}).json()
    assert {row["pcode"]: row for row in later}["UA71"]["people_without"]["water"] == 12000


def test_needs_period_filters_incidents(anonymous, needs_data):
    rows = anonymous.get("/api/v1/needs/", {"date_from": "2023-09-01"}).json()
    assert sum(row["incidents"] for row in rows) == 0


@pytest.mark.parametrize(
    "query", [{"date_from": "soon"}, {"date_from": "2023-09-01", "date_to": "2023-08-01"}, {"x": 1}]
)
def test_needs_refuses_bad_periods(anonymous, query):
    assert anonymous.get("/api/v1/needs/", query).status_code == 400


def test_summary_totals_and_grain_exports(anonymous, needs_data):
    GrainShipmentFactory(voyage_number=1, tonnes=26527, departed_on=dt.date(2022, 8, 1))
    GrainShipmentFactory(
        voyage_number=1,
        tonnes=1000,
        commodity="Wheat",
        departed_on=dt.date(2022, 8, 1),
        is_additional_cargo=True,
    )
    GrainShipmentFactory(
        voyage_number=2,
        tonnes=3000,
        departed_on=dt.date(2022, 9, 3),
        departure_port=port("Chornomorsk"),
    )
    data = anonymous.get("/api/v1/summary/", {"as_of": "2023-08-15T12:00:00Z"}).json()
    assert (data["incidents"], data["killed"], data["people_without"]["water"]) == (1, 2, 12500)
    assert data["grain_exports"] == [
        {"port": "Odesa", "month": "2022-08-01", "tonnes": 27527, "voyages": 1},
        {"port": "Chornomorsk", "month": "2022-09-01", "tonnes": 3000, "voyages": 1},
    ]


def test_aggregates_take_a_constant_number_of_queries(
    anonymous, needs_data, django_assert_max_num_queries
):
    IncidentFactory.create_batch(20, verified=True)
    # Person-days take two: whole days from the daily outage figures, the rest live.
    with django_assert_max_num_queries(7):
        anonymous.get("/api/v1/needs/")


def test_deleted_and_withdrawn_records_are_reported_to_incremental_consumers(
    anonymous, partner_b, verifier, organisation
):
    published = IncidentFactory(organisation=organisation, verified=True)
    retracted = IncidentFactory(organisation=organisation, verified=True)
    draft = IncidentFactory(organisation=organisation)
    before = timezone.now()
    services.record_delete(record=published, by=verifier)
    services.record_reject(record=retracted, by=verifier, reason="Source withdrew it")
    services.record_delete(record=draft, by=verifier)

    rows = anonymous.get("/api/v1/tombstones/", {"since": before.isoformat()}).json()["results"]
    assert {(row["id"], row["reason"]) for row in rows} == {
        (str(published.public_id), "deleted"),
        (str(retracted.public_id), "withdrawn"),
    }
    # The draft was never public: only its organisation and staff learn of its deletion.
    assert len(partner_b.get("/api/v1/tombstones/").json()["results"]) == 2
    assert not Incident.objects.filter(pk=published.pk).exists()


def test_disruptions_follow_the_review_gate_and_export_geojson(anonymous, partner_a, organisation):
    public = ServiceDisruptionFactory(organisation=organisation, **verified())
    draft = ServiceDisruptionFactory(organisation=organisation)
    url = "/api/v1/service-disruptions/"
    assert {row["id"] for row in anonymous.get(url).json()["results"]} == {str(public.public_id)}
    assert len(partner_a.get(url).json()["results"]) == 2
    assert anonymous.get(f"{url}{draft.public_id}/").status_code == 404
    assert anonymous.get(url, {"service": "water", "is_ongoing": "true"}).json()["count"] == 1
    collection = json.loads(b"".join(anonymous.get(url, {"format": "geojson"}).streaming_content))
    assert [feature["id"] for feature in collection["features"]] == [str(public.public_id)]


def test_assets_sources_and_grain_disruptions_follow_their_records(anonymous, organisation):
    draft = IncidentFactory(organisation=organisation)
    public = IncidentFactory(organisation=organisation, verified=True)
    DamagedAssetFactory(incident=draft)
    shown = DamagedAssetFactory(incident=public)
    SourceFactory(incident=draft)
    cited = SourceFactory(incident=public)
    GrainDisruptionFactory(organisation=organisation)
    grain = GrainDisruptionFactory(organisation=organisation, **verified())
    assert [r["id"] for r in anonymous.get("/api/v1/damaged-assets/").json()["results"]] == [
        str(shown.public_id)
    ]
    sources = anonymous.get("/api/v1/sources/").json()["results"]
    assert [r["id"] for r in sources] == [str(cited.public_id)]
    grain_rows = anonymous.get("/api/v1/grain-disruptions/").json()["results"]
    assert [r["id"] for r in grain_rows] == [str(grain.public_id)]


def test_regions_and_shipments_are_public(anonymous):
    GrainShipmentFactory(commodity="Corn")
    assert anonymous.get("/api/v1/regions/").json()["count"] == 27
    assert anonymous.get("/api/v1/regions/UA46/").json()["iso_code"] == "UA-46"
    assert anonymous.get("/api/v1/grain-shipments/", {"commodity": "corn"}).json()["count"] == 1


@pytest.mark.parametrize("endpoint", ["/api/v1/feeds/", "/api/v1/ingestion-runs/"])
def test_feeds_and_runs_are_for_staff_only(endpoint, anonymous, partner_a, staff, request):
    assert anonymous.get(endpoint).status_code == 401
    assert partner_a.get(endpoint).status_code == 403
    assert staff.get(endpoint).status_code == 200


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, 10 seconds into a minute; tests move it by hand."""
    from incidents.api.throttling import CountingRateThrottle

    now = [60 * 29_000_000 + 10.0]
    monkeypatch.setattr(CountingRateThrottle, "timer", lambda self: now[0])
    cache.clear()
    yield now
    cache.clear()


@pytest.fixture
def rates(monkeypatch):
    """Set throttle rates for one test (the classes read them once, at import)."""
    from rest_framework.settings import api_settings

    from incidents.api.throttling import CountingRateThrottle

    def set_rates(**scopes: str) -> None:
        rates = {**api_settings.DEFAULT_THROTTLE_RATES, **scopes}
        monkeypatch.setattr(CountingRateThrottle, "THROTTLE_RATES", rates)

    return set_rates


def test_anonymous_readers_are_throttled_with_retry_after(anonymous, clock, rates):
    rates(anon="3/minute")
    statuses = [anonymous.get("/api/v1/regions/").status_code for _ in range(4)]
    clock[0] += 5
    last = anonymous.get("/api/v1/regions/")
    assert statuses == [200, 200, 200, 429]
    assert last.status_code == 429
    # The allowance comes back when the clock minute ends: 45 seconds from here.
    assert last["Retry-After"] == "45"
    clock[0] += 45
    assert anonymous.get("/api/v1/regions/").status_code == 200


def test_windows_do_not_add_up(anonymous, clock, rates):
    rates(anon="2/minute")
    first_window = [anonymous.get("/api/v1/regions/").status_code for _ in range(3)]
    clock[0] += 60
    second_window = [anonymous.get("/api/v1/regions/").status_code for _ in range(3)]
    assert first_window == second_window == [200, 200, 429]


def test_each_partner_key_has_its_own_allowance(partner_a, partner_b, anonymous, clock, rates):
    rates(partner="2/minute", anon="1/minute")
    a = [partner_a.get("/api/v1/regions/").status_code for _ in range(3)]
    b = partner_b.get("/api/v1/regions/").status_code
    # Partners do not spend the anonymous allowance of their address, nor it theirs.
    anonymous_status = anonymous.get("/api/v1/regions/").status_code
    assert a == [200, 200, 429]
    assert (b, anonymous_status) == (200, 200)


@pytest.mark.redis
def test_throttles_count_in_redis_in_one_round_trip(anonymous, clock, rates, settings, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    def refuse(*args, **kwargs):
        raise AssertionError("the counter takes Django's incr and add round trips")

    monkeypatch.setattr(RedisCache, "incr", refuse)
    redis_url = redis_test_url()
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail(f"Redis is not reachable at {redis_url}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    cache.clear()
    rates(anon="2/minute")
    try:
        statuses = [anonymous.get("/api/v1/regions/").status_code for _ in range(3)]
        keys = cache._cache.get_client().keys("*throttle_anon*")
        ttl = cache._cache.get_client().ttl(keys[0])
        clock[0] += 60
        after = anonymous.get("/api/v1/regions/").status_code
    finally:
        cache.clear()
    assert statuses == [200, 200, 429]
    assert after == 200
    # One counter per window, which expires by itself after two windows.
    assert len(keys) == 1
    assert 60 < ttl <= 120
