"""The review gate and edit rules, whatever the entry point."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.models import Incident, ServiceDisruption
from tests.factories import (
    GrainDisruptionFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    region,
)

pytestmark = pytest.mark.django_db


def reload(record):
    return type(record).objects.get(pk=record.pk)


def test_reporter_creates_a_draft_for_their_own_organisation(reporter, other_organisation):
    incident = services.incident_create(
        by=reporter,
        data={
            "occurred_on": dt.date(2023, 8, 15),
            "region": region("UA07"),
            "settlement": "Lutsk",
            "incident_type": "missile_strike",
            "killed": 3,
            "organisation": other_organisation,
            "status": "verified",
        },
    )
    incident = reload(incident)
    assert (incident.status, incident.organisation, incident.created_by) == (
        "draft",
        reporter.organisation,
        reporter,
    )
    assert incident.verified_at is None


def test_user_without_organisation_or_permission_cannot_create(reporter, analyst):
    reporter.organisation = None
    reporter.save()
    data = {"occurred_on": dt.date(2023, 8, 15), "incident_type": "drone_strike"}
    with pytest.raises(ValidationError):
        services.incident_create(by=reload(reporter), data=data)
    with pytest.raises(PermissionDenied):
        services.incident_create(by=analyst, data=data)
    assert Incident.objects.count() == 0


def test_full_workflow_draft_submitted_verified(reporter, verifier):
    incident = IncidentFactory(organisation=reporter.organisation)
    disruption = ServiceDisruptionFactory(organisation=reporter.organisation, incident=incident)

    services.record_submit(record=incident, by=reporter)
    assert reload(disruption).status == "submitted"

    services.record_verify(record=incident, by=verifier)
    incident, disruption = reload(incident), reload(disruption)
    assert (incident.status, incident.verified_by) == ("verified", verifier)
    assert incident.verified_at is not None
    assert (disruption.status, disruption.verified_by) == ("verified", verifier)


def test_reporter_cannot_verify_or_reject_even_own_records(reporter):
    incident = IncidentFactory(organisation=reporter.organisation, submitted=True)
    with pytest.raises(PermissionDenied):
        services.record_verify(record=incident, by=reporter)
    with pytest.raises(PermissionDenied):
        services.record_reject(record=incident, by=reporter, reason="duplicate")
    assert reload(incident).status == "submitted"


def test_analyst_reads_but_cannot_verify_or_edit(analyst):
    incident = IncidentFactory(submitted=True)
    assert not services.can_edit_record(user=analyst, record=incident)
    with pytest.raises(PermissionDenied):
        services.record_verify(record=incident, by=analyst)
    with pytest.raises(PermissionDenied):
        services.record_update(record=incident, by=analyst, data={"killed": 1})


def test_only_submitted_records_can_be_verified(verifier):
    incident = IncidentFactory()
    with pytest.raises(ValidationError) as error:
        services.record_verify(record=incident, by=verifier)
    assert error.value.code == "invalid_transition"
    assert reload(incident).status == "draft"


def test_rejection_needs_a_reason_and_keeps_it(verifier):
    incident = IncidentFactory(submitted=True)
    with pytest.raises(ValidationError):
        services.record_reject(record=incident, by=verifier, reason="  ")
    assert reload(incident).status == "submitted"

    services.record_reject(record=incident, by=verifier, reason="Duplicate of another report")
    incident = reload(incident)
    assert (incident.status, incident.rejection_reason) == (
        "rejected",
        "Duplicate of another report",
    )


def test_verified_record_can_be_retracted_and_returned(verifier):
    incident = IncidentFactory(verified=True)
    services.record_reject(record=incident, by=verifier, reason="Source withdrew the report")
    incident = reload(incident)
    assert (incident.status, incident.verified_at, incident.verified_by) == ("rejected", None, None)
    services.record_return_to_draft(record=incident, by=verifier)
    assert reload(incident).status == "draft"


def test_reporter_may_withdraw_own_submission_but_not_anothers(reporter, other_reporter):
    own = IncidentFactory(organisation=reporter.organisation, submitted=True)
    other = IncidentFactory(organisation=other_reporter.organisation, submitted=True)
    services.record_return_to_draft(record=own, by=reporter)
    assert reload(own).status == "draft"
    with pytest.raises(PermissionDenied):
        services.record_return_to_draft(record=other, by=reporter)
    assert reload(other).status == "submitted"


def test_reporter_edits_only_own_drafts(reporter):
    own_draft = IncidentFactory(organisation=reporter.organisation)
    own_submitted = IncidentFactory(organisation=reporter.organisation, submitted=True)
    other_draft = IncidentFactory()

    services.record_update(record=own_draft, by=reporter, data={"injured": 5})
    assert reload(own_draft).injured == 5
    for record in (own_submitted, other_draft):
        with pytest.raises(PermissionDenied):
            services.record_update(record=record, by=reporter, data={"injured": 5})
        assert reload(record).injured == 2


def test_reporter_cannot_submit_another_organisations_draft(reporter):
    other_draft = IncidentFactory()
    with pytest.raises(PermissionDenied):
        services.record_submit(record=other_draft, by=reporter)
    assert reload(other_draft).status == "draft"


def test_verified_figures_change_only_with_a_reason(verifier):
    incident = IncidentFactory(verified=True, killed=1)
    with pytest.raises(ValidationError) as error:
        services.record_update(record=incident, by=verifier, data={"killed": 2})
    assert "change_reason" in error.value.message_dict
    assert reload(incident).killed == 1

    # Text that is not a figure needs no reason.
    services.record_update(record=incident, by=verifier, data={"description": "Updated"})
    services.record_update(record=incident, by=verifier, data={"killed": 2}, reason="Morgue data")
    incident = reload(incident)
    assert (incident.killed, incident.description) == (2, "Updated")
    assert incident.history.first().history_change_reason == "Morgue data"


def test_status_and_ownership_cannot_be_mass_assigned(verifier, other_organisation):
    incident = IncidentFactory()
    for data in ({"status": "verified"}, {"organisation": other_organisation}):
        with pytest.raises(ValidationError):
            services.record_update(record=incident, by=verifier, data=data)
    incident = reload(incident)
    assert incident.status == "draft"
    assert incident.organisation != other_organisation


def test_invalid_update_raises_validation_error_and_saves_nothing(verifier):
    incident = IncidentFactory(killed=1)
    with pytest.raises(ValidationError):
        services.record_update(record=incident, by=verifier, data={"children_killed": 4})
    assert reload(incident).children_killed == 0


def test_review_rules_apply_to_service_and_grain_disruptions(reporter, verifier):
    disruption = ServiceDisruptionFactory(organisation=reporter.organisation)
    grain = GrainDisruptionFactory(organisation=reporter.organisation)
    for record in (disruption, grain):
        services.record_submit(record=record, by=reporter)
        with pytest.raises(PermissionDenied):
            services.record_verify(record=record, by=reporter)
        services.record_verify(record=record, by=verifier)
        assert reload(record).status == "verified"
    assert ServiceDisruption.objects.published().count() == 1
