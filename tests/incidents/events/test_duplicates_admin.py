"""The possible-duplicates queue in the admin, worked by a Verifier."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from incidents.models import DistinctReports, Event, Incident
from incidents.services.review import record_submit, record_verify
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:incidents_incident_duplicates")


@pytest.fixture
def waiting(reporter):
    """A verified Lviv strike, and a second report of it at settlement precision that
    the matching could not be sure of."""
    first = IncidentFactory(verified=True, injured=19, killed=3)
    second = IncidentFactory(organisation=reporter.organisation, injured=25, killed=3)
    record_submit(record=second, by=reporter)
    second.refresh_from_db()
    assert second.awaiting_match_since is not None
    return first, second


def test_the_queue_shows_each_waiting_report_with_its_candidates_and_reasons(
    client, verifier, waiting
):
    first, second = waiting
    client.force_login(verifier)
    page = client.get(QUEUE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 report waits for a decision" in text
    assert reverse("admin:incidents_incident_change", args=[second.pk]) in text
    assert reverse("admin:incidents_incident_change", args=[first.pk]) in text
    assert "same settlement" in text
    assert "Waiting for" in text
    listing = client.get(reverse("admin:incidents_incident_changelist"))
    assert "Possible duplicates: 1" in listing.content.decode()


def test_a_verifier_links_from_the_queue(client, verifier, waiting):
    first, second = waiting
    client.force_login(verifier)
    response = client.post(
        QUEUE,
        {"report": second.pk, "candidate": first.pk, "decision": "same", "reason": "Same block"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.awaiting_match_since is None
    event = Event.objects.get()
    assert set(event.reports.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert second.history.first().history_change_reason == "Same block"
    assert second.history.first().history_user == verifier
    assert "No report is waiting" in client.get(QUEUE).content.decode()


def test_a_verifier_keeps_a_different_attack_apart(client, verifier, waiting):
    first, second = waiting
    client.force_login(verifier)
    client.post(QUEUE, {"report": second.pk, "decision": "different", "reason": "Other hour"})
    second.refresh_from_db()
    assert second.awaiting_match_since is None
    assert second.event_id is None
    assert DistinctReports.objects.filter(first=first, second=second).exists()


def test_reporters_cannot_open_the_queue(client, reporter, waiting):
    client.force_login(reporter)
    assert client.get(QUEUE).status_code == 403
    listing = client.get(reverse("admin:incidents_incident_changelist"))
    assert "Possible duplicates" not in listing.content.decode()


def test_the_event_page_lists_its_reports_and_the_spread(client, verifier, waiting):
    first, second = waiting
    client.force_login(verifier)
    client.post(QUEUE, {"report": second.pk, "candidate": first.pk, "decision": "same"})
    second.refresh_from_db()
    record_verify(record=second, by=verifier)
    event = Event.objects.get()
    page = client.get(reverse("admin:incidents_event_change", args=[event.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "injured: 19-25 (2)" in text
    assert Incident.objects.filter(event=event).count() == 2
    assert dt.date(2023, 8, 15).isoformat() in text or "Aug. 15, 2023" in text


def test_a_reporter_sees_earlier_reports_before_saving_and_saves_again_to_keep_it(
    client, reporter, other_organisation
):
    from tests.incidents.test_admin import incident_data

    published = IncidentFactory(verified=True, organisation=other_organisation, injured=19)
    IncidentFactory(submitted=True, organisation=other_organisation, settlement="Lviv")
    client.force_login(reporter)
    data = incident_data(IncidentFactory.build(organisation=None, injured=20))
    add = reverse("admin:incidents_incident_add")

    first = client.post(add, data)

    assert first.status_code == 200  # shown again, nothing saved
    assert Incident.objects.count() == 2
    errors = " ".join(first.context["adminform"].form.non_field_errors())
    assert "This may repeat an earlier report" in errors
    assert str(published) in errors
    assert "same settlement" in errors
    # Another organisation's unpublished report is not shown to a Reporter.
    assert errors.count("Lviv") == 1
    assert 'name="repeats_checked" value="True"' in first.content.decode()

    second = client.post(add, {**data, "repeats_checked": "True"})

    assert second.status_code == 302
    assert Incident.objects.count() == 3


def test_nothing_to_check_saves_at_once(client, reporter):
    from tests.incidents.test_admin import incident_data

    client.force_login(reporter)
    data = incident_data(IncidentFactory.build(organisation=None))
    assert client.post(reverse("admin:incidents_incident_add"), data).status_code == 302


def test_a_verifier_chooses_a_figure_and_takes_a_report_out_on_the_event_page(
    client, verifier, waiting
):
    first, second = waiting
    client.force_login(verifier)
    client.post(QUEUE, {"report": second.pk, "candidate": first.pk, "decision": "same"})
    event = Event.objects.get()
    page = reverse("admin:incidents_event_change", args=[event.pk])
    decide = reverse("admin:incidents_event_decide", args=[event.pk])
    assert "Take out of this event" in client.get(page).content.decode()

    unpublished = {"decision": "choose", "name": "injured", "report": second.pk, "reason": "X"}
    client.post(decide, unpublished)
    event.refresh_from_db()
    assert event.chosen_from == {}  # only a published report's figure is published
    second.refresh_from_db()
    record_verify(record=second, by=verifier)
    refused = client.post(decide, {"decision": "choose", "name": "injured", "report": second.pk})
    assert refused.status_code == 302
    event.refresh_from_db()
    assert event.injured == 19  # no reason given: nothing chosen
    client.post(
        decide,
        {"decision": "choose", "name": "injured", "report": second.pk, "reason": "Later toll"},
    )
    event.refresh_from_db()
    assert (event.injured, event.chosen_from) == (25, {"injured": second.pk})

    client.post(decide, {"decision": "split", "report": second.pk, "reason": "Other strike"})
    second.refresh_from_db()
    assert second.event_id is None


def test_a_reporter_has_no_event_pages(client, reporter, verifier, waiting):
    """An event may gather other organisations' unpublished reports: Reporters see their
    own reports, not events."""
    first, second = waiting
    client.force_login(verifier)
    client.post(QUEUE, {"report": second.pk, "candidate": first.pk, "decision": "same"})
    event = Event.objects.get()
    client.force_login(reporter)
    assert client.get(reverse("admin:incidents_event_change", args=[event.pk])).status_code == 403
    assert client.get(reverse("admin:incidents_event_changelist")).status_code == 403
    decide = reverse("admin:incidents_event_decide", args=[event.pk])
    client.post(decide, {"decision": "split", "report": second.pk, "reason": "No"})
    second.refresh_from_db()
    assert second.event_id == event.pk
    assert str(event.lead) not in str(event)


@pytest.mark.parametrize("posted", [{"report": "x", "decision": "same"}, {"report": ""}])
def test_odd_posts_to_the_queue_are_not_found(client, verifier, posted):
    client.force_login(verifier)
    assert client.post(QUEUE, posted).status_code == 404


def test_odd_posts_on_an_event_page_change_nothing(client, verifier, waiting):
    first, second = waiting
    client.force_login(verifier)
    client.post(QUEUE, {"report": second.pk, "candidate": first.pk, "decision": "same"})
    event = Event.objects.get()
    decide = reverse("admin:incidents_event_decide", args=[event.pk])
    assert client.post(decide, {"report": "x", "decision": "split"}).status_code == 302
    assert client.post("/admin/incidents/event/abc/decide/", {"report": "1"}).status_code == 404
    assert set(event.reports.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_the_queue_reads_a_constant_number_of_queries(
    client, verifier, reporter, django_assert_max_num_queries
):
    for day in (15, 16, 17):
        IncidentFactory(verified=True, occurred_on=dt.date(2023, 8, day))
        repeat = IncidentFactory(
            organisation=reporter.organisation, occurred_on=dt.date(2023, 8, day)
        )
        record_submit(record=repeat, by=reporter)
    client.force_login(verifier)
    with django_assert_max_num_queries(12):
        assert "3 reports wait" in client.get(QUEUE).content.decode()
