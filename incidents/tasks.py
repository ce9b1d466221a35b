"""Celery tasks: thin wrappers that take ids and call one service each."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from incidents import services as record_services
from incidents.ingestion import services
from incidents.ingestion.sources import TransientSourceError

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def ingestion_run_execute_task(self: Task, run_id: int) -> str:
    try:
        run = services.ingestion_run_execute(run_id=run_id, task_id=self.request.id or "")
    except (OperationalError, InterfaceError) as error:
        # The database went away mid-run: what was committed stays, and the same task,
        # retried, takes the run over and resumes after it.
        if self.request.is_eager:
            raise
        close_old_connections()
        raise self.retry(exc=error, countdown=services.retry_delay(self.request.retries)) from error
    except TransientSourceError as error:
        # Without a worker (eager mode) there is nobody to retry later.
        if self.request.is_eager or self.request.retries >= settings.INGESTION_FETCH_RETRIES:
            services.ingestion_run_fail(run_id=run_id, error=f"Gave up after retries: {error}")
            return "failed"
        countdown = services.retry_delay(self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error
    return f"{run.status}: {run.summary}"


@shared_task
def feeds_dispatch_due_task() -> int:
    runs = services.feeds_due()
    for run in runs:
        ingestion_run_execute_task.delay_on_commit(run.pk)
    return len(runs)


@shared_task
def ingestion_runs_requeue_stuck_task() -> int:
    """A broker can lose a message; the run row in the database cannot."""
    stuck = services.ingestion_runs_stuck()
    for run_id in stuck:
        logger.warning("Re-sending ingestion run %s, which no worker is working on", run_id)
        ingestion_run_execute_task.delay(run_id)
    return len(stuck)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_verification_execute_task(verification_id: int) -> str:
    verification = record_services.run_verification_execute(verification_id=verification_id)
    return (
        f"{verification.status}: verified={verification.verified} "
        f"cascaded={verification.cascaded} refused={verification.refused}"
    )
