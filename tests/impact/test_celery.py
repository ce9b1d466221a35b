"""Celery delivers work through Redis with the settings production relies on."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from impact.celery import app
from tests.conftest import celery_through, redis_test_url, skip_or_fail

received: dict[str, threading.Event] = {}


@app.task(name="tests.mark_received")
def mark_received(token: str) -> str:
    received[token].set()
    return token


@pytest.fixture
def redis_url() -> str:
    url = redis_test_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail(f"Redis is not reachable at {url}")
    return url


@pytest.fixture
def redis_app(redis_url):
    with celery_through(redis_url) as redis_app:
        yield redis_app


def test_reliability_settings_are_applied():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert options["unacked_restore_interval"] == 2


def test_tasks_run_eagerly_in_tests_unless_a_worker_is_started():
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    token = uuid.uuid4().hex
    received[token] = threading.Event()
    assert mark_received.delay(token).get() == token


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_travels_through_redis_to_a_worker(redis_app):
    token = uuid.uuid4().hex
    received[token] = threading.Event()
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        mark_received.delay(token)
        assert received[token].wait(timeout=20), "the worker never ran the task"
