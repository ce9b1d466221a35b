"""Captured payloads in tests/payloads/ and a compact summary of what became of each row."""

from __future__ import annotations

from pathlib import Path

from incidents.ingestion.parsers import parse
from incidents.ingestion.records import ParsedRow

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"
SHARED_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def parse_payload(format: str, name: str, **options: object) -> list[ParsedRow]:
    with (PAYLOADS / name).open("rb") as stream:
        return list(parse(format, stream, **options))


def outcome(row: ParsedRow) -> tuple[int, str]:
    """(row number, what became of the row): the record's key, "error: ..." or "skip: ..."."""
    if row.error:
        return row.row_number, f"error: {row.error}"
    if row.skip_reason:
        return row.row_number, f"skip: {row.skip_reason}"
    assert row.record is not None
    key = getattr(row.record, "external_id", None) or getattr(row.record, "vessel_name", "")
    return row.row_number, key
