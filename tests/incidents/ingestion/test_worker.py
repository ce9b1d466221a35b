"""Ingestion through a real Redis broker and real Celery worker processes.

The worker is a separate process that shares the test database, so these tests need
PostgreSQL (an in-memory SQLite test database is invisible to another process).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from incidents.ingestion import services
from incidents.models import Incident, IngestionRun
from incidents.tasks import ingestion_run_execute_task
from tests.conftest import celery_through, redis_test_url, skip_or_fail
from tests.incidents.ingestion.acled_rows import write_acled_csv

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = redis_test_url()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def broker() -> Iterator[str]:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}")
    if connection.vendor != "postgresql":
        skip_or_fail("a worker process needs PostgreSQL to share the test database")
    # This Redis database belongs to this test process: start from an empty queue.
    client.flushdb()
    with celery_through(REDIS_URL):
        yield REDIS_URL
    client.flushdb()


def start_worker(
    tmp_path: Path, name: str, pool: str = "solo", **env: str
) -> subprocess.Popen[bytes]:
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "impact.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": REDIS_URL,
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "impact", "worker", f"--pool={pool}"]
    if pool == "prefork":
        command.append("--concurrency=1")
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [*command, f"--hostname={name}@%h", "--loglevel=INFO"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


def run_status(run: IngestionRun) -> IngestionRun:
    return IngestionRun.objects.get(pk=run.pk)


def test_worker_ingests_a_queued_run(broker, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    payload = write_acled_csv(tmp_path / "acled.csv", 300)
    run = services.ingestion_run_create(location=str(payload), format="acled", trigger="manual")
    worker = start_worker(tmp_path, "worker-one")
    try:
        ingestion_run_execute_task.delay(run.pk)
        wait_for(lambda: run_status(run).status == "succeeded", seconds=60, what="the run")
    finally:
        stop(worker)
    run = run_status(run)
    assert (run.rows_seen, run.created, run.rejected) == (300, 300, 0)
    assert Incident.objects.filter(external_source="acled").count() == 300


def test_a_prefork_worker_parses_in_a_process_of_its_own(broker, tmp_path, settings):
    """Pool workers are daemonic processes: the parser process must start from them too."""
    settings.MEDIA_ROOT = tmp_path / "media"
    payload = write_acled_csv(tmp_path / "acled.csv", 300)
    run = services.ingestion_run_create(location=str(payload), format="acled", trigger="manual")
    worker = start_worker(
        tmp_path, "worker-prefork", pool="prefork", INGESTION_PARSER_PROCESS_BYTES="0"
    )
    try:
        ingestion_run_execute_task.delay(run.pk)
        wait_for(lambda: run_status(run).status in ("succeeded", "failed"), seconds=60, what="run")
    finally:
        stop(worker)
    run = run_status(run)
    assert (run.status, run.error) == ("succeeded", "")
    assert (run.rows_seen, run.created, run.rejected) == (300, 300, 0)


def test_killed_worker_loses_nothing_and_duplicates_nothing(broker, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = 20_000
    payload = write_acled_csv(tmp_path / "acled.csv", rows)
    run = services.ingestion_run_create(location=str(payload), format="acled", trigger="manual")
    # Short timeouts so the message and the run come back within the test.
    fast_recovery = {
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "INGESTION_STALE_AFTER_SECONDS": "3",
        "INGESTION_BATCH_SIZE": "250",
    }
    first = start_worker(tmp_path, "worker-killed", **fast_recovery)
    try:
        ingestion_run_execute_task.delay(run.pk)
        wait_for(lambda: run_status(run).rows_seen >= 2_000, seconds=90, what="progress")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    interrupted = run_status(run)
    assert interrupted.status == "running"
    assert 0 < interrupted.rows_seen < rows
    time.sleep(4)  # let the killed run's heartbeat go stale

    second = start_worker(tmp_path, "worker-new", **fast_recovery)
    try:
        wait_for(lambda: run_status(run).status == "succeeded", seconds=120, what="the resume")
    finally:
        stop(second)
    run = run_status(run)
    assert (run.rows_seen, run.created, run.updated, run.unchanged) == (rows, rows, 0, 0)
    assert run.attempts == 2
    incidents = Incident.objects.filter(external_source="acled")
    assert incidents.count() == rows
    assert incidents.values("external_id").distinct().count() == rows


def _pool_children(worker: subprocess.Popen[bytes]) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    if not children.exists():
        pytest.skip("needs /proc to find the worker's pool process")
    return [int(pid) for pid in children.read_text().split()]


def test_a_run_whose_pool_process_was_killed_resumes_at_once(broker, tmp_path, settings):
    """An out-of-memory kill of the pool process: the task comes back to the same worker,
    which takes the run over at once (same task), not after the run goes stale."""
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = 20_000
    payload = write_acled_csv(tmp_path / "acled.csv", rows)
    run = services.ingestion_run_create(location=str(payload), format="acled", trigger="manual")
    # Going stale would take far longer than the test waits for the resume.
    worker = start_worker(
        tmp_path,
        "worker-prefork-kill",
        pool="prefork",
        INGESTION_STALE_AFTER_SECONDS="3600",
        INGESTION_BATCH_SIZE="250",
        INGESTION_PARSER_PROCESS_BYTES="100000000",
    )
    try:
        ingestion_run_execute_task.delay(run.pk)
        wait_for(lambda: run_status(run).rows_seen >= 1_000, seconds=90, what="progress")
        for child in _pool_children(worker):
            os.kill(child, signal.SIGKILL)
        wait_for(lambda: run_status(run).status == "succeeded", seconds=90, what="the resume")
    finally:
        stop(worker)
    run = run_status(run)
    assert (run.rows_seen, run.created, run.updated, run.unchanged) == (rows, rows, 0, 0)
    assert run.attempts == 2
    assert Incident.objects.filter(external_source="acled").count() == rows
