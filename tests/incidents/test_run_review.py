"""Verifying an ingestion run's records from its page: in the request when they are few,
by a worker, with its progress on the page, when they are many."""

from __future__ import annotations

import functools
import html
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from incidents import services
from incidents.models import Incident, IngestionRun, RunVerification, ServiceDisruption
from tests.factories import IncidentFactory, ServiceDisruptionFactory
from tests.incidents.summed_figures import assert_in_step

pytestmark = pytest.mark.django_db


def run_url(run: IngestionRun, page: str = "change") -> str:
    return reverse(f"admin:incidents_ingestionrun_{page}", args=[run.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def sent_tasks(callbacks: list) -> list:
    """The on-commit callbacks that send a Celery task (the others refresh cached figures)."""
    return [callback for callback in callbacks if isinstance(callback, functools.partial)]


@pytest.fixture
def run() -> IngestionRun:
    return IngestionRun.objects.create(
        format="acled", external_source="acled", location="acled.csv", trigger="upload"
    )


def ingested(run: IngestionRun, count: int, **fields: Any) -> list[Incident]:
    return IncidentFactory.create_batch(count, last_ingestion_run=run, **fields)


def test_verifier_verifies_a_small_run_in_the_request(client, verifier, run):
    waiting = ingested(run, 3, submitted=True)
    ingested(run, 1, verified=True)
    ServiceDisruptionFactory(incident=waiting[0], status="submitted")
    other_run = ingested(
        IngestionRun.objects.create(format="acled", location="b.csv", trigger="upload"),
        1,
        submitted=True,
    )
    client.force_login(verifier)

    page = html.unescape(client.get(run_url(run)).content.decode())
    response = client.post(run_url(run, "verify_records"))

    assert "Verify this run's records" in page
    assert "3 records this run wrote wait for review." in page
    assert response["Location"] == run_url(run)
    assert messages_of(response) == ["3 records verified, with 1 service disruption of theirs."]
    assert Incident.objects.filter(last_ingestion_run=run, status="verified").count() == 4
    assert ServiceDisruption.objects.get().status == "verified"
    assert Incident.objects.get(pk=other_run[0].pk).status == "submitted"
    assert not RunVerification.objects.exists()
    assert_in_step()


def test_a_large_run_is_verified_by_a_worker_in_steps(
    client, verifier, run, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "IN_REQUEST_LIMIT", 4)
    monkeypatch.setattr("incidents.services.run_review.STEP", 2)
    ingested(run, 5, submitted=True)
    client.force_login(verifier)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(run_url(run, "verify_records"))
    page = html.unescape(client.get(run_url(run)).content.decode())

    assert len(sent_tasks(callbacks)) == 1
    assert messages_of(response) == [
        "5 records are being verified in the background; this page shows how far it has got."
    ]
    verification = RunVerification.objects.get()
    assert (verification.status, verification.requested_by) == ("succeeded", verifier)
    assert (verification.total, verification.verified, verification.refused) == (5, 5, 0)
    assert set(Incident.objects.values_list("status", flat=True)) == {"verified"}
    assert "(succeeded): 5 of 5 verified" in page
    assert "Verify this run's records" not in page
    assert_in_step()


def test_a_second_request_while_a_worker_verifies_is_refused(
    client, verifier, run, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "IN_REQUEST_LIMIT", 1)
    ingested(run, 2, submitted=True)
    RunVerification.objects.create(run=run, requested_by=verifier, total=2)
    client.force_login(verifier)

    page = client.get(run_url(run))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(run_url(run, "verify_records"))

    assert '<meta http-equiv="refresh"' in page.content.decode()
    assert sent_tasks(callbacks) == []
    assert messages_of(response) == ["This run's records are already being verified."]
    assert RunVerification.objects.count() == 1
    assert set(Incident.objects.values_list("status", flat=True)) == {"submitted"}


@pytest.mark.parametrize(("role", "status_code"), [("analyst", 403), ("reporter", 404)])
def test_only_verifiers_may_verify_a_runs_records(client, request, role, status_code, run):
    ingested(run, 2, submitted=True)
    client.force_login(request.getfixturevalue(role))

    page = client.get(run_url(run))
    response = client.post(run_url(run, "verify_records"))

    assert "Verify this run" not in page.content.decode()
    assert response.status_code == status_code
    assert set(Incident.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_verify_address_takes_only_posts(client, verifier, run):
    client.force_login(verifier)
    assert client.get(run_url(run, "verify_records")).status_code == 405


def test_a_verification_whose_user_is_gone_fails_and_changes_nothing(run, verifier):
    ingested(run, 2, submitted=True)
    verification = RunVerification.objects.create(run=run, total=2)

    verification = services.run_verification_execute(verification_id=verification.pk)

    assert (verification.status, verification.error) == (
        "failed",
        "The user who asked for it no longer exists or is inactive.",
    )
    assert set(Incident.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_redelivered_task_goes_on_with_what_is_left(run, verifier):
    first = ingested(run, 2, submitted=True)
    services.records_verify_bulk(model=Incident, ids=[first[0].pk], by=verifier)
    verification = RunVerification.objects.create(
        run=run, requested_by=verifier, total=2, verified=1, status="running"
    )

    verification = services.run_verification_execute(verification_id=verification.pk)
    again = services.run_verification_execute(verification_id=verification.pk)

    assert (verification.status, verification.verified) == ("succeeded", 2)
    assert (again.status, again.verified) == ("succeeded", 2)
    assert set(Incident.objects.values_list("status", flat=True)) == {"verified"}
