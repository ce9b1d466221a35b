"""One edit path: the admin saves through the services the API uses, so the review gate,
the history's author and reason, the guard on verified figures, curated marking and
tombstones are the same whichever screen a change comes from."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents import services
from incidents.models import Incident, NeedsBaseline, ServiceDisruption, Tombstone
from tests.factories import IncidentFactory, ServiceDisruptionFactory, region
from tests.incidents.test_admin import admin_url, incident_data, management_form

pytestmark = pytest.mark.django_db


def disruption_rows(incident: Incident, **changes: Any) -> dict[str, Any]:
    """The incident's disruptions inline as the admin renders it, one row per disruption,
    with ``changes`` applied to the first row."""
    disruptions = list(incident.disruptions.order_by("-started_at", "-id"))
    data = {
        "disruptions-TOTAL_FORMS": len(disruptions),
        "disruptions-INITIAL_FORMS": len(disruptions),
        "disruptions-MIN_NUM_FORMS": 0,
        "disruptions-MAX_NUM_FORMS": 1000,
    }
    for number, disruption in enumerate(disruptions):
        row = {
            "id": disruption.pk,
            "incident": incident.pk,
            "service": disruption.service,
            "region": disruption.region_id,
            "settlement": disruption.settlement,
            "facility": disruption.facility,
            "people_affected": disruption.people_affected,
            "households_affected": "",
            "started_at_0": "2023-08-15",
            "started_at_1": "07:00:00",
            "restored_at_0": "",
            "restored_at_1": "",
            **(changes if number == 0 else {}),
        }
        data |= {f"disruptions-{number}-{name}": value for name, value in row.items()}
    return data


def post_incident(client, incident: Incident, **changes: Any):
    incident.refresh_from_db()
    data = {**incident_data(incident), **disruption_rows(incident), **changes}
    return client.post(admin_url("incident", "change", incident.pk), data)


def test_a_save_with_nothing_changed_writes_no_history(client, verifier, organisation):
    incident = IncidentFactory(organisation=organisation, verified=True)
    stamped = incident.updated_at
    client.force_login(verifier)

    response = post_incident(client, incident)

    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.history.count(), incident.updated_at) == (1, stamped)


def test_an_added_record_names_its_author_and_reason(client, reporter, organisation):
    client.force_login(reporter)
    blank = IncidentFactory.build(organisation=None, settlement="Brody")

    response = client.post(
        admin_url("incident", "add"), incident_data(blank, change_reason="Field visit")
    )

    assert response.status_code == 302
    added = Incident.objects.get().history.get()
    assert (added.history_type, added.history_user, added.history_change_reason) == (
        "+",
        reporter,
        "Field visit",
    )


def test_a_disruption_added_inside_a_verified_incident_joins_its_review(
    client, verifier, organisation
):
    incident = IncidentFactory(organisation=organisation, verified=True)
    client.force_login(verifier)
    row = {
        "service": "water",
        "region": region().pk,
        "settlement": "Lviv",
        "facility": "",
        "people_affected": 1200,
        "households_affected": "",
        "started_at_0": "2023-08-15",
        "started_at_1": "07:00:00",
        "restored_at_0": "",
        "restored_at_1": "",
        "incident": incident.pk,
    }
    data = {
        **incident_data(incident),
        **management_form("disruptions", total=1),
        **{f"disruptions-0-{name}": value for name, value in row.items()},
    }
    url = admin_url("incident", "change", incident.pk)

    refused = client.post(url, data)

    assert refused.status_code == 200
    assert not ServiceDisruption.objects.exists()

    saved = client.post(url, {**data, "change_reason": "Utility's report"})

    assert saved.status_code == 302
    disruption = incident.disruptions.get()
    assert (disruption.status, disruption.verified_at) == ("verified", incident.verified_at)
    assert (disruption.organisation, disruption.created_by) == (organisation, verifier)
    history = disruption.history.get()
    assert (history.history_user, history.history_change_reason) == (verifier, "Utility's report")


def test_a_verified_disruption_inside_a_draft_incident_needs_a_reason(
    client, verifier, organisation
):
    incident = IncidentFactory(organisation=organisation)
    disruption = ServiceDisruptionFactory(
        organisation=organisation,
        incident=incident,
        status="verified",
        verified_at=incident.created_at,
        external_source="utility",
        external_id="out-1",
    )
    client.force_login(verifier)

    refused = post_incident(client, incident, **{"disruptions-0-people_affected": 900})
    saved = post_incident(
        client,
        incident,
        change_reason="Utility corrected",
        **{"disruptions-0-people_affected": 900},
    )

    assert refused.status_code == 200
    assert refused.context["inline_admin_formsets"][1].formset.non_form_errors() == [
        "This record is verified: give a reason for changing its figures."
    ]
    assert saved.status_code == 302
    disruption.refresh_from_db()
    assert (disruption.people_affected, disruption.is_curated) == (900, True)
    latest = disruption.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (verifier, "Utility corrected")


def test_a_disruption_deleted_inside_its_incident_leaves_a_tombstone(
    client, reporter, organisation
):
    incident = IncidentFactory(organisation=organisation)
    disruption = ServiceDisruptionFactory(organisation=organisation, incident=incident)
    client.force_login(reporter)

    response = post_incident(client, incident, **{"disruptions-0-DELETE": "on"})

    assert response.status_code == 302
    assert not ServiceDisruption.objects.exists()
    tombstone = Tombstone.objects.get()
    assert (tombstone.record_type, tombstone.public_id, tombstone.reason) == (
        "servicedisruption",
        disruption.public_id,
        "deleted",
    )
    assert disruption.history.latest().history_change_reason == "Deleted"


def test_a_reporter_cannot_change_another_organisations_disruption_inside_own_draft(
    client, reporter, organisation, other_organisation
):
    incident = IncidentFactory(organisation=organisation)
    disruption = ServiceDisruptionFactory(organisation=other_organisation, incident=incident)
    client.force_login(reporter)

    response = post_incident(client, incident, **{"disruptions-0-people_affected": 1})

    assert response.status_code == 403
    disruption.refresh_from_db()
    assert (disruption.people_affected, disruption.history.count()) == (1000, 1)


def test_a_verifier_moves_a_record_to_another_organisation_in_the_admin(
    client, verifier, organisation, other_organisation
):
    incident = IncidentFactory(organisation=organisation)
    client.force_login(verifier)

    response = post_incident(client, incident, organisation=other_organisation.pk)

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.organisation == other_organisation
    assert incident.history.latest().history_user == verifier


def test_saving_a_record_in_place_keeps_the_review_fields_out_of_reach(
    reporter, verifier, organisation, other_organisation
):
    incident = IncidentFactory(organisation=organisation)
    incident.organisation = other_organisation
    with pytest.raises(ValidationError):
        services.record_save_changes(record=incident, by=reporter, changed_fields=["organisation"])
    incident.status = "verified"
    with pytest.raises(ValidationError):
        services.record_save_changes(record=incident, by=verifier, changed_fields=["status"])
    incident.refresh_from_db()
    assert (incident.organisation, incident.status) == (organisation, "draft")


def test_rows_of_a_record_the_user_may_not_edit_are_refused(reporter, other_organisation):
    incident = IncidentFactory(organisation=other_organisation)
    row = ServiceDisruptionFactory.build(organisation=None, incident=incident)
    with pytest.raises(PermissionDenied):
        services.record_rows_save(record=incident, by=reporter, added=[row])
    assert not ServiceDisruption.objects.exists()


def test_a_baseline_saved_unchanged_writes_no_history(client, verifier):
    baseline = NeedsBaseline.objects.create(
        region=region("UA46"), external_source="hno-2023", reference_year=2023, population=10
    )
    client.force_login(verifier)
    data = {
        "region": baseline.region_id,
        "external_source": "hno-2023",
        "reference_year": 2023,
        "population": 10,
        "people_affected": "",
        "people_in_need": "",
    }

    response = client.post(
        reverse("admin:incidents_needsbaseline_change", args=[baseline.pk]), data
    )

    assert response.status_code == 302
    baseline.refresh_from_db()
    assert (baseline.history.count(), baseline.is_curated) == (1, False)
