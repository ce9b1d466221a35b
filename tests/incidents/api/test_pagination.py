"""Pages report a count without counting the table on every page, and lead on by cursor."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.factories import IncidentFactory, ServiceDisruptionFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


def test_counts_are_cached_per_query_and_dropped_when_rows_change(
    anonymous, organisation, django_assert_num_queries
):
    IncidentFactory.create_batch(3, organisation=organisation, verified=True)
    first = anonymous.get(URL, {"limit": 2})
    assert (first.json()["count"], len(first.json()["results"])) == (3, 2)
    # The next page of the same query reads only its rows.
    with django_assert_num_queries(1):
        page = anonymous.get(URL, {"limit": 2, "offset": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 1)
    # A different filter is a different count.
    assert anonymous.get(URL, {"region": "UA80"}).json()["count"] == 0
    # A new record, and a deletion, show at once.
    added = IncidentFactory(organisation=organisation, verified=True)
    assert anonymous.get(URL, {"limit": 2}).json()["count"] == 4
    added.delete()
    assert anonymous.get(URL, {"limit": 2}).json()["count"] == 3


def test_counts_follow_what_each_reader_may_see(anonymous, partner_a, organisation):
    IncidentFactory(organisation=organisation, verified=True)
    IncidentFactory(organisation=organisation, submitted=True)
    assert anonymous.get(URL).json()["count"] == 1
    assert partner_a.get(URL).json()["count"] == 2
    assert anonymous.get(URL).json()["count"] == 1


def _incidents(organisation, days_and_killed):
    return [
        IncidentFactory(
            organisation=organisation,
            verified=True,
            occurred_on=dt.date(2024, 1, day),
            killed=killed,
            injured=killed,
        )
        for day, killed in days_and_killed
    ]


def _walk(client, url, params, link="next"):
    """Every page from the first, following ``link``; the ids of each page."""
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        pages.append([row["id"] for row in page["results"]])
        if page[link] is None:
            return pages, page
        response = client.get(page[link])


# Seven incidents on four days: days shared by several rows are where a cursor on the
# date alone would repeat or skip rows.
DAYS = [(3, 0), (1, 2), (3, 5), (2, 1), (3, 2), (1, 0), (2, 7)]


def test_next_links_walk_the_whole_list_once_in_order(anonymous, organisation):
    _incidents(organisation, DAYS)
    everything = [row["id"] for row in anonymous.get(URL, {"limit": 50}).json()["results"]]
    pages, last = _walk(anonymous, URL, {"limit": 2})
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [row for page in pages for row in page] == everything
    assert last["count"] == 7
    # And back again from the last page through the previous links.
    back = [last_page := [row["id"] for row in last["results"]]]
    previous = last["previous"]
    while previous:
        page = anonymous.get(previous).json()
        back.append([row["id"] for row in page["results"]])
        previous = page["previous"]
    assert back[::-1] == pages
    assert last_page == everything[-1:]


def test_a_cursor_keeps_its_place_when_rows_are_added_before_it(anonymous, organisation):
    _incidents(organisation, DAYS)
    first = anonymous.get(URL, {"limit": 3}).json()
    # A newer incident arrives while the reader is on the first page: with offsets the
    # third row would be shown again on the next page.
    _incidents(organisation, [(9, 0)])
    second = anonymous.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(seen)) == 6
    assert second["count"] == 8


@pytest.mark.parametrize("ordering", ["killed", "-killed", "occurred_on", "-updated_at"])
def test_cursors_follow_the_requested_order_through_ties(anonymous, organisation, ordering):
    _incidents(organisation, DAYS)
    params = {"ordering": ordering}
    everything = [row["id"] for row in anonymous.get(URL, params).json()["results"]]
    pages, _ = _walk(anonymous, URL, {**params, "limit": 3})
    assert [row for page in pages for row in page] == everything
    assert len(set(everything)) == 7


def test_next_links_keep_the_filters(anonymous, organisation):
    _incidents(organisation, DAYS)
    pages, _ = _walk(anonymous, URL, {"limit": 1, "date_from": "2024-01-02"})
    assert len(pages) == 5


def test_a_cursor_page_reads_one_query(anonymous, organisation, django_assert_num_queries):
    _incidents(organisation, DAYS)
    first = anonymous.get(URL, {"limit": 2}).json()
    with django_assert_num_queries(1):
        assert anonymous.get(first["next"]).status_code == 200


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        _cursor({"p": ["2024-01-03"], "r": False}),  # too short
        _cursor({"p": ["2024-13-03", 5], "r": False}),  # no such date
        _cursor({"p": ["2024-01-03", "five"], "r": False}),
        _cursor({"p": ["2024-01-03", None], "r": False}),
        _cursor({"p": ["2024-01-03", [1]], "r": False}),
        _cursor(["2024-01-03", 5]),
        _cursor({"r": False}),
    ],
)
def test_a_bad_cursor_is_a_400(anonymous, organisation, cursor):
    _incidents(organisation, DAYS[:2])
    response = anonymous.get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_a_position_beyond_any_id_is_still_a_position(anonymous, organisation):
    _incidents(organisation, DAYS[:2])
    # Out of the column's range: compared as a number, never a database error.
    page = anonymous.get(URL, {"cursor": _cursor({"p": ["2024-01-03", 10**30], "r": False})})
    assert page.status_code == 200
    assert len(page.json()["results"]) == 2  # every id of that day is below it


def test_a_cursor_past_the_end_gives_an_empty_page_with_the_way_back(anonymous, organisation):
    _incidents(organisation, DAYS[:2])
    end = _cursor({"p": ["2000-01-01", 1], "r": False})
    page = anonymous.get(URL, {"cursor": end}).json()
    assert (page["results"], page["next"]) == ([], None)
    back = anonymous.get(page["previous"]).json()
    assert len(back["results"]) == 2


def test_lists_ordered_by_a_field_that_may_be_empty_page_by_offset(staff, organisation):
    for hours in (None, 5, None):
        restored = None if hours is None else timezone.now() - dt.timedelta(hours=hours)
        ServiceDisruptionFactory(organisation=organisation, restored_at=restored)
    url = "/api/v1/service-disruptions/"
    page = staff.get(url, {"ordering": "restored_at", "limit": 2}).json()
    assert "offset=2" in page["next"]
    refused = staff.get(url, {"ordering": "restored_at", "cursor": _cursor({"p": [1], "r": 0})})
    assert refused.status_code == 400
    assert list(refused.json()) == ["cursor"]
    # With no cursor to follow instead, any offset is accepted.
    deep = staff.get(url, {"ordering": "restored_at", "offset": 20_000})
    assert (deep.status_code, deep.json()["results"]) == (200, [])
