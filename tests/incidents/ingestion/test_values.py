from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from incidents.ingestion.parsers.values import (
    as_text,
    clean_text,
    collapse_whitespace,
    parse_bool,
    parse_count,
    parse_date,
    parse_latitude,
    parse_longitude,
    parse_optional_count,
    parse_optional_date,
    parse_optional_datetime,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        (" 12 ", 12),
        ("66,564", 66564),
        ("1 234 567", 1234567),
        ("1\u00a0234", 1234),
        ("1\u202f234", 1234),
        ("0", 0),
        ("", 0),
        ("   ", 0),
    ],
)
def test_parse_count_reads_thousands_separators(text: str, expected: int) -> None:
    assert parse_count("killed", text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-3", "killed: '-3' is negative"),
        (" - 3", "killed: '- 3' is negative"),
        ("\u22123", "killed: '\u22123' is negative"),
        ("two", "killed: 'two' is not a whole number"),
        ("1,5", "killed: '1,5' is not a whole number"),
        ("12,34,567", "killed: '12,34,567' is not a whole number"),
        ("3.0", "killed: '3.0' is not a whole number"),
        ("1.234", "killed: '1.234' is not a whole number"),
    ],
)
def test_parse_count_rejects_with_field_name(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_count("killed", text)


def test_parse_optional_count_keeps_empty_apart_from_zero() -> None:
    assert parse_optional_count("weapons_launched", "") is None
    assert parse_optional_count("weapons_launched", "0") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-08-15", dt.date(2023, 8, 15)),
        ("15 August 2023", dt.date(2023, 8, 15)),
        ("5 august 2023", dt.date(2023, 8, 5)),
        ("14-Jun-2023", dt.date(2023, 6, 14)),
        ("1-Sept-2022", dt.date(2022, 9, 1)),
        ("15/08/2023", dt.date(2023, 8, 15)),
        ("03/08/2023", dt.date(2023, 8, 3)),
        ("15.08.2023", dt.date(2023, 8, 15)),
        (" 2023-08-15 ", dt.date(2023, 8, 15)),
    ],
)
def test_parse_date_formats(text: str, expected: dt.date) -> None:
    assert parse_date("occurred_on", text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "occurred_on: empty"),
        ("31 June 2023", "occurred_on: '31 June 2023' is not a valid date"),
        ("2023-02-30", "occurred_on: '2023-02-30' is not a valid date"),
        ("15/13/2023", "occurred_on: '15/13/2023' is not a valid date"),
        (
            "14-Jnu-2023",
            "occurred_on: '14-Jnu-2023' is not a date "
            r"\(expected e.g. 2023-08-15, 15 August 2023, 14-Jun-2023 or 15/08/2023\)",
        ),
        (
            "yesterday",
            "occurred_on: 'yesterday' is not a date "
            r"\(expected e.g. 2023-08-15, 15 August 2023, 14-Jun-2023 or 15/08/2023\)",
        ),
    ],
)
def test_parse_date_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_date("occurred_on", text)


def test_parse_optional_date_allows_empty() -> None:
    assert parse_optional_date("published_on", "  ") is None


def test_parse_optional_datetime_keeps_offsets_and_reads_naive_as_kyiv() -> None:
    kyiv = ZoneInfo("Europe/Kyiv")
    assert parse_optional_datetime("occurred_at", "2023-08-15T03:40:00+03:00") == dt.datetime(
        2023, 8, 15, 0, 40, tzinfo=dt.UTC
    )
    assert parse_optional_datetime("occurred_at", "2023-08-15T00:40Z") == dt.datetime(
        2023, 8, 15, 0, 40, tzinfo=dt.UTC
    )
    naive = parse_optional_datetime("occurred_at", "2023-08-15 03:40")
    assert naive == dt.datetime(2023, 8, 15, 3, 40, tzinfo=kyiv)
    assert naive is not None
    assert naive.utcoffset() == dt.timedelta(hours=3)
    assert parse_optional_datetime("occurred_at", "") is None


@pytest.mark.parametrize("text", ["2023-08-15", "03:40", "2023-08-15T25:00"])
def test_parse_optional_datetime_needs_date_and_time(text: str) -> None:
    message = (
        f"occurred_at: '{text}' is not an ISO 8601 date and time "
        r"\(e.g. 2023-08-15T03:40\+03:00\)"
    )
    with pytest.raises(ValueError, match=f"^{message}$"):
        parse_optional_datetime("occurred_at", text)


def test_coordinates_are_quantized_to_six_places() -> None:
    assert parse_latitude("latitude", "49.8397") == Decimal("49.839700")
    assert parse_latitude("latitude", "49.83970049") == Decimal("49.839700")
    assert parse_latitude("latitude", "49.8397005") == Decimal("49.839701")
    assert parse_longitude("longitude", "-180") == Decimal("-180.000000")
    assert parse_longitude("longitude", "") is None


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("latitude", "91.5", "latitude: '91.5' is outside -90..90"),
        ("longitude", "-180.5", "longitude: '-180.5' is outside -180..180"),
        ("latitude", "49,8397", "latitude: '49,8397' is not a decimal number"),
        ("latitude", "NaN", "latitude: 'NaN' is not a decimal number"),
        ("longitude", "Infinity", "longitude: 'Infinity' is not a decimal number"),
    ],
)
def test_coordinates_reject(field: str, text: str, message: str) -> None:
    parser = parse_latitude if field == "latitude" else parse_longitude
    with pytest.raises(ValueError, match=f"^{message}$"):
        parser(field, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("no", False),
        ("n", False),
        ("False", False),
        ("0", False),
        ("", False),
    ],
)
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool("is_wfp", text) is expected


def test_parse_bool_rejects_and_uses_default() -> None:
    assert parse_bool("is_wfp", " ", default=True) is True
    with pytest.raises(ValueError, match="^is_wfp: 'maybe' is not yes or no$"):
        parse_bool("is_wfp", "maybe")


def test_text_cleaning() -> None:
    assert clean_text("  line one\nline two \t") == "line one\nline two"
    assert clean_text(None) == ""
    assert collapse_whitespace("  NAVI \u00a0 STAR ") == "NAVI STAR"
    assert as_text(None) == ""
    assert as_text(True) == "true"
    assert as_text(3) == "3"
    assert as_text(49.8397) == "49.8397"
