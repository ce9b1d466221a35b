"""The events endpoint: one row per counted event, and how partners follow events that
merge, by tombstones and ``updated_since``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incidents.models import Event, Tombstone
from incidents.services.events import report_link, report_split
from incidents.services.review import record_reject
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
DAY = dt.date(2023, 8, 15)


def report(**values: object):
    defaults: dict[str, object] = {"occurred_on": DAY, "killed": 3, "injured": 19}
    return IncidentFactory(**{**defaults, **values})


def rows(client, **query: str) -> dict[str, dict]:
    response = client.get(URL, query)
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


def test_a_report_standing_alone_is_an_event_of_one_source(anonymous):
    alone = report(verified=True, children_injured=1)
    (row,) = rows(anonymous).values()
    assert row["id"] == str(alone.public_id)
    assert (row["killed"], row["killed_min"], row["killed_max"]) == (3, 3, 3)
    assert (row["children_injured_min"], row["children_injured_max"]) == (1, 1)
    assert (row["sources"], row["reports"]) == (1, [str(alone.public_id)])


def test_an_event_is_one_row_shown_to_whoever_may_see_its_lead(
    anonymous, partner_a_read, staff, organisation, verifier
):
    lead = report(verified=True, injured=19)
    own = report(organisation=organisation, submitted=True, injured=25)
    report_link(report=own, to=lead, by=verifier)
    waiting = report(submitted=True, awaiting_match_since=timezone.now())
    draft = report()  # not in review: counted nowhere, listed nowhere

    public = rows(anonymous)
    assert list(public) == [str(lead.public_id)]
    row = public[str(lead.public_id)]
    # The spread is the published reports': the one awaiting review is not in it yet.
    assert (row["injured"], row["injured_min"], row["injured_max"], row["sources"]) == (
        19,
        19,
        19,
        1,
    )
    # The public does not learn the id of a report it may not read.
    assert row["reports"] == [str(lead.public_id)]
    own_row = rows(partner_a_read)[str(lead.public_id)]
    assert own_row["reports"] == [str(lead.public_id), str(own.public_id)]
    assert set(rows(staff)) == {str(lead.public_id)}
    assert str(waiting.public_id) not in rows(staff)
    assert str(draft.public_id) not in rows(staff)

    incidents = {
        row["id"]: (row["event"], row["awaiting_match"])
        for row in staff.get("/api/v1/incidents/").json()["results"]
    }
    assert incidents == {
        str(lead.public_id): (str(lead.public_id), False),
        str(own.public_id): (str(lead.public_id), False),
        str(waiting.public_id): (None, True),
        str(draft.public_id): (str(draft.public_id), False),
    }


def test_a_partner_copying_events_follows_merges_and_changes(anonymous, verifier):
    a1, a2 = report(verified=True), report(verified=True, injured=20)
    b1, b2 = report(verified=True, injured=21), report(verified=True, injured=22)
    kept = report_link(report=a2, to=a1, by=verifier)
    merged = report_link(report=b2, to=b1, by=verifier)
    copied = rows(anonymous)
    assert set(copied) == {str(kept.public_id), str(merged.public_id)}
    since = timezone.now().isoformat()

    report_link(report=b1, to=a1, by=verifier, reason="One strike")
    tombstones = anonymous.get("/api/v1/tombstones/", {"since": since}).json()["results"]
    assert [
        (row["id"], row["record_type"], row["reason"], row["merged_into"]) for row in tombstones
    ] == [(str(merged.public_id), "event", "merged", str(kept.public_id))]
    changed = rows(anonymous, updated_since=since)
    assert list(changed) == [str(kept.public_id)]
    assert (
        changed[str(kept.public_id)]["injured_max"],
        changed[str(kept.public_id)]["sources"],
    ) == (
        22,
        4,
    )

    # A figure of a report that does not lead changes the spread: the event changed.
    since = timezone.now().isoformat()
    b2.refresh_from_db()
    b2.injured = 30
    b2.save()
    assert rows(anonymous, updated_since=since)[str(kept.public_id)]["injured_max"] == 30


def test_a_report_published_alone_that_joins_an_event_points_there(anonymous, verifier):
    first, second = report(verified=True), report(verified=True, injured=25)
    since = timezone.now().isoformat()
    event = report_link(report=second, to=first, by=verifier)
    tombstones = anonymous.get("/api/v1/tombstones/", {"record_type": "event"}).json()
    assert [(row["id"], row["merged_into"]) for row in tombstones["results"]] == [
        (str(second.public_id), str(event.public_id))
    ]
    assert list(rows(anonymous, updated_since=since)) == [str(event.public_id)]


def test_splitting_out_the_report_an_event_is_published_under(anonymous, verifier):
    first, second, third = report(verified=True), report(verified=True), report(verified=True)
    event = report_link(report=second, to=first, by=verifier)
    report_link(report=third, to=first, by=verifier)
    report_split(report=first, by=verifier, reason="An earlier strike")
    event.refresh_from_db()
    listed = rows(anonymous)
    assert set(listed) == {str(first.public_id), str(event.public_id)}
    assert event.public_id != first.public_id
    assert listed[str(first.public_id)]["reports"] == [str(first.public_id)]
    assert listed[str(event.public_id)]["sources"] == 2


def test_the_list_takes_a_constant_number_of_queries(
    anonymous, verifier, django_assert_max_num_queries
):
    for _ in range(5):
        lead = report(verified=True)
        report_link(report=report(verified=True), to=lead, by=verifier)
        report(verified=True)
    with django_assert_max_num_queries(6):
        assert len(rows(anonymous)) == 10


def test_taking_out_a_rejected_report_the_event_was_published_under_points_partners_on(
    anonymous, verifier
):
    first = report(verified=True)
    second = report(verified=True, injured=20)
    report_link(report=second, to=first, by=verifier)
    event = Event.objects.get()
    old_id = str(event.public_id)
    record_reject(record=first, by=verifier, reason="Wrong town")
    assert old_id in rows(anonymous)  # the event goes on under the first report's id
    report_split(report=first, by=verifier, reason="Another attack")
    event.refresh_from_db()
    assert set(rows(anonymous)) == {str(event.public_id)}
    stone = Tombstone.objects.filter(public_id=old_id, record_type="event").get()
    assert (stone.reason, str(stone.merged_into), stone.was_published) == (
        "merged",
        str(event.public_id),
        True,
    )


def test_an_event_that_stops_being_public_leaves_a_tombstone_under_its_id(anonymous, verifier):
    from incidents.services.review import record_verify

    stored = report(submitted=True)  # never published: the event is formed under its id
    newer = report(submitted=True, injured=20)
    report_link(report=newer, to=stored, by=verifier)
    record_verify(record=newer, by=verifier)
    event = Event.objects.get()
    assert str(event.public_id) in rows(anonymous)
    record_reject(record=newer, by=verifier, reason="Wrong day")
    assert str(event.public_id) not in rows(anonymous)
    stone = Tombstone.objects.get(public_id=event.public_id, record_type="event")
    assert (stone.reason, stone.was_published, stone.merged_into) == ("withdrawn", True, None)
    tombstones = anonymous.get("/api/v1/tombstones/", {"record_type": "event"}).json()
    assert str(event.public_id) in {row["id"] for row in tombstones["results"]}
