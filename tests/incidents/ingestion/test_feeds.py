"""Feeds on a schedule: which are due, what their runs write, health alerts, stuck runs."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.ingestion import services
from incidents.models import Feed, Incident, IngestionIssue, IngestionRun
from incidents.tasks import feeds_dispatch_due_task, ingestion_runs_requeue_stuck_task
from tests.incidents.ingestion.payloads import PAYLOADS

NOW = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
ACLED_BYTES = (PAYLOADS / "acled_export.csv").read_bytes()
ACLED_HEADER_ONLY = ACLED_BYTES.split(b"\n", 1)[0] + b"\n"
ACLED_COUNTS = (17, 11, 0, 0, 4, 2, 1)

pytestmark = pytest.mark.django_db


def sent_tasks(callbacks: list) -> list:
    """The on-commit callbacks that send a Celery task (the others refresh cached figures)."""
    return [callback for callback in callbacks if isinstance(callback, functools.partial)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def make_feed(slug: str, *, content: bytes = ACLED_BYTES, **fields: object) -> Feed:
    fields = {"format": "acled", "schedule_minutes": 60, **fields}
    feed = Feed(name=slug.replace("-", " ").title(), slug=slug, **fields)
    feed.upload.save(f"{slug}.csv", ContentFile(content), save=False)
    feed.save()
    return feed


def replace_upload(feed: Feed, content: bytes) -> None:
    feed.upload.save(f"{feed.slug}.csv", ContentFile(content), save=True)


def make_run(feed: Feed | None = None, **fields: object) -> IngestionRun:
    values = {
        "feed": feed,
        "format": "acled",
        "external_source": feed.slug if feed else "acled",
        "location": "somewhere.csv",
        "trigger": IngestionRun.Trigger.SCHEDULE,
        **fields,
    }
    return IngestionRun.objects.create(**values)


def counts(run: IngestionRun) -> tuple[int, ...]:
    run.refresh_from_db()
    return (
        run.rows_seen,
        run.created,
        run.updated,
        run.unchanged,
        run.rejected,
        run.skipped,
        run.warnings,
    )


def run_feed(feed: Feed) -> IngestionRun:
    run = services.ingestion_run_for_feed(feed=feed, trigger=IngestionRun.Trigger.MANUAL)
    services.ingestion_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def alert_of(feed: Feed) -> str:
    feed.refresh_from_db()
    return feed.alert


# -- which feeds are due --------------------------------------------------------------------


def test_feeds_due_creates_one_run_per_due_feed_and_schedules_the_next(media) -> None:
    due = [
        make_feed("never-run", next_run_at=None),
        make_feed("due-now", schedule_minutes=15, next_run_at=NOW),
        make_feed("overdue", schedule_minutes=1440, next_run_at=NOW - dt.timedelta(days=1)),
    ]
    make_run(due[2], status=IngestionRun.Status.SUCCEEDED)
    make_run(due[2], status=IngestionRun.Status.FAILED)
    not_due = [
        make_feed("disabled", is_enabled=False, next_run_at=None),
        make_feed("manual-only", schedule_minutes=None, next_run_at=None),
        make_feed("later", next_run_at=NOW + dt.timedelta(minutes=1)),
        make_feed("queued", next_run_at=None),
        make_feed("running", next_run_at=NOW - dt.timedelta(hours=2)),
    ]
    make_run(not_due[3], status=IngestionRun.Status.QUEUED)
    make_run(not_due[4], status=IngestionRun.Status.RUNNING, started_at=NOW)
    runs_before = IngestionRun.objects.count()

    runs = services.feeds_due(now=NOW)

    assert sorted(run.feed.slug for run in runs) == ["due-now", "never-run", "overdue"]
    assert IngestionRun.objects.count() == runs_before + 3
    for run in runs:
        run.refresh_from_db()
        assert run.trigger == IngestionRun.Trigger.SCHEDULE
        assert run.status == IngestionRun.Status.QUEUED
        assert run.location == f"feeds/{run.feed.slug}.csv"
        assert run.external_source == run.feed.slug
        assert (media / run.payload.name).read_bytes() == ACLED_BYTES
    next_runs = dict(Feed.objects.values_list("slug", "next_run_at"))
    assert next_runs == {
        "never-run": NOW + dt.timedelta(minutes=60),
        "due-now": NOW + dt.timedelta(minutes=15),
        "overdue": NOW + dt.timedelta(days=1),
        "disabled": None,
        "manual-only": None,
        "later": NOW + dt.timedelta(minutes=1),
        "queued": None,
        "running": NOW - dt.timedelta(hours=2),
    }
    for feed in not_due:
        assert feed.runs.filter(trigger=IngestionRun.Trigger.SCHEDULE).count() == (
            1 if feed.slug in ("queued", "running") else 0
        )

    # Their runs are still queued, so two days later only the feed that was not yet due is.
    assert services.feeds_due(now=NOW) == []
    later = services.feeds_due(now=NOW + dt.timedelta(days=2))
    assert [run.feed.slug for run in later] == ["later"]
    assert IngestionRun.objects.count() == runs_before + 4


def test_feed_with_a_missing_upload_does_not_block_the_others(media) -> None:
    broken = make_feed("a-broken", next_run_at=None)
    make_feed("b-healthy", next_run_at=None)
    (media / broken.upload.name).unlink()

    runs = services.feeds_due(now=NOW)

    assert "b-healthy" in [run.feed.slug for run in runs]
    assert Feed.objects.get(slug="b-healthy").next_run_at == NOW + dt.timedelta(minutes=60)


@pytest.mark.parametrize(
    ("record_status", "is_verified"), [("submitted", False), ("verified", True)]
)
def test_dispatch_task_executes_the_due_feeds_run(
    django_capture_on_commit_callbacks, organisation, record_status, is_verified
) -> None:
    feed = make_feed("partner-acled", organisation=organisation, record_status=record_status)
    make_feed("manual-only", schedule_minutes=None)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = feeds_dispatch_due_task.delay()

    assert result.get() == 1
    assert len(sent_tasks(callbacks)) == 1
    run = IngestionRun.objects.get()
    assert (run.feed, run.trigger, run.status, run.error) == (feed, "schedule", "succeeded", "")
    assert counts(run) == ACLED_COUNTS
    assert (run.organisation, run.record_status) == (organisation, record_status)
    records = Incident.objects.order_by("external_id")
    assert records.count() == 11
    assert set(
        records.values_list("external_source", "organisation", "status", "last_ingestion_run")
    ) == {(feed.slug, organisation.pk, record_status, run.pk)}
    verified_at = set(records.values_list("verified_at", flat=True))
    if is_verified:
        assert None not in verified_at
        assert all(run.started_at <= moment <= run.finished_at for moment in verified_at)
    else:
        assert verified_at == {None}
    feed.refresh_from_db()
    assert feed.alert == ""
    assert (
        before + dt.timedelta(minutes=60)
        <= feed.next_run_at
        <= timezone.now() + dt.timedelta(minutes=60)
    )


def test_dispatch_task_with_nothing_due_enqueues_nothing(django_capture_on_commit_callbacks):
    make_feed("later", next_run_at=timezone.now() + dt.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = feeds_dispatch_due_task.delay()

    assert result.get() == 0
    assert callbacks == []
    assert not IngestionRun.objects.exists()


def test_feed_options_choose_the_acled_event_types() -> None:
    feed = make_feed("battles", options={"acled_event_types": ["Battles"]})

    run = run_feed(feed)

    assert counts(run) == (17, 1, 0, 0, 0, 16, 0)
    assert list(Incident.objects.values_list("external_source", "external_id")) == [
        ("battles", "UKR12008")
    ]


# -- executing twice ------------------------------------------------------------------------


def test_run_executed_again_after_success_does_nothing() -> None:
    run = run_feed(make_feed("acled-daily"))
    first = IngestionRun.objects.values().get(pk=run.pk)
    records = list(Incident.objects.order_by("pk").values("pk", "updated_at", "status"))
    issues = IngestionIssue.objects.count()

    again = services.ingestion_run_execute(run_id=run.pk)

    assert again.status == IngestionRun.Status.SUCCEEDED
    assert again.summary == run.summary
    assert IngestionRun.objects.values().get(pk=run.pk) == first
    assert first["attempts"] == 1
    assert list(Incident.objects.order_by("pk").values("pk", "updated_at", "status")) == records
    assert IngestionIssue.objects.count() == issues == 7  # 5 refused or flagged, 2 skipped


def test_failed_run_executed_again_stays_failed() -> None:
    run = run_feed(make_feed("wrong-format", content=(PAYLOADS / "jcc_shipments.csv").read_bytes()))
    first = IngestionRun.objects.values().get(pk=run.pk)

    services.ingestion_run_execute(run_id=run.pk)

    assert IngestionRun.objects.values().get(pk=run.pk) == first
    assert first["status"] == IngestionRun.Status.FAILED


# -- health ---------------------------------------------------------------------------------


def test_failed_run_sets_an_alert_and_a_good_run_clears_it() -> None:
    feed = make_feed("acled-mislabelled", content=(PAYLOADS / "jcc_shipments.csv").read_bytes())

    failed = run_feed(feed)

    error = "missing ACLED column(s): event_id_cnty, event_date, event_type, sub_event_type"
    assert (failed.status, failed.error) == (IngestionRun.Status.FAILED, error)
    assert counts(failed) == (0,) * 7
    assert alert_of(feed) == f"Last run failed: {error}"
    assert not Incident.objects.exists()

    replace_upload(feed, ACLED_BYTES)
    good = run_feed(feed)

    assert good.status == IngestionRun.Status.SUCCEEDED
    assert alert_of(feed) == ""


def test_empty_run_after_a_full_one_sets_an_alert_and_a_good_run_clears_it() -> None:
    feed = make_feed("acled-weekly")
    assert counts(run_feed(feed)) == ACLED_COUNTS
    assert alert_of(feed) == ""

    replace_upload(feed, ACLED_HEADER_ONLY)
    empty = run_feed(feed)

    assert (empty.status, counts(empty)) == (IngestionRun.Status.SUCCEEDED, (0,) * 7)
    assert alert_of(feed) == "Last run returned no rows; the one before returned 17."

    replace_upload(feed, ACLED_BYTES)
    good = run_feed(feed)

    assert counts(good) == (17, 0, 0, 11, 4, 2, 1)
    assert alert_of(feed) == ""


@pytest.mark.parametrize(
    ("previous_rows", "alert"),
    [
        (None, ""),
        (9, ""),
        (10, "Last run returned no rows; the one before returned 10."),
        (250, "Last run returned no rows; the one before returned 250."),
    ],
)
def test_empty_run_alerts_only_after_a_run_of_at_least_ten_rows(previous_rows, alert) -> None:
    feed = make_feed("hxl-feed", alert="stale alert")
    finished = {"status": IngestionRun.Status.SUCCEEDED, "started_at": NOW}
    if previous_rows is not None:
        make_run(feed, rows_seen=previous_rows, finished_at=NOW, **finished)
    make_run(feed, rows_seen=0, finished_at=NOW + dt.timedelta(hours=1), **finished)
    # Runs not finished yet do not count.
    make_run(feed, status=IngestionRun.Status.QUEUED)

    services.feed_check_health(feed=feed)

    assert alert_of(feed) == alert


def test_alert_is_cut_to_the_field_length() -> None:
    feed = make_feed("noisy")
    make_run(feed, status="failed", error="x" * 1000, started_at=NOW, finished_at=NOW)

    services.feed_check_health(feed=feed)

    assert alert_of(feed) == ("Last run failed: " + "x" * 1000)[:300]


# -- stuck runs -----------------------------------------------------------------------------


def test_stuck_runs_are_old_queued_ones_and_running_ones_without_progress(settings) -> None:
    settings.INGESTION_STALE_AFTER_SECONDS = 300

    def ago(seconds: int) -> dt.datetime:
        return NOW - dt.timedelta(seconds=seconds)

    queued = IngestionRun.Status.QUEUED
    running = {"status": IngestionRun.Status.RUNNING, "created_at": ago(3600)}
    finished = {"created_at": ago(86400), "started_at": ago(86400), "finished_at": ago(86000)}
    # A queued run may be waiting up to 600 s for a fetch retry before it counts as lost.
    stuck = [
        make_run(status=queued, created_at=ago(901)),
        make_run(status=queued, created_at=ago(3600), heartbeat_at=ago(901)),
        make_run(**running, started_at=ago(3600), heartbeat_at=ago(301)),
    ]
    make_run(status=queued, created_at=ago(900))
    make_run(status=queued, created_at=ago(3600), heartbeat_at=ago(60))
    make_run(status=queued, created_at=ago(10))
    make_run(**running, started_at=ago(3600), heartbeat_at=ago(299))
    make_run(**running, started_at=ago(20), heartbeat_at=ago(1))
    make_run(status=IngestionRun.Status.SUCCEEDED, heartbeat_at=ago(86000), **finished)
    make_run(status=IngestionRun.Status.FAILED, **finished)

    assert sorted(services.ingestion_runs_stuck(now=NOW)) == sorted(run.pk for run in stuck)


def test_requeue_task_executes_stuck_runs_and_leaves_fresh_ones(settings) -> None:
    settings.INGESTION_STALE_AFTER_SECONDS = 300
    long_ago = timezone.now() - dt.timedelta(hours=1)
    feed = make_feed("acled-stuck", schedule_minutes=None)
    lost = services.ingestion_run_for_feed(feed=feed, trigger=IngestionRun.Trigger.MANUAL)
    IngestionRun.objects.filter(pk=lost.pk).update(created_at=long_ago)
    fresh = services.ingestion_run_for_feed(feed=feed, trigger=IngestionRun.Trigger.MANUAL)

    assert ingestion_runs_requeue_stuck_task.delay().get() == 1

    lost.refresh_from_db()
    assert (lost.status, lost.attempts) == (IngestionRun.Status.SUCCEEDED, 1)
    assert counts(lost) == ACLED_COUNTS
    fresh.refresh_from_db()
    assert (fresh.status, fresh.attempts, fresh.started_at) == ("queued", 0, None)


def test_running_run_without_progress_is_taken_over() -> None:
    long_ago = timezone.now() - dt.timedelta(hours=1)
    feed = make_feed("acled-taken-over", schedule_minutes=None)
    run = services.ingestion_run_for_feed(feed=feed, trigger=IngestionRun.Trigger.MANUAL)
    IngestionRun.objects.filter(pk=run.pk).update(
        status="running", attempts=1, started_at=long_ago, heartbeat_at=long_ago
    )

    services.ingestion_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.attempts, run.started_at) == ("succeeded", 2, long_ago)
    assert counts(run) == ACLED_COUNTS


def test_running_run_with_recent_progress_is_left_alone() -> None:
    feed = make_feed("acled-busy", schedule_minutes=None)
    run = services.ingestion_run_for_feed(feed=feed, trigger=IngestionRun.Trigger.MANUAL)
    now = timezone.now()
    IngestionRun.objects.filter(pk=run.pk).update(
        status="running", attempts=1, started_at=now, heartbeat_at=now
    )
    before = IngestionRun.objects.values().get(pk=run.pk)

    services.ingestion_run_execute(run_id=run.pk)

    assert IngestionRun.objects.values().get(pk=run.pk) == before
    assert not Incident.objects.exists()


# -- database constraints -------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"url": "ftp://127.0.0.1/acled.csv"},
        {"url": "file:///etc/passwd"},
        {"url": "ftp://127.0.0.1/acled.csv", "upload": "feeds/acled.csv"},
    ],
)
def test_database_refuses_feeds_without_a_fetchable_source(fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Feed.objects.create(name="Bad", slug="bad", format="acled", **fields)

    assert not Feed.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "", "upload": ""},
        {"url": "ftp://127.0.0.1/acled.csv"},
        {"url": "gopher://127.0.0.1/acled.csv"},
    ],
)
def test_database_refuses_updates_that_break_a_feed(changes) -> None:
    feed = Feed.objects.create(
        name="Live", slug="live", format="acled", url="https://127.0.0.1/a.csv"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Feed.objects.filter(pk=feed.pk).update(**changes)

    assert Feed.objects.values_list("url", "upload").get() == ("https://127.0.0.1/a.csv", "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Give the feed a URL or upload a file."),
        ({"url": "ftp://127.0.0.1/acled.csv"}, "Only http and https URLs can be fetched."),
    ],
)
def test_full_clean_explains_the_constraints(fields, message) -> None:
    feed = Feed(name="Bad", slug="bad", format="acled", **fields)

    with pytest.raises(ValidationError) as raised:
        feed.full_clean()

    assert raised.value.messages == [message]
