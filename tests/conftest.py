"""Shared fixtures. Under CI=true the suite must run on PostgreSQL and reach Redis."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import pytest
from celery import Celery
from django.core.cache import cache
from django.db import connection
from django.test.testcases import QuietWSGIRequestHandler

from accounts import roles
from impact.celery import app
from tests.factories import OrganisationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# The live server writes a response's headers and its body in separate sends: with Nagle's
# algorithm on, a client that keeps the connection open (schemathesis, Chromium) waits for
# its own delayed ACK before the body comes, some 40 ms a request. Gunicorn, which serves
# the app in production, turns Nagle's algorithm off as well.
QuietWSGIRequestHandler.disable_nagle_algorithm = True


@contextmanager
def celery_through(broker_url: str) -> Iterator[Celery]:
    """Send tasks through a real broker for the duration, then go back to eager mode.

    Celery caches its connection and producer pools, so they are dropped on each switch:
    otherwise tasks would still go to the previous broker. And Celery prefers the
    CELERY_BROKER_URL environment variable to ``broker_url``, but not to the read and
    write URLs, so those are set.
    """
    keys = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager")
    saved = {key: app.conf.get(key) for key in keys}

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None
        kombu.pools.reset()

    app.conf.update(
        broker_url=broker_url,
        broker_read_url=broker_url,
        broker_write_url=broker_url,
        task_always_eager=False,
    )
    reset_pools()
    try:
        yield app
    finally:
        app.conf.update(saved)
        reset_pools()


def skip_or_fail(reason: str) -> None:
    """A test that needs a service skips on a laptop without it, but fails under CI."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Cached figures and rate-limit counters must not leak from one test into the next.
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _ci_uses_real_services(django_db_setup: None) -> None:
    if IN_CI and connection.vendor != "postgresql":
        pytest.exit("CI=true but the tests are not running on PostgreSQL (set DATABASE_URL)", 3)


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Lviv Relief", slug="lviv-relief", acronym="LR")


@pytest.fixture
def other_organisation():
    return OrganisationFactory(name="Kharkiv Aid", slug="kharkiv-aid", acronym="KA")


@pytest.fixture
def reporter(organisation):
    return UserFactory(username="reporter", organisation=organisation, role=roles.REPORTER)


@pytest.fixture
def other_reporter(other_organisation):
    return UserFactory(
        username="other_reporter", organisation=other_organisation, role=roles.REPORTER
    )


@pytest.fixture
def verifier(other_organisation):
    return UserFactory(username="verifier", organisation=other_organisation, role=roles.VERIFIER)


@pytest.fixture
def analyst():
    return UserFactory(username="analyst", organisation=None, role=roles.ANALYST)


@pytest.fixture
def superuser():
    return UserFactory(username="root", organisation=None, is_superuser=True)
