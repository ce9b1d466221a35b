"""The format of a payload told from its first rows."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from incidents.ingestion.formats import Format
from incidents.ingestion.parsers.detect import Detection, detect_format
from tests.incidents.ingestion.payloads import PAYLOADS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acled_export.csv", Format.ACLED),
        ("acled_export_2022.csv", Format.ACLED),
        ("acled_api.json", Format.ACLED),
        ("impact_incidents.csv", Format.IMPACT_CSV),
        ("impact_incidents.json", Format.IMPACT_JSON),
        ("incidents.hxl.csv", Format.HXL),
        ("jcc_shipments.csv", Format.JCC),
        ("jcc_shipments.hxl.csv", Format.JCC),
    ],
)
def test_captured_payloads_are_recognised(name: str, expected: Format) -> None:
    with (PAYLOADS / name).open("rb") as stream:
        detection = detect_format(stream)
    assert detection.format == expected, detection.reason
    assert detection.reason.startswith("Recognised as ")


def test_a_needs_table_is_recognised_by_its_inneed_tag() -> None:
    payload = b"Oblast,P-code,In need\n#adm1+name,#adm1+code,#inneed\nLvivska,UA46,5\n"
    assert detect_format(io.BytesIO(payload)).format == Format.HXL_BASELINE


def test_a_workbook_is_recognised_from_its_sheet() -> None:
    book = Workbook()
    book.active.append(["Title line"])
    book.active.append(["Status", "#", "Vessel name", "Departure port", "Commodity"])
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    assert detect_format(stream).format == Format.JCC


def test_an_unknown_table_says_why_a_format_must_be_chosen() -> None:
    detection = detect_format(io.BytesIO(b"a,b\n1,2\n"))
    assert detection.format is None
    assert detection.reason.startswith("No known format recognised")
    unreadable = detect_format(io.BytesIO("a,b\n".encode("utf-16")))
    assert unreadable == Detection(
        None,
        "The file cannot be read: the file is UTF-16 text; save it as UTF-8.",
    )
