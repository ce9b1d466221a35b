"""Pure table functions: selector results in, a table's header and rows out; no database,
no request, testable alone (the tables beside ``charts``' figures).

Most are a page's CSV downloads, written by ``csv_lines``; ``service_rows`` are the rows
of the region page's services table.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from dashboards.selectors import DisruptionEffect, RegionSeverity, daily_levels
from dashboards.severity import SECTORS
from impact.spreadsheets import spreadsheet_safe
from incidents.models import ServiceDisruption
from incidents.selectors import GrainMonth

SERVICES_SHOWN = ("electricity", "water", "heating", "health_care", "telecom")


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Iterable[list[Any]]


def needs_table(graded: Sequence[RegionSeverity]) -> Table:
    """Each region's needs, sector values and levels, and services out now."""
    sector_keys = [sector.key for sector in SECTORS]
    header = [
        "pcode",
        "region",
        "population",
        "people_in_need",
        "baseline",
        *sector_keys,
        *[f"{key}_level" for key in sector_keys],
        *[f"{service}_outages_now" for service in SERVICES_SHOWN],
        *[f"{service}_person_days" for service in SERVICES_SHOWN],
        # Of the people without a service now (in the sector values), those estimated from
        # households.
        *[f"{service}_people_estimated_now" for service in SERVICES_SHOWN],
    ]
    rows = [
        [
            row.needs.pcode,
            row.needs.name,
            row.needs.population,
            row.needs.people_in_need,
            row.needs.baseline,
        ]
        + [row.values[key] for key in sector_keys]
        + [row.levels[key] for key in sector_keys]
        + [row.needs.outages.get(service, 0) for service in SERVICES_SHOWN]
        + [row.needs.person_days.get(service, 0) for service in SERVICES_SHOWN]
        + [row.needs.people_without_estimated.get(service, 0) for service in SERVICES_SHOWN]
        for row in graded
    ]
    return Table(header, rows)


def weekly_table(weekly: Sequence[dict[str, Any]]) -> Table:
    columns = ["week", "incident_type", "incidents", "killed", "injured"]
    return Table(columns, [[row[column] for column in columns] for row in weekly])


@dataclass(frozen=True)
class _DailyLevelRows:
    """The rows of people without each service, one per day, made as they are read: the
    cache keeps only the days the numbers changed."""

    series: dict[str, list[tuple[Any, int]]]

    def __iter__(self) -> Iterator[list[Any]]:
        for service, points in self.series.items():
            for day, people in daily_levels(points):
                yield [day, service, people]


def people_without_table(series: dict[str, list[tuple[dt.date, int]]]) -> Table:
    return Table(["day", "service", "people_without"], _DailyLevelRows(series))


def service_rows(row: RegionSeverity | None) -> list[tuple[str | Promise, int, int, int, float]]:
    """Each service's people without it now (and how many of them are estimated from
    households), outages now and person-days in the period."""
    if row is None:
        return []
    return [
        (
            ServiceDisruption.Service(service).label,
            row.needs.people_without.get(service, 0),
            row.needs.people_without_estimated.get(service, 0),
            row.needs.outages.get(service, 0),
            row.needs.person_days.get(service, 0),
        )
        for service in ServiceDisruption.Service.values
    ]


def grain_exports_table(by_month: Sequence[GrainMonth]) -> Table:
    return Table(
        ["month", "port", "tonnes", "voyages"],
        [[row.month, row.port, row.tonnes, row.voyages] for row in by_month],
    )


def tonnes_table(rows: Sequence[dict[str, Any]], *, key: str) -> Table:
    """Tonnes by one grouping (``commodity``, ``income_group``), as the selector sorted them."""
    return Table([key, "tonnes"], [[row[key], row["tonnes"]] for row in rows])


def disruption_effects_table(effects: Sequence[DisruptionEffect]) -> Table:
    return Table(
        ["started_on", "disruption_type", "port", "before_30", "after_30", "before_90"]
        + ["after_90"],
        [
            [
                effect.disruption.started_on,
                effect.disruption.disruption_type,
                effect.disruption.port.name if effect.disruption.port else "",
                effect.before[30],
                effect.after[30],
                effect.before[90],
                effect.after[90],
            ]
            for effect in effects
        ],
    )


class _Line:
    """What csv.writer writes to: it hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV, line by line, with no cell a spreadsheet would run as a formula."""
    writer = csv.writer(_Line())
    yield writer.writerow(table.header)
    for row in table.rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])
