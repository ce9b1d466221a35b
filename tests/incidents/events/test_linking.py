"""Reports of one attack linked into one event, counted once, whichever way they come in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.events.matching import Verdict
from incidents.ingestion import services as ingestion
from incidents.models import (
    DistinctReports,
    Event,
    Incident,
    IngestionRun,
    MatchCandidate,
    SourceReliability,
    Tombstone,
)
from incidents.selectors.events import match_queue
from incidents.services.events import (
    event_choose_figure,
    report_link,
    report_mark_distinct,
    report_match,
    report_split,
)
from incidents.services.review import record_submit, record_verify
from tests.factories import IncidentFactory, SourceFactory, UserFactory, region
from tests.incidents.ingestion.impact_rows import impact_csv, impact_row
from tests.incidents.ingestion.test_bulk_writes import ingest_file as ingest
from tests.incidents.summed_figures import assert_in_step

pytestmark = pytest.mark.django_db

NIGHT = dt.date(2023, 8, 15)
AT = dt.datetime(2023, 8, 15, 0, 40, tzinfo=dt.UTC)  # 03:40 in Kyiv


def lviv_report(**values: object) -> Incident:
    """The Lviv strike as one more source reports it: same night, same block."""
    defaults: dict[str, object] = {
        "occurred_on": NIGHT,
        "occurred_at": AT,
        "settlement": "Lviv",
        "latitude": "49.839700",
        "longitude": "24.029700",
        "location_precision": "exact",
        "killed": 3,
        "injured": 19,
        "children_injured": 1,
        "status": "submitted",
    }
    if values.get("verified"):
        del defaults["status"]
    return IncidentFactory(**{**defaults, **values})


def vague_repeat(*, injured: int) -> tuple[Incident, Incident]:
    """A verified report of the strike, and a second one submitted with only the
    settlement and the day: a possible repeat, which waits in the queue."""
    first = lviv_report(verified=True, occurred_at=None, location_precision="settlement")
    second = lviv_report(
        status="draft",
        occurred_at=None,
        location_precision="settlement",
        latitude=None,
        longitude=None,
        injured=injured,
    )
    record_submit(record=second, by=UserFactory(organisation=second.organisation, role="Reporter"))
    second.refresh_from_db()
    assert second.awaiting_match_since is not None
    return first, second


def counted_injured() -> int:
    from incidents.models import IncidentDayFigures

    return sum(row.injured for row in IncidentDayFigures.objects.filter(region=region("UA46")))


def counted_incidents() -> int:
    from incidents.models import IncidentDayFigures

    return sum(row.incidents for row in IncidentDayFigures.objects.filter(region=region("UA46")))


def test_a_second_report_of_the_same_site_and_hour_is_linked_and_counted_once(verifier):
    first = lviv_report(verified=True)
    second = lviv_report(status="draft", injured=25, children_injured=2, killed=5)
    assert counted_incidents() == 1

    record_submit(record=second, by=UserFactory(organisation=second.organisation, role="Reporter"))

    second.refresh_from_db()
    first.refresh_from_db()
    assert second.event_id is not None
    assert first.event_id == second.event_id
    event = Event.objects.get(pk=second.event_id)
    # The verified report leads and its figures are published; the spread is kept.
    assert event.lead_id == first.pk
    assert (event.killed, event.injured, event.children_injured) == (3, 19, 1)
    # The spread is the published reports' alone until the second is verified too.
    assert event.ranges["injured"] == [19, 19, 1]
    assert event.public_id == first.public_id
    record_verify(record=second, by=verifier)
    event.refresh_from_db()
    assert event.ranges["injured"] == [19, 25, 2]
    assert event.ranges["killed"] == [3, 5, 2]
    assert (counted_incidents(), counted_injured()) == (1, 19)
    assert_in_step()
    linked = second.history.filter(history_change_reason__startswith="Linked by the matching:")
    assert linked.exists()


def test_the_most_reliable_source_leads_and_a_verifier_choice_is_kept(verifier):
    grade = SourceReliability.objects.create(external_source="acled", grade="B")
    staff = lviv_report(injured=19)
    feed = lviv_report(injured=22, external_source="acled", external_id="UKR1")
    report_link(report=feed, to=staff, by=verifier)
    event = Event.objects.get()
    assert event.lead_id == feed.pk  # B before a source never graded (F)
    assert (counted_incidents(), counted_injured()) == (1, 22)
    assert_in_step()

    event_choose_figure(
        event=event, name="injured", report=staff, by=verifier, reason="Hospital list"
    )
    event.refresh_from_db()
    assert (event.lead_id, event.injured, event.chosen_from) == (feed.pk, 19, {"injured": staff.pk})
    assert event.history.first().history_change_reason == "Hospital list"
    assert (counted_incidents(), counted_injured()) == (1, 19)
    # A new report of the feed changes nothing the Verifier chose.
    feed.injured = 40
    feed.save()
    event.refresh_from_db()
    assert (event.injured, event.ranges["injured"]) == (19, [19, 40, 2])
    assert_in_step()

    # Grading the feed down hands the lead to the staff report.
    grade.grade = "E"
    grade.save()
    event.refresh_from_db()
    assert event.lead_id == staff.pk
    assert_in_step()


def test_a_possible_repeat_waits_in_the_queue_uncounted_until_a_verifier_decides(verifier):
    first, second = vague_repeat(injured=30)
    assert list(match_queue()) == [second]
    candidate = MatchCandidate.objects.get(report=second)
    assert candidate.candidate_id == first.pk
    assert "same settlement" in candidate.reasons
    assert (counted_incidents(), counted_injured()) == (1, 19)
    assert_in_step()

    report_link(report=second, to=first, by=verifier, reason="Same block, later toll")
    second.refresh_from_db()
    assert second.awaiting_match_since is None
    first.refresh_from_db()
    assert second.event_id == first.event_id is not None
    assert list(match_queue()) == []
    assert (counted_incidents(), counted_injured()) == (1, 19)
    assert_in_step()


def test_a_different_attack_decision_counts_both_and_holds(verifier):
    first, second = vague_repeat(injured=4)

    report_mark_distinct(report=second, by=verifier, reason="Another district, other hour")
    second.refresh_from_db()
    assert second.awaiting_match_since is None
    assert DistinctReports.objects.filter(first=first, second=second).exists()
    assert (counted_incidents(), counted_injured()) == (2, 23)
    assert_in_step()
    # Matching again (a re-submission, a re-ingest) does not propose the pair again.
    assert report_match(report=second) == Verdict.NEW
    second.refresh_from_db()
    assert second.awaiting_match_since is None


def test_only_a_verifier_links(verifier):
    first = lviv_report()
    second = lviv_report()
    with pytest.raises(PermissionDenied):
        report_link(report=second, to=first, by=UserFactory(role="Reporter"))


def test_split_takes_a_report_out_and_keeps_it_apart(verifier):
    first = lviv_report(verified=True)
    second = lviv_report(injured=30)
    report_link(report=second, to=first, by=verifier)
    assert counted_incidents() == 1
    with pytest.raises(ValidationError):
        report_split(report=second, by=verifier, reason=" ")
    report_split(report=second, by=verifier, reason="A second strike an hour later")
    second.refresh_from_db()
    assert second.event_id is None
    assert (counted_incidents(), counted_injured()) == (2, 49)
    assert DistinctReports.objects.filter(first=first, second=second).exists()
    assert_in_step()


def test_linking_reports_of_two_events_merges_them_and_leaves_a_pointer(verifier):
    a1, a2 = lviv_report(verified=True), lviv_report(verified=True, injured=20)
    b1, b2 = lviv_report(verified=True, injured=21), lviv_report(verified=True, injured=22)
    kept = report_link(report=a2, to=a1, by=verifier)
    merged = report_link(report=b2, to=b1, by=verifier)
    report_link(report=b1, to=a1, by=verifier, reason="One strike, four sources")
    assert set(Incident.objects.filter(event=kept).values_list("pk", flat=True)) == {
        a1.pk,
        a2.pk,
        b1.pk,
        b2.pk,
    }
    merged.refresh_from_db()
    assert merged.merged_into_id == kept.pk
    tombstone = Tombstone.objects.get(public_id=merged.public_id)
    assert (tombstone.reason, tombstone.merged_into) == ("merged", kept.public_id)
    kept.refresh_from_db()
    assert kept.ranges["injured"] == [19, 22, 4]
    assert (counted_incidents(), counted_injured()) == (1, 19)
    assert_in_step()


def test_rejecting_the_lead_hands_the_event_to_the_next_report(verifier):
    first = lviv_report(verified=True)
    second = lviv_report(injured=25)
    report_link(report=second, to=first, by=verifier)
    first.status, first.verified_at, first.rejection_reason = "rejected", None, "Wrong city"
    first.save()
    event = Event.objects.get()
    assert event.lead_id == second.pk
    assert (counted_incidents(), counted_injured()) == (1, 25)
    assert_in_step()


def test_a_feed_row_citing_the_same_article_is_linked_as_it_is_ingested(tmp_path: Path):
    # Awaiting review, as the feed's row: the spread is taken over both.
    staff = lviv_report(occurred_at=None, location_precision="settlement")
    SourceFactory(incident=staff, url="https://www.example.org/news/lviv-strike/")
    rows = [
        impact_row(
            "UKR12002",
            settlement="Львів",
            location_precision="settlement",
            injured="16",
            killed="0",
            sources=[{"name": "News", "url": "http://example.org/news/lviv-strike"}],
        )
    ]
    payload = tmp_path / "acled.csv"
    payload.write_bytes(impact_csv(rows))
    for _ in range(2):
        ingest(payload)
    row = Incident.objects.get(external_source="acled")
    assert row.event_id is not None
    assert Incident.objects.get(pk=staff.pk).event_id == row.event_id
    assert row.history.first().history_change_reason.startswith("Ingested by run")
    assert (counted_incidents(), counted_injured()) == (1, 19)
    assert Event.objects.get().ranges["injured"] == [16, 19, 2]
    assert_in_step()

    # The source corrects its row: only its report changes, and the event's spread.
    payload.write_bytes(impact_csv([{**rows[0], "injured": "24"}]))
    ingest(payload)
    assert Incident.objects.get(pk=staff.pk).injured == 19
    assert Event.objects.get().ranges["injured"] == [19, 24, 2]
    assert (counted_incidents(), counted_injured()) == (1, 19)
    assert_in_step()


def test_a_long_reason_is_kept_whole_in_the_history(verifier):
    first, second = vague_repeat(injured=30)
    reason = "Same block: " + "the oblast administration's list names every injured person. " * 5
    report_link(report=second, to=first, by=verifier, reason=reason)
    assert second.history.first().history_change_reason == reason.strip()


def test_reports_a_batch_links_to_form_their_events_with_history(tmp_path: Path):
    earlier = NIGHT - dt.timedelta(days=5)
    staff = [
        lviv_report(verified=True, occurred_at=None, location_precision="settlement"),
        lviv_report(
            verified=True, occurred_on=earlier, occurred_at=None, location_precision="settlement"
        ),
    ]
    rows = []
    for number, report in enumerate(staff):
        SourceFactory(incident=report, url=f"https://example.org/news/{number}")
        rows.append(
            impact_row(
                f"UKR1200{number}",
                occurred_on=report.occurred_on.isoformat(),
                sources=[{"name": "News", "url": f"https://example.org/news/{number}/"}],
            )
        )
    payload = tmp_path / "acled.csv"
    payload.write_bytes(impact_csv(rows))
    ingest(payload)
    for number, report in enumerate(staff):
        row = Incident.objects.get(external_id=f"UKR1200{number}")
        report.refresh_from_db()
        event = Event.objects.get(pk=report.event_id)
        assert row.event_id == event.pk
        assert event.public_id == report.public_id
        assert event.lead_id == report.pk  # verified before the feed's row
        reason = row.history.first().history_change_reason
        assert report.history.first().history_change_reason == reason
        assert report.history.first().event_id == event.pk
        assert [(h.history_type, h.history_change_reason) for h in event.history.all()] == [
            ("+", reason)
        ]
    assert Event.objects.count() == 2
    assert (counted_incidents(), counted_injured()) == (2, 38)
    assert_in_step()


def test_verifying_feed_rows_in_bulk_that_ingestion_linked_counts_each_event_once(tmp_path: Path):
    from incidents.services import records_verify_bulk

    staff = lviv_report(verified=True, occurred_at=None, location_precision="settlement")
    SourceFactory(incident=staff, url="https://example.org/news/lviv")
    rows = [
        impact_row("UKR1", sources=[{"name": "News", "url": "https://example.org/news/lviv"}]),
        impact_row("UKR2", occurred_on="2023-07-01"),
    ]
    payload = tmp_path / "acled.csv"
    payload.write_bytes(impact_csv(rows))
    run = ingestion.ingestion_run_create(
        location=str(payload), format="impact-csv", trigger="command", record_status="submitted"
    )
    run = ingestion.ingestion_run_execute(run_id=run.pk)
    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    ids = list(Incident.objects.filter(external_source="acled").values_list("pk", flat=True))
    result = records_verify_bulk(model=Incident, ids=ids, by=UserFactory(role="Verifier"))
    assert len(result.done) == 2
    staff.refresh_from_db()
    assert staff.event_id is not None
    assert Incident.objects.get(external_id="UKR1").event_id == staff.event_id
    assert counted_incidents() == 2
    assert_in_step()


def test_a_report_dated_only_to_its_month_is_a_candidate_for_each_of_its_days():
    monthly = lviv_report(
        verified=True,
        occurred_on=dt.date(2023, 8, 1),
        occurred_at=None,
        date_precision="month",
        location_precision="settlement",
        external_source="acled",
        external_id="UKR-MONTH",
    )
    later = lviv_report(
        status="draft",
        occurred_on=dt.date(2023, 8, 24),
        occurred_at=None,
        location_precision="settlement",
        latitude=None,
        longitude=None,
    )
    record_submit(record=later, by=UserFactory(organisation=later.organisation, role="Reporter"))
    candidate = MatchCandidate.objects.get(report=later)
    assert candidate.candidate_id == monthly.pk
    assert "dated only to the month" in candidate.reasons


def test_a_queued_feed_row_corrected_by_its_source_still_counts_nowhere(tmp_path: Path):
    IncidentFactory(verified=True, killed=3, injured=19, location_precision="settlement")
    row = impact_row("UKR1", killed="1", injured="0", location_precision="settlement")
    payload = tmp_path / "acled.csv"
    payload.write_bytes(impact_csv([row]))
    ingest(payload)
    assert Incident.objects.get(external_source="acled").awaiting_match_since is not None
    payload.write_bytes(impact_csv([{**row, "killed": "7"}]))
    ingest(payload)
    assert (counted_incidents(), counted_injured()) == (1, 19)
    assert_in_step()


def test_a_lead_feed_row_moved_to_another_day_leaves_its_old_day(tmp_path: Path):
    SourceReliability.objects.create(external_source="acled", grade="A")
    staff = IncidentFactory(submitted=True, killed=3, injured=19, location_precision="settlement")
    SourceFactory(incident=staff, url="https://example.org/news/lviv")
    row = impact_row(
        "UKR1",
        location_precision="settlement",
        occurred_on="2023-08-16",
        sources=[{"name": "News", "url": "https://example.org/news/lviv"}],
    )
    payload = tmp_path / "acled.csv"
    payload.write_bytes(impact_csv([row]))
    ingest(payload)
    feed = Incident.objects.get(external_source="acled")
    assert Event.objects.get().lead_id == feed.pk
    payload.write_bytes(impact_csv([{**row, "occurred_on": "2023-08-17"}]))
    ingest(payload)
    assert counted_incidents() == 1
    assert_in_step()


def test_children_follow_their_total_when_a_chosen_report_is_corrected_later(verifier):
    lead = lviv_report(verified=True, killed=3, children_killed=2)
    other = lviv_report(verified=True, killed=5, children_killed=0)
    report_link(report=other, to=lead, by=verifier)
    event = Event.objects.get()
    event_choose_figure(event=event, name="killed", report=other, by=verifier, reason="Later toll")
    other.killed = 1
    other.save()
    event.refresh_from_db()
    assert (event.killed, event.children_killed) == (1, 0)
    assert_in_step()
    with pytest.raises(ValidationError):  # a choice that would break the rule is refused
        event_choose_figure(
            event=event, name="children_killed", report=lead, by=verifier, reason="Other list"
        )
