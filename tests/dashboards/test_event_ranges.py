"""The region page shows an event once, with the spread of its sources."""

from __future__ import annotations

import datetime as dt

import pytest

from incidents.services.events import report_link
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_an_event_of_three_reports_is_one_row_with_its_range(client, verifier):
    first = IncidentFactory(verified=True, killed=3, injured=19, occurred_on=dt.date(2023, 8, 15))
    others = [
        IncidentFactory(verified=True, killed=5, injured=19, occurred_on=dt.date(2023, 8, 15)),
        IncidentFactory(verified=True, killed=4, injured=19, occurred_on=dt.date(2023, 8, 15)),
    ]
    for other in others:
        report_link(report=other, to=first, by=verifier)
    client.force_login(verifier)
    page = client.get(
        "/dashboards/regions/UA46/", {"date_from": "2023-08-01", "date_to": "2023-08-31"}
    ).content.decode()
    table = page.split('id="incidents"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 2  # the header and one event
    assert "3 (3–5, 3 sources)" in table
    assert "<td>19</td>" in table  # the sources agree: no range
