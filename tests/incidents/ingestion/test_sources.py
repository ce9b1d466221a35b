"""Fetching payloads over HTTP from a real server the tests start on 127.0.0.1.

The server answers with the captured ACLED export, server and client errors, a slow
answer, bodies over the size limit and redirects to other schemes. A guard on
``socket.create_connection`` fails any test that tries to reach another address.
"""

from __future__ import annotations

import io
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.core.exceptions import ValidationError

from incidents.ingestion import services, sources
from incidents.models import Feed, Incident, IngestionIssue, IngestionRun
from incidents.tasks import ingestion_run_execute_task
from tests.conftest import celery_through
from tests.incidents.ingestion.payloads import PAYLOADS

ACLED_BODY = (PAYLOADS / "acled_export.csv").read_bytes()
ACLED_SUMMARY = "created=11 updated=0 unchanged=0 rejected=4 skipped=2 warnings=1"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _send(handler: BaseHTTPRequestHandler, body: bytes, *, sized: bool = True) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/csv")
    if sized:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(handler: BaseHTTPRequestHandler, location: str) -> None:
    handler.send_response(302)
    handler.send_header("Location", location)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _slow(handler: BaseHTTPRequestHandler) -> None:
    # Longer than the client's timeout; the test's teardown releases it early.
    handler.server.release.wait(5)  # type: ignore[attr-defined]
    _send(handler, ACLED_BODY)


def _flaky(handler: BaseHTTPRequestHandler) -> None:
    server = handler.server
    if server.hits.count("/flaky") <= server.failures_before_success:  # type: ignore[attr-defined]
        handler.send_error(503)
    else:
        _send(handler, ACLED_BODY)


ROUTES: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {
    "/acled.csv": lambda handler: _send(handler, ACLED_BODY),
    "/error": lambda handler: handler.send_error(500),
    "/flaky": _flaky,
    "/slow": _slow,
    "/big": lambda handler: _send(handler, b"x" * 5000),
    "/big-unsized": lambda handler: _send(handler, b"x" * 5000, sized=False),
    "/to-acled": lambda handler: _redirect(handler, "/acled.csv"),
    "/to-file": lambda handler: _redirect(handler, "file:///etc/passwd"),
    "/to-ftp": lambda handler: _redirect(handler, "ftp://127.0.0.1:9/acled.csv"),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        route = ROUTES.get(self.path)
        if route is None:
            self.send_error(404)
        else:
            route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: list[str] = []
        self.release = threading.Event()
        self.failures_before_success = 1

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def handle_error(self, request: object, client_address: object) -> None:
        # The slow route writes to a client that gave up waiting: expected, not news.
        pass


@pytest.fixture(autouse=True)
def only_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    connect = socket.create_connection

    def guarded(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert address[0] == "127.0.0.1", f"a test tried to reach {address}"
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url_run(url: str, **extra: object) -> IngestionRun:
    return services.ingestion_run_create(
        location=url, format="acled", trigger=IngestionRun.Trigger.MANUAL, **extra
    )


def state(run: IngestionRun) -> tuple[object, ...]:
    run.refresh_from_db()
    counts = (run.rows_seen, run.created, run.updated, run.unchanged, run.rejected, run.skipped)
    return run.status, run.error, run.attempts, bool(run.payload), counts


def nothing_written() -> bool:
    return not Incident.objects.exists() and not IngestionIssue.objects.exists()


def stored_payloads(media: Path) -> list[str]:
    folder = media / "ingestion"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# -- success ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_url_run_ingests_the_served_rows_and_records_the_url(server, media) -> None:
    url = server.url("/acled.csv")
    run = url_run(url)

    services.ingestion_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.location == url
    assert run.external_source == "acled"
    assert run.status == IngestionRun.Status.SUCCEEDED
    assert run.error == ""
    assert run.attempts == 1
    assert run.rows_seen == 17
    assert run.summary.startswith(ACLED_SUMMARY + " rows/s=")
    assert run.payload.name == f"ingestion/{run.public_id}.payload"
    assert (media / run.payload.name).read_bytes() == ACLED_BODY
    assert server.hits == ["/acled.csv"]
    assert Incident.objects.filter(external_source="acled", last_ingestion_run=run).count() == 11
    assert sorted(run.issues.values_list("row_number", "level")) == [
        (10, "skipped"),
        (11, "skipped"),
        (13, "warning"),
        (14, "rejected"),
        (16, "rejected"),
        (17, "rejected"),
        (18, "rejected"),
    ]


@pytest.mark.django_db
def test_redirect_to_another_http_path_is_followed(server, media) -> None:
    run = url_run(server.url("/to-acled"))

    services.ingestion_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == IngestionRun.Status.SUCCEEDED
    assert run.location == server.url("/to-acled")
    assert (run.created, run.rejected, run.skipped) == (11, 4, 2)
    assert server.hits == ["/to-acled", "/acled.csv"]


def test_fetch_url_returns_the_number_of_bytes_copied(server) -> None:
    target = io.BytesIO()

    size = sources.fetch_url(server.url("/acled.csv"), target, timeout=5, max_bytes=10**6)

    assert size == len(ACLED_BODY)
    assert target.getvalue() == ACLED_BODY


# -- transient errors -----------------------------------------------------------------------


@pytest.mark.django_db
def test_server_error_puts_the_run_back_in_the_queue(server, media) -> None:
    url = server.url("/error")
    run = url_run(url)

    with pytest.raises(sources.TransientSourceError) as raised:
        services.ingestion_run_execute(run_id=run.pk)

    message = f"{url} answered 500 Internal Server Error."
    assert str(raised.value) == message
    assert state(run) == ("queued", message, 1, False, (0, 0, 0, 0, 0, 0))
    assert run.finished_at is None
    assert nothing_written()
    assert stored_payloads(media) == []


@pytest.mark.django_db
def test_timeout_is_transient(server, media, settings) -> None:
    settings.INGESTION_FETCH_TIMEOUT = 0.2
    url = server.url("/slow")
    run = url_run(url)

    with pytest.raises(sources.TransientSourceError) as raised:
        services.ingestion_run_execute(run_id=run.pk)

    assert str(raised.value).startswith(f"{url} could not be reached: ")
    assert "timed out" in str(raised.value)
    assert state(run) == ("queued", str(raised.value), 1, False, (0, 0, 0, 0, 0, 0))
    assert nothing_written()


@pytest.mark.django_db
def test_task_gives_up_at_once_when_no_retries_are_allowed(server, media, settings) -> None:
    settings.INGESTION_FETCH_RETRIES = 0
    url = server.url("/error")
    run = url_run(url)

    assert ingestion_run_execute_task.delay(run.pk).get() == "failed"

    error = f"Gave up after retries: {url} answered 500 Internal Server Error."
    assert server.hits == ["/error"]
    assert state(run) == ("failed", error, 1, False, (0, 0, 0, 0, 0, 0))
    assert run.finished_at >= run.started_at
    assert nothing_written()


@pytest.fixture
def as_worker():
    """Call the task the way a worker does (not eagerly), so ``self.retry`` schedules a retry
    and raises ``Retry``; the retry message goes to an in-memory broker and is dropped."""

    def call(run_id: int, *, retries: int = 0) -> str:
        task = ingestion_run_execute_task
        task.push_request(
            id=str(uuid.uuid4()), args=[run_id], kwargs={}, retries=retries, called_directly=False
        )
        try:
            return task.run(run_id)
        finally:
            task.pop_request()

    with celery_through("memory://"):
        yield call


@pytest.mark.django_db
def test_task_retries_with_backoff_then_fails_the_run(server, media, settings, as_worker) -> None:
    settings.INGESTION_FETCH_RETRIES = 2
    url = server.url("/error")
    message = f"{url} answered 500 Internal Server Error."
    run = url_run(url)

    with pytest.raises(Retry) as first:
        as_worker(run.pk)
    assert first.value.when == 30
    assert state(run) == ("queued", message, 1, False, (0, 0, 0, 0, 0, 0))

    with pytest.raises(Retry) as second:
        as_worker(run.pk, retries=1)
    assert second.value.when == 60
    assert state(run) == ("queued", message, 2, False, (0, 0, 0, 0, 0, 0))

    assert as_worker(run.pk, retries=2) == "failed"
    assert server.hits == ["/error"] * 3
    assert state(run) == ("failed", f"Gave up after retries: {message}", 3, False, (0,) * 6)
    assert run.finished_at >= run.started_at
    assert nothing_written()


@pytest.mark.django_db
def test_eager_mode_has_no_worker_to_retry_so_the_run_fails_at_once(server, media, settings):
    settings.INGESTION_FETCH_RETRIES = 5
    url = server.url("/error")
    run = url_run(url)

    assert ingestion_run_execute_task.delay(run.pk).get() == "failed"
    assert state(run)[:3] == (
        "failed",
        f"Gave up after retries: {url} answered 500 Internal Server Error.",
        1,
    )


@pytest.mark.django_db
def test_task_retry_succeeds_when_the_server_recovers(server, media, settings, as_worker) -> None:
    settings.INGESTION_FETCH_RETRIES = 2
    run = url_run(server.url("/flaky"))

    with pytest.raises(Retry):
        as_worker(run.pk)
    assert state(run)[:3] == (
        "queued",
        f"{server.url('/flaky')} answered 503 Service Unavailable.",
        1,
    )

    assert as_worker(run.pk, retries=1).startswith(f"succeeded: {ACLED_SUMMARY} rows/s=")
    assert server.hits == ["/flaky", "/flaky"]
    assert state(run) == ("succeeded", "", 2, True, (17, 11, 0, 0, 4, 2))
    assert Incident.objects.count() == 11


@pytest.mark.django_db
def test_feed_that_gives_up_after_retries_gets_an_alert(server, media, settings, as_worker):
    settings.INGESTION_FETCH_RETRIES = 1
    url = server.url("/error")
    feed = Feed.objects.create(name="ACLED live", slug="acled-live", format="acled", url=url)
    run = services.ingestion_run_for_feed(feed=feed, trigger=IngestionRun.Trigger.MANUAL)

    with pytest.raises(Retry):
        as_worker(run.pk)
    feed.refresh_from_db()
    assert feed.alert == ""  # a transient error is not worth an alert yet

    assert as_worker(run.pk, retries=1) == "failed"

    error = f"Gave up after retries: {url} answered 500 Internal Server Error."
    feed.refresh_from_db()
    assert feed.alert == f"Last run failed: {error}"
    assert state(run)[:3] == ("failed", error, 2)


# -- permanent errors -----------------------------------------------------------------------


@pytest.mark.django_db
def test_not_found_fails_the_run(server, media) -> None:
    url = server.url("/gone")
    run = url_run(url)

    returned = services.ingestion_run_execute(run_id=run.pk)

    message = f"{url} answered 404 Not Found."
    assert returned.status == IngestionRun.Status.FAILED
    assert state(run) == ("failed", message, 1, False, (0, 0, 0, 0, 0, 0))
    assert run.finished_at >= run.started_at
    assert nothing_written()
    assert server.hits == ["/gone"]


@pytest.mark.django_db
def test_not_found_fails_the_task_without_retrying(server, media, settings) -> None:
    settings.INGESTION_FETCH_RETRIES = 3
    run = url_run(server.url("/gone"))

    assert ingestion_run_execute_task.delay(run.pk).get().startswith("failed: created=0")

    assert server.hits == ["/gone"]
    assert state(run)[:3] == ("failed", f"{server.url('/gone')} answered 404 Not Found.", 1)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/big", "/big-unsized"])
def test_body_over_the_limit_fails_the_run(server, media, settings, path) -> None:
    settings.INGESTION_MAX_BYTES = 1000
    url = server.url(path)
    run = url_run(url)

    services.ingestion_run_execute(run_id=run.pk)

    message = f"{url} is larger than the limit of 1,000 bytes."
    assert state(run) == ("failed", message, 1, False, (0, 0, 0, 0, 0, 0))
    assert nothing_written()
    assert stored_payloads(media) == []


def test_fetch_url_stops_copying_at_the_limit(server) -> None:
    target = io.BytesIO()

    with pytest.raises(sources.SourceError, match="larger than the limit of 4,096 bytes"):
        sources.fetch_url(server.url("/big-unsized"), target, timeout=5, max_bytes=4096)

    assert target.getvalue() == b""  # the first chunk read is already over the limit


# -- schemes other than http(s) -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "FILE:///etc/passwd", "ftp://127.0.0.1:9/acled.csv"]
)
def test_other_schemes_are_refused_when_the_run_is_created(location) -> None:
    with pytest.raises(ValidationError) as raised:
        url_run(location)

    assert raised.value.message_dict == {"location": ["Only http and https URLs can be fetched."]}
    assert not IngestionRun.objects.exists()


@pytest.mark.parametrize(
    ("location", "scheme"), [("file:///etc/passwd", "file"), ("ftp://127.0.0.1:9/x", "ftp")]
)
def test_store_payload_refuses_other_schemes(location, scheme) -> None:
    target = io.BytesIO()

    with pytest.raises(sources.SourceError) as raised:
        sources.store_payload(location, target)

    assert type(raised.value) is sources.SourceError
    assert str(raised.value) == f"Only http and https URLs can be fetched, not {scheme} scheme."
    assert target.getvalue() == b""


@pytest.mark.django_db
def test_run_saved_with_a_file_url_fails_without_reading_it(media) -> None:
    run = IngestionRun.objects.create(
        format="acled", external_source="acled", location="file:///etc/passwd", trigger="manual"
    )

    services.ingestion_run_execute(run_id=run.pk)

    message = "Only http and https URLs can be fetched, not file scheme."
    assert state(run) == ("failed", message, 1, False, (0, 0, 0, 0, 0, 0))
    assert stored_payloads(media) == []


@pytest.mark.django_db
def test_redirect_to_a_file_url_is_refused(server, media) -> None:
    url = server.url("/to-file")
    run = url_run(url)

    services.ingestion_run_execute(run_id=run.pk)

    # urllib itself refuses to follow a redirect to file:, before the app's own check.
    message = f"{url} answered 302 Found - Redirection to url 'file:///etc/passwd' is not allowed."
    assert state(run) == ("failed", message, 1, False, (0, 0, 0, 0, 0, 0))
    assert stored_payloads(media) == []
    assert nothing_written()
    assert server.hits == ["/to-file"]


@pytest.mark.django_db
def test_redirect_to_an_ftp_url_is_refused(server, media) -> None:
    run = url_run(server.url("/to-ftp"))

    services.ingestion_run_execute(run_id=run.pk)

    message = "Only http and https URLs can be fetched, not ftp scheme."
    assert state(run) == ("failed", message, 1, False, (0, 0, 0, 0, 0, 0))
    assert server.hits == ["/to-ftp"]
    assert nothing_written()


# -- server-side request forgery ----------------------------------------------------------


@pytest.mark.django_db
def test_private_addresses_are_refused_when_not_allowed(server, media, settings) -> None:
    settings.INGESTION_ALLOW_PRIVATE_ADDRESSES = False
    run = url_run(server.url("/acled.csv"))

    services.ingestion_run_execute(run_id=run.pk)

    message = (
        "Feeds may not fetch from private, loopback or reserved addresses (127.0.0.1); "
        "set INGESTION_ALLOW_PRIVATE_ADDRESSES to allow it."
    )
    assert state(run) == ("failed", message, 1, False, (0, 0, 0, 0, 0, 0))
    # The connection is dropped before a request is sent.
    assert server.hits == []
    assert nothing_written()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata services
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1%eth0",
        "fd00::1",
        "::ffff:127.0.0.1",
    ],
)
def test_internal_addresses_are_recognised(address: str) -> None:
    with pytest.raises(sources.SourceError, match="private, loopback or reserved"):
        sources._check_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    sources._check_address(address)
