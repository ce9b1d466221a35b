"""Set-based review gives exactly what reviewing each record one at a time gives: statuses,
review fields, history rows, tombstones and every table of summed figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import product
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.figures.outages import rebuild_outage_figures
from incidents.models import (
    AssetDayFigures,
    AssetMonthFigures,
    GrainDisruption,
    Incident,
    IncidentDayFigures,
    IncidentMonthFigures,
    IncidentWeekFigures,
    OutageDayFigures,
    ServiceDisruption,
    Tombstone,
)
from tests.factories import (
    DamagedAssetFactory,
    GrainDisruptionFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    region,
)
from tests.incidents.summed_figures import assert_in_step

pytestmark = pytest.mark.django_db

STATUSES = ("draft", "submitted", "verified", "rejected")
MODELS = (Incident, ServiceDisruption, GrainDisruption)
FIGURE_MODELS = (
    IncidentDayFigures,
    AssetDayFigures,
    IncidentMonthFigures,
    AssetMonthFigures,
    IncidentWeekFigures,
    OutageDayFigures,
)
ONE_AT_A_TIME: dict[str, Callable[..., Any]] = {
    "submit": services.record_submit,
    "verify": services.record_verify,
    "reject": services.record_reject,
    "return_to_draft": services.record_return_to_draft,
}
SET_BASED: dict[str, Callable[..., services.BulkReviewResult]] = {
    "submit": services.records_submit_bulk,
    "verify": services.records_verify_bulk,
    "reject": services.records_reject_bulk,
    "return_to_draft": services.records_return_to_draft_bulk,
}
REASON = {"reject": {"reason": " Duplicate of an official report "}}


def review_state(status: str) -> dict[str, Any]:
    if status == "verified":
        return {"status": status, "verified_at": timezone.now()}
    if status == "rejected":
        return {"status": status, "rejection_reason": "Unclear source"}
    return {"status": status}


def build_world(organisations: list[Any]) -> None:
    """Records of every status, of two organisations, in two regions and none; incidents
    with damaged assets, service disruptions (in another status than their incident) and
    grain disruptions."""
    places = [region("UA46"), region("UA14"), None]
    cases = product(STATUSES, organisations, places)
    for number, (status, organisation, place) in enumerate(cases):
        incident = IncidentFactory(
            organisation=organisation,
            region=place,
            occurred_on=dt.date(2023, 8, 10 + number % 9),
            incident_type=("missile_strike", "shelling")[number % 2],
            killed=number % 3,
            injured=number % 4,
            children_killed=number % 2 if number % 3 else 0,
            **review_state(status),
        )
        if number % 2 == 0:
            DamagedAssetFactory(incident=incident, count=number + 1)
        if place is not None:
            started = dt.datetime(2023, 8, 10 + number % 9, 21, 0, tzinfo=dt.UTC)
            ServiceDisruptionFactory(
                incident=incident if number % 4 else None,
                organisation=organisation,
                region=place,
                people_affected=100 * (number + 1),
                started_at=started,
                restored_at=started + dt.timedelta(hours=30) if number % 3 else None,
                **review_state(STATUSES[(number + 1) % 4]),
            )
        GrainDisruptionFactory(
            organisation=organisation,
            incident=incident if number % 3 == 0 else None,
            **review_state(status),
        )


def snapshot() -> dict[str, Any]:
    """Everything a review may change, without ids of new rows and clock times."""

    def rows(queryset: Any, *, without: tuple[str, ...]) -> list[tuple]:
        found = []
        for row in queryset.values():
            for name in ("verified_at", "history_date", "awaiting_match_since"):
                if name in row:
                    row[name] = row[name] is not None
            for name in without:
                row.pop(name, None)
            found.append(tuple(sorted(row.items(), key=lambda item: item[0])))
        return sorted(found, key=repr)

    state: dict[str, Any] = {}
    for model in MODELS:
        name = model._meta.model_name
        state[name] = rows(model.objects.all(), without=("updated_at",))
        history = model.history.model.objects.all()  # type: ignore[attr-defined]
        state[f"{name} history"] = rows(history, without=("history_id",))
    state["tombstones"] = rows(Tombstone.objects.all(), without=("id", "occurred_at"))
    for model in FIGURE_MODELS:
        state[model._meta.model_name] = rows(model.objects.all(), without=("id",))
    return state


def outcome(change: Callable[[], Any]) -> tuple[dict[str, Any], Any]:
    """What ``change`` leaves behind, then undone."""
    with transaction.atomic():
        result = change()
        state = snapshot()
        transaction.set_rollback(True)
    return state, result


def one_at_a_time(model: Any, action: str, by: Any) -> dict[str, list[int]]:
    """Each record through the single-record service, as the admin used to."""
    counts: dict[str, list[int]] = {"done": [], "refused": [], "invalid": []}
    for record in model.objects.order_by("pk"):
        try:
            ONE_AT_A_TIME[action](record=record, by=by, **REASON.get(action, {}))
        except PermissionDenied:
            counts["refused"].append(record.pk)
        except ValidationError:
            counts["invalid"].append(record.pk)
        else:
            counts["done"].append(record.pk)
    return counts


@pytest.mark.parametrize(
    ("action", "model", "role"),
    list(product(SET_BASED, MODELS, ("verifier", "reporter"))),
)
def test_a_mixed_set_ends_as_one_record_at_a_time_leaves_it(
    action, model, role, request, organisation, other_organisation
):
    build_world([organisation, other_organisation])
    by = request.getfixturevalue(role)
    before = snapshot()
    ids = list(model.objects.values_list("pk", flat=True))

    expected, counts = outcome(lambda: one_at_a_time(model, action, by))
    bulk = SET_BASED[action]
    state, result = outcome(
        lambda: bulk(model=model, ids=[*ids, 999_999], by=by, **REASON.get(action, {}))
    )

    assert state == expected
    assert list(result.done) == counts["done"]
    assert list(result.refused) == counts["refused"]
    assert [pk for pk, _ in result.invalid] == counts["invalid"]
    assert result.missing == (999_999,)
    assert snapshot() == before


@pytest.mark.parametrize("action", list(SET_BASED))
def test_figures_stay_equal_to_the_records_they_sum(action, verifier, organisation):
    build_world([organisation])
    bulk = SET_BASED[action]
    ids = list(Incident.objects.values_list("pk", flat=True))

    result = bulk(model=Incident, ids=ids, by=verifier, **REASON.get(action, {}))

    assert result.done
    assert_in_step()
    stored = sorted(OutageDayFigures.objects.values_list("region", "service", "status", "day"))
    rebuild_outage_figures()
    assert stored == sorted(
        OutageDayFigures.objects.values_list("region", "service", "status", "day")
    )


def test_rejecting_published_records_leaves_tombstones_and_the_reason(verifier, organisation):
    published = IncidentFactory.create_batch(3, organisation=organisation, verified=True)
    submitted = IncidentFactory(organisation=organisation, submitted=True)
    own_disruption = ServiceDisruptionFactory(
        incident=published[0], organisation=organisation, **review_state("verified")
    )

    result = services.records_reject_bulk(
        model=Incident, ids=[record.pk for record in [*published, submitted]], by=verifier,
        reason="Withdrawn by the source",
    )  # fmt: skip

    assert (len(result.done), result.cascaded) == (4, 1)
    withdrawn = {(t.record_type, t.public_id, t.was_published) for t in Tombstone.objects.all()}
    assert withdrawn == {
        *(("incident", record.public_id, True) for record in published),
        ("servicedisruption", own_disruption.public_id, True),
    }
    latest = submitted.history.latest()
    assert (latest.status, latest.rejection_reason, latest.history_user) == (
        "rejected",
        "Withdrawn by the source",
        verifier,
    )
    assert latest.history_change_reason == "Rejected: Withdrawn by the source"


def test_rejection_needs_a_reason_and_then_changes_nothing(verifier):
    incident = IncidentFactory(submitted=True)
    with pytest.raises(ValidationError):
        services.records_reject_bulk(model=Incident, ids=[incident.pk], by=verifier, reason=" ")
    incident.refresh_from_db()
    assert (incident.status, incident.history.count()) == ("submitted", 1)


def test_a_trusted_feed_verifies_without_a_user_and_says_why():
    incidents = IncidentFactory.create_batch(2, submitted=True)
    reason = "Verified by a trusted re-ingest"

    result = services.records_verify_bulk(
        model=Incident, ids=[record.pk for record in incidents], reason=reason
    )

    assert len(result.done) == 2
    for record in incidents:
        record.refresh_from_db()
        assert (record.status, record.verified_by) == ("verified", None)
        assert record.verified_at is not None
        latest = record.history.latest()
        assert (latest.history_change_reason, latest.history_user) == (reason, None)


def test_a_reporter_is_refused_and_nothing_changes(reporter, organisation):
    incidents = IncidentFactory.create_batch(3, organisation=organisation, submitted=True)
    ids = [record.pk for record in incidents]

    result = services.records_verify_bulk(model=Incident, ids=ids, by=reporter)

    assert (result.done, result.refused) == ((), tuple(ids))
    assert set(Incident.objects.values_list("status", flat=True)) == {"submitted"}
    assert sum(record.history.count() for record in incidents) == 3


def test_the_number_of_queries_does_not_grow_with_the_set(verifier, organisation):
    def queries_for(count: int) -> int:
        incidents = IncidentFactory.create_batch(count, organisation=organisation, submitted=True)
        for incident in incidents:
            DamagedAssetFactory(incident=incident)
            ServiceDisruptionFactory(
                incident=incident, organisation=organisation, **review_state("submitted")
            )
        ids = [record.pk for record in incidents]
        with CaptureQueriesContext(connection) as captured:
            services.records_verify_bulk(model=Incident, ids=ids, by=verifier)
        return len(captured.captured_queries)

    verifier.has_perm("incidents.verify_incident")  # the user's permissions, read once
    assert queries_for(3) == queries_for(40)
