"""HXL needs baselines: people affected and in need per region, as an HNO table gives them.

OCHA's Humanitarian Needs Overview publishes one row per oblast with ``#adm1+code``,
``#population``, ``#affected`` and ``#inneed`` (figures are model estimates, so not whole
numbers). A row is identified by its region; the feed's source names the assessment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import BinaryIO

from incidents.ingestion.parsers.hxl_tags import (
    cell,
    locate_columns,
    parsed_rows,
    read_hxl_table,
)
from incidents.ingestion.parsers.values import collapse_whitespace, parse_optional_people
from incidents.ingestion.records import BaselineRecord, ParsedRow

# Overall figures only: a sector's people in need (#inneed+sector+wash) or a casualty count
# (#affected+killed) is never read as the overall figure.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "region": ("#adm1+code", "#adm1+name"),
    "people_in_need": ("#inneed-sector-cluster",),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "region_code": ("#adm1+code",),
    "region_name": ("#adm1+name-uk", "#adm1+name"),
    "population": ("#population",),
    "people_affected": ("#affected-killed-injured-sector-cluster",),
}


def parse_hxl_baseline(stream: BinaryIO) -> Iterator[ParsedRow]:
    """One ParsedRow per region row of an HXL baseline table."""
    table = read_hxl_table(stream, example_tags="#adm1+code, #inneed")
    columns = locate_columns(table, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    yield from parsed_rows(table, lambda cells: _baseline_from_cells(cells, columns))


def _baseline_from_cells(
    cells: Sequence[str], columns: dict[str, int | None]
) -> tuple[BaselineRecord, tuple[str, ...]]:
    def get(field: str) -> str:
        return cell(cells, columns[field])

    region_ref = collapse_whitespace(get("region_code")) or collapse_whitespace(get("region_name"))
    if not region_ref:
        raise ValueError("region: empty")
    population = parse_optional_people("population", get("population"))
    affected = parse_optional_people("people_affected", get("people_affected"))
    in_need = parse_optional_people("people_in_need", get("people_in_need"))
    warnings: tuple[str, ...] = ()
    if population == 0 and not affected and not in_need:
        # HNO tables give 0 for units they could not assess (Crimea, Sevastopol): no figure,
        # rather than "nobody in need".
        population = affected = in_need = None
        warnings = ("all figures 0: read as not assessed",)
    elif population == 0:
        population = None
        warnings = ("population: 0 read as not given",)
    record = BaselineRecord(
        region_ref=region_ref,
        population=population,
        people_affected=affected,
        people_in_need=in_need,
        absent=frozenset(
            name for name in ("population", "people_affected") if columns[name] is None
        ),
    )
    return record, warnings
