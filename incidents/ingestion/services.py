"""The ingestion run: create it, execute it (resumably), and keep feeds on schedule.

A run copies its payload into its own file first, so a run that is restarted after its
worker died reads the same bytes and resumes after the last batch it committed: each
batch and the run's counters are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import socket
import tempfile
import time
from collections.abc import Callable, Generator, Mapping
from contextlib import closing
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Organisation, User
from incidents.bulk import analyse_grown
from incidents.figures.cache import figures_changed
from incidents.ingestion import parse_process, sources
from incidents.ingestion.formats import FORMATS, SHEET_OPTION, format_of, option_errors
from incidents.ingestion.gazetteer import NameIndex, Place
from incidents.ingestion.parsers import check_whole
from incidents.ingestion.records import FormatError, ParsedRow
from incidents.ingestion.writers import BatchOutcome, BatchWriter, writer_class
from incidents.models import Feed, IngestionRun, Port, Region, VerificationStatus
from incidents.services import AnyUser

Progress = Callable[[int], None]
_ZERO_ROWS_AFTER = 10  # rows a feed used to give before an empty run is worth an alert
RETRY_DELAY_CAP_SECONDS = 600


def region_index() -> NameIndex:
    return NameIndex(
        Place(id=region.pk, codes=(region.pcode, region.iso_code), names=region_names)
        for region in Region.objects.all()
        for region_names in [(region.name_en, region.name_uk, *region.alternative_names)]
    )


def port_index() -> NameIndex:
    return NameIndex(
        Place(id=port.pk, codes=(port.unlocode,), names=(port.name, port.name_uk, *names))
        for port in Port.objects.all()
        for names in [port.alternative_names]
    )


def ingestion_run_create(
    *,
    location: str,
    format: str,
    trigger: str,
    feed: Feed | None = None,
    external_source: str = "",
    options: Mapping[str, Any] | None = None,
    record_status: str = VerificationStatus.SUBMITTED,
    organisation: Organisation | None = None,
    by: AnyUser | None = None,
    upload: File | None = None,
) -> IngestionRun:
    """Record a run to be executed; an uploaded file is stored with it right away."""
    if format not in FORMATS:
        raise ValidationError({"format": f"Unknown format '{format}'."})
    if record_status not in (VerificationStatus.SUBMITTED, VerificationStatus.VERIFIED):
        raise ValidationError({"record_status": "New records are submitted or verified."})
    if errors := option_errors(format, dict(options or {})):
        raise ValidationError({"options": errors})
    if upload is None and "://" in location and not sources.is_url(location):
        raise ValidationError({"location": "Only http and https URLs can be fetched."})
    run = IngestionRun(
        feed=feed,
        format=format,
        external_source=external_source
        or (feed.slug if feed else format_of(format).default_source),
        location=location,
        options=dict(options or {}),
        record_status=record_status,
        organisation=organisation,
        trigger=trigger,
        triggered_by=by if isinstance(by, User) else None,
    )
    if upload is not None:
        run.payload.save(f"{run.public_id}-{upload.name}".replace("/", "_"), upload, save=False)
    run.save()
    return run


def ingestion_run_for_feed(*, feed: Feed, trigger: str, by: AnyUser | None = None) -> IngestionRun:
    """A run of the feed's URL, or of a copy of its uploaded file."""
    arguments: dict[str, Any] = {
        "location": feed.location,
        "format": feed.format,
        "trigger": trigger,
        "feed": feed,
        "options": feed.options,
        "record_status": feed.record_status,
        "organisation": feed.organisation,
        "by": by,
    }
    if feed.url or not feed.upload:
        return ingestion_run_create(**arguments)
    try:
        with feed.upload.open("rb") as handle:
            name = (feed.upload.name or "upload").rsplit("/", 1)[-1]
            return ingestion_run_create(**arguments, upload=File(handle, name=name))
    except OSError as error:
        raise ValidationError(
            {"upload": f"The feed's uploaded file cannot be read: {error.strerror or error}"}
        ) from error


def _claim(run_id: int, task_id: str = "") -> bool:
    """Take the run unless another worker is actively on it or it is finished.

    A running run is taken over when it made no progress for a while, or at once when
    this is the same task delivered again: a message is only redelivered (or retried)
    once the execution that held it has ended, so nobody else is working on the run.
    """
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.INGESTION_STALE_AFTER_SECONDS)
    running = Q(status=IngestionRun.Status.RUNNING)
    claimable = Q(status=IngestionRun.Status.QUEUED) | (running & Q(heartbeat_at__lt=stale))
    if task_id:
        claimable |= running & Q(task_id=task_id)
    return bool(
        IngestionRun.objects.filter(claimable, pk=run_id).update(
            status=IngestionRun.Status.RUNNING,
            started_at=Coalesce(F("started_at"), Value(now)),
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            task_id=task_id,
            worker=f"{socket.gethostname()} pid {os.getpid()}",
        )
    )


def _store_payload(run: IngestionRun) -> None:
    if run.payload:
        return
    with tempfile.TemporaryFile() as spool:
        sources.store_payload(run.location, spool)
        spool.seek(0)
        run.payload.save(f"{run.public_id}.payload", File(spool), save=False)
    IngestionRun.objects.filter(pk=run.pk).update(payload=run.payload.name)


def _writer(run: IngestionRun) -> BatchWriter:
    writer = writer_class(run.format)
    index = port_index() if writer.places is Port else region_index()
    return writer(run=run, index=index)


def _parser_options(run: IngestionRun) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if run.options.get(SHEET_OPTION):
        options[SHEET_OPTION] = run.options[SHEET_OPTION]
    for option, argument in format_of(run.format).parser_options.items():
        if run.options.get(option):
            options[argument] = run.options[option]
    return options


def _check_whole_payload(run: IngestionRun) -> None:
    """Raise FormatError when the payload cannot be read to its end or was cut short.

    Done before the first batch is written, so that a payload that fails as a whole
    changes nothing, however large. A resumed run checked it when it began.
    """
    if run.rows_seen:
        return
    with run.payload.open("rb") as stream:
        check_whole(cast(BinaryIO, stream), sheet=run.options.get(SHEET_OPTION) or None)


def _parsed_batches(run: IngestionRun, stream: BinaryIO) -> Generator[list[ParsedRow], None, None]:
    """The payload's batches after the rows a resumed run already wrote: a large payload
    is parsed in a process of its own while this one writes."""
    arguments: dict[str, Any] = {
        "options": _parser_options(run),
        "start": run.rows_seen,
        "size": settings.INGESTION_BATCH_SIZE,
    }
    if run.payload.size >= settings.INGESTION_PARSER_PROCESS_BYTES:
        return parse_process.batches_in_child(run.format, stream, **arguments)
    return parse_process.batches(run.format, stream, **arguments)


def _commit_batch(run: IngestionRun, writer: BatchWriter, batch: list[ParsedRow]) -> BatchOutcome:
    with transaction.atomic():
        outcome = writer.write(batch)
        counts = outcome.counts()
        IngestionRun.objects.filter(pk=run.pk).update(
            rows_seen=F("rows_seen") + len(batch),
            heartbeat_at=timezone.now(),
            **{name: F(name) + value for name, value in counts.items()},
        )
        if outcome.created or outcome.updated:
            figures_changed()
    return outcome


def _finish(run: IngestionRun, *, status: str, error: str = "", seconds: float = 0) -> None:
    now = timezone.now()
    IngestionRun.objects.filter(pk=run.pk).update(
        status=status, error=error, finished_at=now, seconds=F("seconds") + seconds
    )
    run.refresh_from_db()
    if run.feed_id:
        feed_check_health(feed=run.feed)  # type: ignore[arg-type]


def ingestion_run_execute(
    *, run_id: int, progress: Progress | None = None, task_id: str = ""
) -> IngestionRun:
    """Execute (or resume) a run. Safe to call twice: a finished or busy run is left alone.

    ``task_id`` names the task execution (the Celery task id): the same task delivered
    again resumes the run at once instead of waiting for it to go stale.

    Raises ``TransientSourceError`` when the payload cannot be fetched now, after putting
    the run back in the queue, so the caller can retry later.
    """
    if not _claim(run_id, task_id):
        return IngestionRun.objects.get(pk=run_id)
    run = IngestionRun.objects.select_related("feed", "triggered_by").get(pk=run_id)
    started = time.monotonic()
    try:
        _store_payload(run)
    except sources.TransientSourceError as error:
        IngestionRun.objects.filter(pk=run.pk).update(
            status=IngestionRun.Status.QUEUED, error=str(error), heartbeat_at=timezone.now()
        )
        raise
    except sources.SourceError as error:
        elapsed = time.monotonic() - started
        _finish(run, status=IngestionRun.Status.FAILED, error=str(error), seconds=elapsed)
        return run
    writer = _writer(run)
    try:
        _check_whole_payload(run)
        with (
            run.payload.open("rb") as stream,
            closing(_parsed_batches(run, cast(BinaryIO, stream))) as parsed,
            parse_process.collection_per_batch(),
        ):
            for batch in parsed:
                _commit_batch(run, writer, batch)
                if progress:
                    progress(len(batch))
                del batch
                gc.collect(1)
    except FormatError as error:
        elapsed = time.monotonic() - started
        _finish(run, status=IngestionRun.Status.FAILED, error=str(error), seconds=elapsed)
        return run
    _finish(run, status=IngestionRun.Status.SUCCEEDED, seconds=time.monotonic() - started)
    analyse_grown(writer.grown_models(), added=run.created)
    return run


def ingestion_run_fail(*, run_id: int, error: str) -> None:
    run = IngestionRun.objects.select_related("feed").get(pk=run_id)
    if run.status not in (IngestionRun.Status.SUCCEEDED, IngestionRun.Status.FAILED):
        if run.started_at is None:
            IngestionRun.objects.filter(pk=run.pk).update(started_at=timezone.now())
        _finish(run, status=IngestionRun.Status.FAILED, error=error)


def feed_check_health(*, feed: Feed) -> None:
    """Flag a feed whose last run failed, or came back empty when it used to give rows."""
    finished = feed.runs.filter(
        status__in=[IngestionRun.Status.SUCCEEDED, IngestionRun.Status.FAILED]
    ).order_by("-finished_at")[:2]
    latest, previous = (list(finished) + [None, None])[:2]
    alert = ""
    if latest is not None and latest.status == IngestionRun.Status.FAILED:
        alert = f"Last run failed: {latest.error}"[:300]
    elif (
        latest is not None
        and latest.rows_seen == 0
        and previous is not None
        and previous.rows_seen >= _ZERO_ROWS_AFTER
    ):
        alert = f"Last run returned no rows; the one before returned {previous.rows_seen}."
    Feed.objects.filter(pk=feed.pk).update(alert=alert)


def feeds_due(*, now: dt.datetime | None = None) -> list[IngestionRun]:
    """Create runs for enabled feeds whose time has come; returns the runs to enqueue."""
    now = now or timezone.now()
    busy = IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING
    runs = []
    with transaction.atomic():
        due = (
            Feed.objects.select_for_update(skip_locked=True)
            .filter(is_enabled=True, schedule_minutes__isnull=False)
            .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
            .exclude(runs__status__in=busy)
        )
        for feed in due:
            # One broken feed must not hold back the others: it gets an alert instead.
            try:
                with transaction.atomic():
                    runs.append(
                        ingestion_run_for_feed(feed=feed, trigger=IngestionRun.Trigger.SCHEDULE)
                    )
            except ValidationError as error:
                feed.alert = "; ".join(error.messages)[:300]
            feed.schedule_next(now)
            feed.save(update_fields=["next_run_at", "alert", "updated_at"])
    return runs


def ingestion_runs_stuck(*, now: dt.datetime | None = None) -> list[int]:
    """Runs that no worker is working on: queued for long, or running without progress."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.INGESTION_STALE_AFTER_SECONDS)
    # A queued run may be waiting for a fetch retry; it is stuck only past the longest wait.
    forgotten = stale - dt.timedelta(seconds=RETRY_DELAY_CAP_SECONDS)
    return list(
        IngestionRun.objects.annotate(touched_at=Coalesce("heartbeat_at", "created_at"))
        .filter(
            Q(status=IngestionRun.Status.QUEUED, touched_at__lt=forgotten)
            | Q(status=IngestionRun.Status.RUNNING, heartbeat_at__lt=stale)
        )
        .values_list("pk", flat=True)
    )


def retry_delay(attempt: int) -> int:
    """Seconds before fetch attempt ``attempt + 1``: 30, 60, 120, ... at most 10 minutes."""
    return min(30 * 2**attempt, RETRY_DELAY_CAP_SECONDS)
