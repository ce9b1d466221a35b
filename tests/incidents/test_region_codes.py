"""Region codes resolved from the in-process map used by every region filter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Region, VerificationStatus
from incidents.selectors import places
from tests.factories import IncidentFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_map() -> None:
    places.forget_region_codes()


def test_pcodes_and_iso_codes_resolve_to_their_region() -> None:
    lviv, kyiv = region("UA46"), region("UA80")
    assert places.region_ids_for_codes(["UA46"]) == [lviv.pk]
    assert places.region_ids_for_codes([lviv.iso_code.upper(), "UA80"]) == sorted(
        [lviv.pk, kyiv.pk]
    )


def test_unknown_codes_match_nothing() -> None:
    assert places.region_ids_for_codes(["UA99", "XX-1", ""]) == []


def test_the_map_is_read_once_then_kept() -> None:
    places.region_ids_for_codes(["UA46"])
    with CaptureQueriesContext(connection) as queries:
        places.region_ids_for_codes(["UA46", "UA80"])
    assert len(queries.captured_queries) == 0


def test_a_saved_code_change_is_seen_at_once() -> None:
    lviv = region("UA46")
    assert places.region_ids_for_codes(["UA46"]) == [lviv.pk]
    lviv.pcode = "UA4600000"
    lviv.save()
    assert places.region_ids_for_codes(["UA46"]) == []
    assert places.region_ids_for_codes(["UA4600000"]) == [lviv.pk]


def test_the_map_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    places.region_ids_for_codes(["UA46"])
    # A change made by another process (no signal here) is seen once the map expires.
    Region.objects.filter(pcode="UA46").update(pcode="UA4600000")
    assert places.region_ids_for_codes(["UA4600000"]) == []
    monkeypatch.setattr(places, "CODES_SECONDS", -1.0)
    assert places.region_ids_for_codes(["UA4600000"]) == [region("UA4600000").pk]


def test_the_api_filter_uses_the_map(client) -> None:  # type: ignore[no-untyped-def]
    IncidentFactory(
        region=region("UA46"), status=VerificationStatus.VERIFIED, verified_at=timezone.now()
    )
    IncidentFactory(
        region=region("UA80"), status=VerificationStatus.VERIFIED, verified_at=timezone.now()
    )
    IncidentFactory(
        region=region("UA14"), status=VerificationStatus.VERIFIED, verified_at=timezone.now()
    )
    client.get("/api/v1/incidents/?region=UA46")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/incidents/?region=UA46,UA-30")
    assert response.status_code == 200
    assert sorted(row["region"] for row in response.json()["results"]) == ["UA46", "UA80"]
    lookups = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "incidents_region"' in query["sql"]
    ]
    assert lookups == []


@pytest.mark.parametrize("codes", ["UA99", "UA46,UA-99", "lviv"])
def test_an_unknown_region_code_is_a_400_naming_it(client, codes: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/incidents/", {"region": codes})
    assert response.status_code == 400
    message = response.json()["region"][0]
    assert message.startswith("Unknown region code:")
    assert codes.split(",")[-1].upper() in message


def test_known_codes_in_any_case_and_spacing_are_accepted(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/incidents/", {"region": " ua46 , UA-30"})
    assert response.status_code == 200
