"""Pages report a count without counting the table on every page."""

from __future__ import annotations

import pytest

from tests.factories import IncidentFactory

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
