"""Verifying the records an ingestion run wrote that still wait for review.

A set small enough for one request is verified in it (``run_records_verify``); a larger
one is recorded as a ``RunVerification`` (``run_verification_start``) that a worker does
step by step (``run_verification_execute``), each step in its own transaction, so the
run's page shows how far it has got. Which path a set takes is the caller's choice
(``IN_REQUEST_LIMIT``): services never enqueue work.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from incidents.models import (
    GrainDisruption,
    Incident,
    IngestionRun,
    RunVerification,
    ServiceDisruption,
    VerificationStatus,
)
from incidents.services.bulk_review import (
    BulkReviewResult,
    ReviewedModelType,
    records_verify_bulk,
)
from incidents.services.review import AnyUser, can_review_record

IN_REQUEST_LIMIT = 2_000  # more records than this are verified by a worker
STEP = 2_000  # records per transaction in the background
# Incidents first: their own service disruptions are verified with them.
REVIEWED_MODELS = (Incident, ServiceDisruption, GrainDisruption)


def _awaiting(run: IngestionRun, model: ReviewedModelType) -> QuerySet:
    return model._default_manager.filter(
        last_ingestion_run=run, status=VerificationStatus.SUBMITTED
    )


def run_records_awaiting_review(*, run: IngestionRun) -> int:
    """How many records the run last wrote are submitted, waiting for review."""
    return sum(_awaiting(run, model).count() for model in REVIEWED_MODELS)


def can_verify_run_records(*, user: AnyUser) -> bool:
    return any(can_review_record(user=user, record=model()) for model in REVIEWED_MODELS)


def run_records_verify(*, run: IngestionRun, by: AnyUser) -> BulkReviewResult:
    """Verify every submitted record the run last wrote, now."""
    result = BulkReviewResult(action="verify")
    with transaction.atomic():
        for model in REVIEWED_MODELS:
            ids = list(_awaiting(run, model).values_list("pk", flat=True))
            if ids:
                result += records_verify_bulk(model=model, ids=ids, by=by)
    return result


def run_verification_latest(*, run: IngestionRun) -> RunVerification | None:
    return run.verifications.order_by("-created_at", "-id").first()


@transaction.atomic
def run_verification_start(*, run: IngestionRun, by: AnyUser) -> RunVerification:
    """Record that the run's submitted records are to be verified in the background.

    A verification still under way is refused, unless it has made no progress for
    longer than a worker may take on a task: its worker is gone, and it is failed.
    """
    if not isinstance(by, User) or not can_verify_run_records(user=by):
        raise PermissionDenied(_("Only a Verifier can verify records."))
    unfinished = (
        RunVerification.objects.select_for_update()
        .filter(run=run, status__in=RunVerification.UNFINISHED)
        .first()
    )
    if unfinished is not None:
        last_moved_at = unfinished.heartbeat_at or unfinished.created_at
        abandoned_at = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
        if last_moved_at > abandoned_at:
            raise ValidationError(_("This run's records are already being verified."))
        _finish(
            unfinished,
            RunVerification.Status.FAILED,
            _("Abandoned: no worker has made progress on it."),
        )
    return RunVerification.objects.create(
        run=run, requested_by=by, total=run_records_awaiting_review(run=run)
    )


def run_verification_execute(*, verification_id: int) -> RunVerification:
    """Verify the run's submitted records, a step at a time. Idempotent: run again (a
    redelivered task), it goes on with the records still submitted."""
    verification = RunVerification.objects.select_related("run", "requested_by").get(
        pk=verification_id
    )
    if verification.is_finished:
        return verification
    by = verification.requested_by
    if by is None or not by.is_active:
        _finish(
            verification,
            RunVerification.Status.FAILED,
            _("The user who asked for it no longer exists or is inactive."),
        )
        return verification
    RunVerification.objects.filter(pk=verification.pk).update(
        status=RunVerification.Status.RUNNING,
        started_at=verification.started_at or timezone.now(),
        heartbeat_at=timezone.now(),
        refused=0,  # counted again from the start of this pass
    )
    try:
        for model in REVIEWED_MODELS:
            _verify_in_steps(verification, model, by)
    except Exception as error:
        _finish(verification, RunVerification.Status.FAILED, f"{type(error).__name__}: {error}")
        raise
    _finish(verification, RunVerification.Status.SUCCEEDED)
    return verification


def _verify_in_steps(verification: RunVerification, model: ReviewedModelType, by: User) -> None:
    after = 0
    while True:
        with transaction.atomic():
            ids = list(
                _awaiting(verification.run, model)
                .filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:STEP]
            )
            if not ids:
                return
            result = records_verify_bulk(model=model, ids=ids, by=by)
            RunVerification.objects.filter(pk=verification.pk).update(
                verified=F("verified") + len(result.done),
                cascaded=F("cascaded") + result.cascaded,
                refused=F("refused") + len(result.refused) + len(result.invalid),
                heartbeat_at=timezone.now(),
            )
        after = ids[-1]


def _finish(verification: RunVerification, status: str, error: str = "") -> None:
    RunVerification.objects.filter(pk=verification.pk).update(
        status=status, error=error, finished_at=timezone.now()
    )
    verification.refresh_from_db()
