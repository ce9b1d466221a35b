"""Shared fixtures. Under CI=true the suite must run on PostgreSQL and reach Redis."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import kombu.pools
import pytest
from celery import Celery
from django.core.cache import cache
from django.db import connection, connections
from django.test.testcases import QuietWSGIRequestHandler
from pytest_django import DjangoDbBlocker

from accounts import roles
from accounts.models import Organisation, User
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


# Redis has databases 0 to 15 unless configured otherwise.
REDIS_DATABASES = 16


def redis_test_url() -> str:
    """A Redis database that this test process may fill and empty as it likes.

    It is the database of CELERY_BROKER_URL (15 when that is not a redis:// URL). Under
    pytest-xdist, worker gwN takes the N-th database after it instead (or before it, when
    the numbers run out), so that parallel processes never empty each other's queues.
    """
    base = os.environ.get("CELERY_BROKER_URL", "")
    if not base.startswith("redis://"):
        base = "redis://127.0.0.1:6379/15"
    parts = urlsplit(base)
    first = int(parts.path.strip("/") or 0)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    number = first + worker if first + worker < REDIS_DATABASES else first - worker
    if number < 0:
        pytest.fail(f"no Redis database is left for test process {worker}: use fewer")
    return parts._replace(path=f"/{number}").geturl()


def skip_or_fail(reason: str) -> None:
    """A test that needs a service skips on a laptop without it, but fails under CI."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Cached figures and rate-limit counters must not leak from one test into the next.
    cache.clear()


PROCESS_DATABASE_URL = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """The test database, and a copy of it as migrations left it when some test runs
    ``manage.py`` in another process (see ``process_database_url``).

    The copy is taken here, before any test has written to the test database or a
    transactional test has emptied it, so that the test database is built from the
    migrations once per run.
    """
    wanted = any(
        "process_database_url" in getattr(item, "fixturenames", ())
        for item in request.session.items
    )
    if not wanted:
        yield
        return
    with django_db_blocker.unblock():
        request.config.stash[PROCESS_DATABASE_URL] = _copy_test_database(tmp_path_factory)
    yield
    if connection.vendor != "sqlite":
        with django_db_blocker.unblock():
            connection.creation.destroy_test_db(verbosity=0, suffix="process")


def _copy_test_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a copy of the test database that another process can open."""
    if connection.vendor == "sqlite":
        # The test database is in memory: write it out to a file.
        path = tmp_path_factory.mktemp("process-database") / "db.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return f"sqlite:///{path}"
    if connection.vendor != "postgresql":
        raise NotImplementedError(f"cannot copy a {connection.vendor} test database")
    connection.creation.clone_test_db(suffix="process", verbosity=0)
    clone = connection.creation.get_test_db_clone_settings("process")
    user = quote(clone["USER"] or "", safe="")
    password = f":{quote(clone['PASSWORD'], safe='')}" if clone["PASSWORD"] else ""
    host = quote(clone["HOST"] or "127.0.0.1", safe="")
    port = clone["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{clone['NAME']}"


@pytest.fixture(scope="session")
def process_database_url(request: pytest.FixtureRequest, django_db_setup: None) -> str:
    """A database for ``manage.py`` run in another process: a copy of the test database
    as the migrations built it. The test database itself is out of its reach (in memory
    with SQLite, and inside each test's transaction)."""
    return request.config.stash[PROCESS_DATABASE_URL]


@pytest.fixture(scope="session", autouse=True)
def _ci_uses_real_services(django_db_setup: None) -> None:
    if IN_CI and connection.vendor != "postgresql":
        pytest.exit("CI=true but the tests are not running on PostgreSQL (set DATABASE_URL)", 3)


DATABASE_BLOCKER = pytest.StashKey[DjangoDbBlocker]()


@pytest.fixture(scope="session", autouse=True)
def _database_blocker_for_hooks(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> None:
    request.config.stash[DATABASE_BLOCKER] = django_db_blocker


def empties_the_tables(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a TransactionTestCase, which ends by emptying
    every table (the same test as pytest-django's own ordering)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


def reloads_the_migrated_rows(item: pytest.Item) -> bool:
    """Whether the test asks for ``serialized_rollback``: then the tables are left empty
    after it (with it, no post_migrate handler writes content types back)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("serialized_rollback"):
        return True
    return "django_db_serialized_rollback" in getattr(item, "fixturenames", ())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After transactional tests, the rows the migrations wrote (regions, ports, the
    content types) are loaded back before the next test that does not load them itself.

    A transactional test ends by emptying every table. One process running the whole suite
    runs them after all the other database tests (pytest-django orders them so), but with
    the suite spread over processes one file at a time (pytest-xdist), a process may go on
    to another file's tests after them. The rows come from the same copy that a
    ``serialized_rollback`` test loads at its start; every transactional test here asks
    for it.
    """
    result = yield
    if (
        nextitem is not None
        and empties_the_tables(item)
        and reloads_the_migrated_rows(item)
        and not empties_the_tables(nextitem)
    ):
        blocker = item.config.stash.get(DATABASE_BLOCKER, None)
        if blocker is not None:
            with blocker.unblock():
                for each in connections.all():
                    rows = getattr(each, "_test_serialized_contents", None)
                    if rows:
                        each.creation.deserialize_db_from_string(rows)
    return result


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a parallel run, the files go out in this order, each whole to one process: those
    with slow tests first, then the others, largest first. A slow file started last would
    keep one process working long after the others have run out of files.

    Every process collects the same list and orders it the same way, as pytest-xdist
    requires. A serial run keeps pytest-django's order.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    by_file: dict[Path, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(item.path, []).append(item)

    def first_out(path: Path) -> tuple[bool, int]:
        tests = by_file[path]
        return not any(test.get_closest_marker("slow") for test in tests), -len(tests)

    items[:] = [item for path in sorted(by_file, key=first_out) for item in by_file[path]]


def make_organisation() -> Organisation:
    return OrganisationFactory(name="Lviv Relief", slug="lviv-relief", acronym="LR")


def make_other_organisation() -> Organisation:
    return OrganisationFactory(name="Kharkiv Aid", slug="kharkiv-aid", acronym="KA")


def make_verifier(other_organisation: Organisation) -> User:
    return UserFactory(username="verifier", organisation=other_organisation, role=roles.VERIFIER)


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def other_organisation():
    return make_other_organisation()


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
    return make_verifier(other_organisation)


@pytest.fixture
def analyst():
    return UserFactory(username="analyst", organisation=None, role=roles.ANALYST)


@pytest.fixture
def superuser():
    return UserFactory(username="root", organisation=None, is_superuser=True)
