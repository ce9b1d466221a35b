"""`make bench`, review part: a feed's submitted incidents verified through the set-based
review service, against the least the database must do for the same rows, measured in
the same run: one bare `UPDATE` of their review fields plus one `INSERT ... SELECT` of
their history rows.

Each is measured on the same rows in a transaction that is then rolled back (commit
excluded from both), with the table vacuumed before each, three times; the medians are
compared. A last, committed, run through the service checks what it left.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REVIEW_SIZE = 10_000
REVIEW_SOURCE = "synthetic-review"
REPEATS = 3


def _rolled_back(action: Callable[[], Any]) -> float:
    from django.db import transaction

    with transaction.atomic():
        start = time.perf_counter()
        action()
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incidents_incident, incidents_historicalincident")


def bare_verify(ids: list[int], user_id: int) -> None:
    """The reference: the review fields written and the history rows copied, nothing more."""
    from django.db import connection

    from incidents.models import Incident

    history = Incident.history.model
    columns = ", ".join(
        field.column
        for field in history._meta.concrete_fields
        if not field.name.startswith("history_")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_incident SET status = 'verified', verified_by_id = %s, "
            "verified_at = now(), rejection_reason = '', updated_at = now() "
            "WHERE id = ANY(%s) AND status = 'submitted'",
            [user_id, ids],
        )
        cursor.execute(
            f"INSERT INTO incidents_historicalincident ({columns}, history_date, "
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {columns}, now(), 'Verified', '~', %s FROM incidents_incident "
            "WHERE id = ANY(%s)",
            [user_id, ids],
        )


def bench_review(folder: Path, size: int = REVIEW_SIZE) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.generate import write_incidents
    from incidents.ingestion import services as ingestion
    from incidents.models import Incident, IngestionRun
    from incidents.services import records_verify_bulk

    path = write_incidents(
        folder / "incidents-review.csv", size, seed=14, external_source=REVIEW_SOURCE
    )
    run = ingestion.ingestion_run_create(
        location=str(path),
        format="impact-csv",
        trigger=IngestionRun.Trigger.COMMAND,
        record_status="submitted",
    )
    ingestion.ingestion_run_execute(run_id=run.pk)
    submitted = Incident.objects.filter(last_ingestion_run=run, status="submitted")
    ids = list(submitted.values_list("pk", flat=True))
    assert len(ids) == size, (len(ids), size)
    user, _ = User.objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )

    def service() -> None:
        result = records_verify_bulk(model=Incident, ids=ids, by=user)
        assert len(result.done) == size, len(result.done)

    references, services = [], []
    for _ in range(REPEATS):
        _vacuum()
        references.append(_rolled_back(lambda: bare_verify(ids, user.pk)))
        _vacuum()
        services.append(_rolled_back(service))
    _vacuum()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        service()
        committed = time.perf_counter() - start
    history = Incident.history.filter(id__in=ids, history_change_reason="Verified")
    assert history.count() == size
    return {
        "size": size,
        "reference_seconds": statistics.median(references),
        "service_seconds": statistics.median(services),
        "committed_seconds": committed,
        "queries": len(captured.captured_queries),
    }


def report_review(review: dict[str, Any]) -> list[str]:
    ratio = review["service_seconds"] / review["reference_seconds"]
    return [
        f"## Review ({review['size']:,} submitted incidents of one run verified)",
        "",
        "| run | seconds | vs bare UPDATE + INSERT ... SELECT |",
        "|---|---|---|",
        f"| bare UPDATE + INSERT ... SELECT of the history rows (reference) | "
        f"{review['reference_seconds']:.2f} | 1.00 |",
        f"| records_verify_bulk (figures, cascade, cache) | {review['service_seconds']:.2f} | "
        f"{ratio:.2f} |",
        "",
        f"Medians of {REPEATS}, each rolled back. Committed once more through the service: "
        f"{review['committed_seconds']:.2f} s in {review['queries']} queries.",
        "",
    ]


def review_ratio(review: dict[str, Any]) -> str:
    return f"review_ratio={review['service_seconds'] / review['reference_seconds']:.3f}"
