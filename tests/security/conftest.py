"""A small world of records in every review state for two organisations, and the actors
that look at it: anonymous, staff users of each role, partner API keys of each scope.

Every unpublished figure is a *marker*: a seven-digit number used nowhere else, so a test
can search any response body for it (``markers_in``). Each unpublished incident sits in a
region and a week of its own, so a leak shows the marker unsummed in some row or cell.

The world is built once per test module (``_shared_cast``) and each test works on it in a
savepoint of its own, as with Django's ``TestCase.setUpTestData``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from pytest_django import DjangoDbBlocker
from rest_framework.test import APIClient

from accounts.models import Organisation, OrganisationAPIKey, User
from incidents import services
from incidents.models import Incident
from tests.conftest import make_organisation, make_other_organisation, make_verifier
from tests.factories import (
    DamagedAssetFactory,
    GrainDisruptionFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    SourceFactory,
    port,
    region,
)

ACTORS = (
    "anonymous",
    "reporter_a",
    "reporter_b",
    "verifier",
    "analyst",
    "token_read_a",
    "token_write_a",
    "token_b",
    "token_revoked",
)
SESSION_ACTORS = {
    "reporter_a": "reporter",
    "reporter_b": "other_reporter",
    "verifier": "verifier",
    "analyst": "analyst",
    "superuser": "superuser",  # not in ACTORS: only for the accounts admin
}
TOKEN_ACTORS = {
    # actor: (organisation fixture, scope, revoked)
    "token_read_a": ("organisation", "read", False),
    "token_write_a": ("organisation", "write", False),
    "token_b": ("other_organisation", "write", False),
    "token_revoked": ("organisation", "write", True),
}

INCIDENTS_A = ("a_draft", "a_submitted", "a_verified", "a_rejected")
INCIDENTS_B = ("b_draft", "b_submitted", "b_verified", "b_rejected")
ALL_INCIDENTS = frozenset(INCIDENTS_A + INCIDENTS_B)
PUBLISHED = frozenset({"a_verified", "b_verified"})
OWN_A = frozenset(INCIDENTS_A)
OWN_B = frozenset(INCIDENTS_B)

# Unpublished figures: the value, and what carries it.
MARKERS: dict[str, int] = {
    "a_draft": 7_770_771,  # killed
    "a_submitted": 7_770_772,  # killed
    "a_rejected": 7_770_773,  # killed
    "a_sd_submitted": 7_770_774,  # people_affected of a submitted outage
    "a_submitted_asset": 7_770_775,  # count of homes damaged by a_submitted
    "a_grain_submitted": 7_770_776,  # grain destroyed (t) by a submitted grain disruption
    "b_draft": 8_880_881,
    "b_submitted": 8_880_882,
    "b_rejected": 8_880_883,
    "b_sd_submitted": 8_880_884,
    "b_submitted_asset": 8_880_885,
}
MARKERS_A = frozenset(name for name in MARKERS if name.startswith("a_"))
MARKERS_B = frozenset(name for name in MARKERS if name.startswith("b_"))
# Submitted (not draft, not rejected) records: what '?unverified=on' may add to figures.
SUBMITTED_MARKERS = frozenset(
    {"a_submitted", "a_sd_submitted", "a_submitted_asset", "b_submitted", "b_sd_submitted"}
    | {"b_submitted_asset"}
)
# The dashboards draw verified grain disruptions only: the submitted one shows by its date.
GRAIN_MARKER_DATE = dt.date(2021, 3, 3)

# Region and date of every incident: one region and one week per unpublished incident.
PLACES = {
    "a_draft": ("UA05", dt.date(2023, 6, 7)),
    "a_submitted": ("UA07", dt.date(2023, 6, 14)),
    "a_verified": ("UA46", dt.date(2023, 8, 16)),
    "a_rejected": ("UA12", dt.date(2023, 6, 21)),
    "b_draft": ("UA18", dt.date(2023, 6, 28)),
    "b_submitted": ("UA21", dt.date(2023, 7, 5)),
    "b_verified": ("UA63", dt.date(2023, 9, 6)),
    "b_rejected": ("UA26", dt.date(2023, 7, 12)),
}
# Figures of the published records, from which every public aggregate follows.
VERIFIED_FIGURES = {
    "a_verified": {"killed": 1, "injured": 3, "children_killed": 0, "children_injured": 1},
    "b_verified": {"killed": 2, "injured": 4, "children_killed": 1, "children_injured": 0},
}


def _marker_pattern(value: int) -> re.Pattern[str]:
    # The number as written in JSON/CSV (7770771) or by intcomma and Python's ``:,``
    # (7,770,771), never as part of a longer word (CSRF tokens, UUIDs, other numbers).
    plain = str(value)
    grouped = f"{value:,}"
    return re.compile(rf"(?<![\w.]){'|'.join(map(re.escape, (plain, grouped)))}(?![\w])")


MARKER_PATTERNS = {name: _marker_pattern(value) for name, value in MARKERS.items()}


def markers_in(text: str) -> set[str]:
    """Which unpublished figures a response body shows."""
    return {name for name, pattern in MARKER_PATTERNS.items() if pattern.search(text)}


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@dataclass
class World:
    incidents: dict[str, Incident]
    disruptions: dict[str, Any]
    grain: dict[str, Any]
    tombstones: dict[str, str] = field(default_factory=dict)  # name -> public id

    def uuid(self, name: str) -> str:
        return str(self.incidents[name].public_id)

    def names(self, public_ids: set[str] | list[str]) -> set[str]:
        by_id = {str(incident.public_id): name for name, incident in self.incidents.items()}
        return {by_id.get(str(public_id), f"?{public_id}") for public_id in public_ids}

    def names_by_pk(self, pks: set[int] | list[int]) -> set[str]:
        by_pk = {incident.pk: name for name, incident in self.incidents.items()}
        return {by_pk.get(pk, f"?{pk}") for pk in pks}


def _status_fields(status: str) -> dict[str, Any]:
    if status == "verified":
        return {"status": "verified", "verified_at": timezone.now()}
    if status == "rejected":
        return {"status": "rejected", "rejection_reason": "Duplicate of another report"}
    return {"status": status}


def build_world(organisation, other_organisation, verifier) -> World:
    incidents: dict[str, Incident] = {}
    for name in INCIDENTS_A + INCIDENTS_B:
        owner = organisation if name.startswith("a_") else other_organisation
        status = name.split("_", 1)[1]
        pcode, day = PLACES[name]
        figures = VERIFIED_FIGURES.get(name) or {"killed": MARKERS[name], "injured": 0}
        incidents[name] = IncidentFactory(
            organisation=owner,
            region=region(pcode),
            occurred_on=day,
            settlement=f"Settlement {name}",
            description=f"Report {name}",
            latitude="49.840000",
            longitude="24.030000",
            **figures,
            **_status_fields(status),
        )
    DamagedAssetFactory(incident=incidents["a_verified"], asset_type="residential", count=5)
    DamagedAssetFactory(incident=incidents["b_verified"], asset_type="health", count=1)
    DamagedAssetFactory(
        incident=incidents["a_submitted"],
        asset_type="residential",
        count=MARKERS["a_submitted_asset"],
    )
    DamagedAssetFactory(
        incident=incidents["b_submitted"],
        asset_type="residential",
        count=MARKERS["b_submitted_asset"],
    )
    SourceFactory(incident=incidents["a_verified"], url="https://example.org/public-report")
    SourceFactory(incident=incidents["a_draft"], url="https://example.org/a-draft-secret")
    SourceFactory(incident=incidents["b_draft"], url="https://example.org/b-draft-secret")

    start = dt.datetime(2023, 8, 16, 4, tzinfo=dt.UTC)
    disruptions = {
        "a_sd_verified": ServiceDisruptionFactory(
            organisation=organisation,
            region=region("UA46"),
            service="water",
            people_affected=1000,
            started_at=start,
            **_status_fields("verified"),
        ),
        "a_sd_submitted": ServiceDisruptionFactory(
            organisation=organisation,
            region=region("UA32"),
            service="electricity",
            people_affected=MARKERS["a_sd_submitted"],
            started_at=start,
            **_status_fields("submitted"),
        ),
        "b_sd_verified": ServiceDisruptionFactory(
            organisation=other_organisation,
            region=region("UA63"),
            service="heating",
            people_affected=2000,
            started_at=start,
            **_status_fields("verified"),
        ),
        "b_sd_submitted": ServiceDisruptionFactory(
            organisation=other_organisation,
            region=region("UA35"),
            service="electricity",
            people_affected=MARKERS["b_sd_submitted"],
            started_at=start,
            **_status_fields("submitted"),
        ),
    }
    grain = {
        "a_grain_verified": GrainDisruptionFactory(
            organisation=organisation,
            port=port("Odesa"),
            started_on=dt.date(2023, 7, 19),
            **_status_fields("verified"),
        ),
        "a_grain_submitted": GrainDisruptionFactory(
            organisation=organisation,
            port=port("Izmail"),
            started_on=GRAIN_MARKER_DATE,
            grain_destroyed_tonnes=MARKERS["a_grain_submitted"],
            **_status_fields("submitted"),
        ),
    }
    world = World(incidents=incidents, disruptions=disruptions, grain=grain)

    # Deletions and withdrawals leave tombstones: public only for published records.
    gone = {
        "t_a_draft_deleted": IncidentFactory(organisation=organisation),
        "t_b_draft_deleted": IncidentFactory(organisation=other_organisation),
        "t_b_verified_deleted": IncidentFactory(
            organisation=other_organisation, **_status_fields("verified")
        ),
    }
    for name, incident in gone.items():
        world.tombstones[name] = str(incident.public_id)
        services.record_delete(record=incident, by=verifier)
    return world


@dataclass
class Cast:
    """The world and the organisations and verifier it was built with."""

    organisation: Organisation
    other_organisation: Organisation
    verifier: User
    world: World


# Modules whose tests now run inside the transaction that holds their shared world.
_MODULES_WITH_A_WORLD: set[str] = set()


@pytest.fixture(scope="module")
def _shared_cast(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[Cast]:
    """The world, built once per module as Django's ``TestCase.setUpTestData`` does: inside
    a transaction left open for the module's tests, each of which runs in a savepoint of
    its own that is rolled back after it, and rolled back after the module's last test."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block._from_testcase = True
        block.__enter__()
        try:
            organisation = make_organisation()
            other_organisation = make_other_organisation()
            verifier = make_verifier(other_organisation)
            world = build_world(organisation, other_organisation, verifier)
        except BaseException:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
            raise
    _MODULES_WITH_A_WORLD.add(request.module.__name__)
    yield Cast(organisation, other_organisation, verifier, world)
    _MODULES_WITH_A_WORLD.discard(request.module.__name__)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        block.__exit__(None, None, None)


@pytest.fixture
def _cast(_shared_cast: Cast) -> Cast:
    # A test may change the objects it is given (refresh_from_db after an update): each
    # test gets copies of its own, as setUpTestData's attributes are copied per test.
    return copy.deepcopy(_shared_cast)


def _uses_world(request: pytest.FixtureRequest) -> bool:
    return "world" in request.fixturenames


@pytest.fixture(autouse=True)
def _world_only_where_asked_for(request: pytest.FixtureRequest) -> None:
    if not _uses_world(request) and request.module.__name__ in _MODULES_WITH_A_WORLD:
        pytest.fail("a test without the world ran after its module built it (see the hook)")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In each module here, the tests that do not ask for the world run first: the world
    stays in the database from the first test that asks for it to the module's end."""
    folder = Path(__file__).parent
    positions: dict[Path, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if item.path.parent == folder:
            positions[item.path].append(index)
    for indexes in positions.values():
        ordered = sorted(
            (items[index] for index in indexes),
            key=lambda item: "world" in getattr(item, "fixturenames", ()),
        )
        for index, item in zip(indexes, ordered, strict=True):
            items[index] = item


@pytest.fixture
def organisation(request: pytest.FixtureRequest) -> Organisation:
    if _uses_world(request):
        return request.getfixturevalue("_cast").organisation
    return make_organisation()


@pytest.fixture
def other_organisation(request: pytest.FixtureRequest) -> Organisation:
    if _uses_world(request):
        return request.getfixturevalue("_cast").other_organisation
    return make_other_organisation()


@pytest.fixture
def verifier(request: pytest.FixtureRequest) -> User:
    if _uses_world(request):
        return request.getfixturevalue("_cast").verifier
    return make_verifier(request.getfixturevalue("other_organisation"))


@pytest.fixture
def world(_cast: Cast) -> World:
    return _cast.world


def api_key_client(
    organisation, scope: str, *, revoked: bool = False, **client_options: Any
) -> APIClient:
    api_key, key = OrganisationAPIKey.objects.create_key(
        name=f"{organisation.slug} {scope}", organisation=organisation, scope=scope
    )
    if revoked:
        api_key.revoked = True
        api_key.save()
    client = APIClient(**client_options)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def actor_client(request, organisation, other_organisation):
    """``actor_client(name)``: a client acting as one of ACTORS (session or API key)."""
    organisations = {"organisation": organisation, "other_organisation": other_organisation}

    def make(actor: str, **client_options: Any) -> APIClient:
        if actor in TOKEN_ACTORS:
            owner, scope, revoked = TOKEN_ACTORS[actor]
            return api_key_client(organisations[owner], scope, revoked=revoked, **client_options)
        client = APIClient(**client_options)
        if actor in SESSION_ACTORS:
            client.force_login(request.getfixturevalue(SESSION_ACTORS[actor]))
        elif actor != "anonymous":
            raise ValueError(actor)
        return client

    return make
