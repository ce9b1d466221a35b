"""The dashboards' tables, as pure functions: no database, no request."""

from __future__ import annotations

import datetime as dt

from dashboards import tables
from dashboards.selectors import with_severity
from incidents.selectors import RegionNeeds


def test_needs_table_has_a_row_per_region_with_each_sector_and_service():
    needs = RegionNeeds(
        pcode="UA46",
        iso_code="",
        name="Lvivska",
        population=1_000_000,
        sums={"injured": 19},
        outages={"water": 2},
        person_days={"water": 30.0},
    )
    table = tables.needs_table(with_severity([needs]))
    (row,) = table.rows
    cells = dict(zip(table.header, row, strict=True))
    assert (cells["pcode"], cells["region"], cells["population"]) == ("UA46", "Lvivska", 1_000_000)
    assert (cells["protection"], cells["protection_level"]) == (19, 2)
    assert (cells["water_outages_now"], cells["water_person_days"]) == (2, 30.0)
    assert (cells["electricity_outages_now"], cells["electricity_person_days"]) == (0, 0)


def test_people_without_table_has_every_day_at_the_latest_level():
    series = {"water": [(dt.date(2024, 1, 1), 500), (dt.date(2024, 1, 3), 0)]}
    table = tables.people_without_table(series)
    assert table.header == ["day", "service", "people_without"]
    assert list(table.rows) == [
        [dt.date(2024, 1, 1), "water", 500],
        [dt.date(2024, 1, 2), "water", 500],
        [dt.date(2024, 1, 3), "water", 0],
    ]


def test_csv_lines_keep_formulas_from_the_data_as_text():
    table = tables.tonnes_table([{"commodity": "=1+1", "tonnes": -5}], key="commodity")
    assert list(tables.csv_lines(table)) == ["commodity,tonnes\r\n", "'=1+1,-5\r\n"]


def test_service_rows_need_a_region():
    assert tables.service_rows(None) == []
