"""Without the database every surface answers a clear 503 in its own format, and recovers.

The app runs under gunicorn (as in production: persistent, health-checked connections) on
a PostgreSQL cluster this module creates with initdb in a temporary folder, on a free port;
the test stops and restarts that cluster, never the shared one.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import OperationalError
from django.test import Client

from tests.impact.own_servers import PostgresCluster, free_port, wait_for_port
from tests.impact.test_settings import ROOT, run_manage

pytestmark = pytest.mark.slow


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class App:
    cluster: PostgresCluster
    port: int

    def get(self, path: str, **headers: str) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read().decode()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        finally:
            connection.close()


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    cluster = PostgresCluster()
    try:
        cluster.create()
        cluster.start()
        environment = {
            "DJANGO_SETTINGS_MODULE": "impact.settings.local",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": cluster.url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "CACHE_URL": "locmemcache://",
            "CELERY_BROKER_URL": "",
            "DASHBOARDS_PUBLIC": "true",
            "LOG_LEVEL": "ERROR",
        }
        migrated = run_manage("migrate", "--no-input", **environment)
        assert migrated.returncode == 0, migrated.stderr
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "impact.wsgi"],
            cwd=ROOT,
            env={**_without_django_settings(), **environment},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, timeout=60)
            yield App(cluster, port)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        cluster.close()


def _without_django_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}


def _assert_api_outage(answer: Answer) -> None:
    assert answer.status == 503
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["retry-after"] == "30"
    assert answer.json() == {
        "detail": "The service is temporarily unavailable: its database cannot be reached. "
        "Please try again in a minute."
    }


def _assert_page_outage(answer: Answer) -> None:
    assert answer.status == 503
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["retry-after"] == "30"
    assert "<h1>Temporarily unavailable</h1>" in answer.body


def test_without_the_database_every_surface_answers_503_and_recovers(app):
    assert app.get("/api/v1/regions/").status == 200
    assert app.get("/dashboards/").status == 200
    assert app.get("/readyz").json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }

    app.cluster.stop()
    for path in ("/api/v1/regions/", "/api/v1/incidents/?format=csv", "/api/v1/summary/"):
        _assert_api_outage(app.get(path))
    for path in ("/dashboards/", "/dashboards/regions/UA46/", "/dashboards/grain/"):
        _assert_page_outage(app.get(path))
    # A signed-in reader's session is looked up in the database.
    _assert_page_outage(app.get("/admin/", Cookie="sessionid=" + "a1" * 16))
    ukrainian = app.get("/dashboards/", **{"Accept-Language": "uk"})
    assert ukrainian.status == 503
    assert '<html lang="uk">' in ukrainian.body
    assert "<h1>Тимчасово недоступно</h1>" in ukrainian.body
    readiness = app.get("/readyz")
    assert (readiness.status, readiness.json()) == (
        503,
        {"status": "unavailable", "database": "failed", "cache": "ok", "broker": "ok"},
    )
    assert app.get("/healthz").status == 200  # alive: restarting it would not help

    app.cluster.start()
    regions = app.get("/api/v1/regions/")
    assert (regions.status, regions.json()["count"]) == (200, 27)  # type: ignore[index]
    assert app.get("/dashboards/").status == 200
    assert app.get("/readyz").json()["status"] == "ok"  # type: ignore[index]


@pytest.mark.django_db
def test_a_database_outage_outside_any_view_is_a_503_too(monkeypatch):
    """handler500's part: here the session middleware fails while saving the session."""
    from django.contrib.sessions.middleware import SessionMiddleware

    def fail(self, request, response):
        raise OperationalError("connection refused")

    monkeypatch.setattr(SessionMiddleware, "process_response", fail)
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/regions/")
    page = client.get("/dashboards/")
    assert (api.status_code, api.json()["detail"][:35]) == (
        503,
        "The service is temporarily unavaila",
    )
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert b"Temporarily unavailable" in page.content


@pytest.mark.django_db
def test_other_database_errors_stay_server_errors(monkeypatch):
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.db import IntegrityError

    def fail(self, request, response):
        raise IntegrityError("a bug, not an outage")

    monkeypatch.setattr(SessionMiddleware, "process_response", fail)
    assert Client(raise_request_exception=False).get("/api/v1/regions/").status_code == 500
