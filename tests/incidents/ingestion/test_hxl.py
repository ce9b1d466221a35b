from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from incidents.ingestion.parsers.csv_reader import read_head
from incidents.ingestion.parsers.hxl import (
    NOT_CARRIED,
    incident_type_from_text,
    parse_hxl_incidents,
)
from incidents.ingestion.parsers.hxl_tags import (
    HxlTag,
    TagPattern,
    find_column,
    find_hxl_table,
    is_hashtag_row,
    parse_hashtag,
)
from incidents.ingestion.records import FormatError, IncidentRecord, SourceRecord
from tests.incidents.ingestion.payloads import SHARED_DATA, outcome, parse_payload

HNO_FILE = SHARED_DATA / "ukr_hno2023_affected_and_pin_by_oblast.hxl.csv"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("#adm1+name", HxlTag("adm1", frozenset({"name"}))),
        ("#admin1 +name +en", HxlTag("adm1", frozenset({"name", "en"}))),
        (" #ADM1+CODE ", HxlTag("adm1", frozenset({"code"}))),
        ("#affected+children+killed", HxlTag("affected", frozenset({"killed", "children"}))),
        ("#indicator+income_group", HxlTag("indicator", frozenset({"income_group"}))),
        ("#date", HxlTag("date")),
        ("#", None),
        ("Vessel name", None),
        ("#1st+bad", None),
        ("", None),
    ],
)
def test_parse_hashtag_normalises_real_world_spellings(cell: str, expected: HxlTag | None) -> None:
    assert parse_hashtag(cell) == expected


def test_tag_patterns_match_attributes_in_any_order_and_exclude() -> None:
    killed = TagPattern.parse("#affected+killed-children")
    assert killed.matches(parse_hashtag("#affected +killed"))
    assert killed.matches(parse_hashtag("#affected+killed+civilians"))
    assert not killed.matches(parse_hashtag("#affected+children+killed"))
    assert not killed.matches(parse_hashtag("#affected+injured"))
    assert TagPattern.parse("#admin1+name").matches(parse_hashtag("#adm1+en+name"))
    with pytest.raises(ValueError, match="not an HXL tag pattern"):
        TagPattern.parse("adm1")


def test_find_column_prefers_fewest_extra_attributes_then_leftmost() -> None:
    tags = [
        parse_hashtag(cell) for cell in ("#date+start", "#date", "#adm1+name+uk", "#adm1+name+en")
    ]
    assert find_column(tags, "#date") == 1
    assert find_column(tags, "#adm1+name") == 2
    assert find_column(tags, "#date+occurred", "#date+start") == 0
    assert find_column(tags, "#loc+name") is None


def test_hashtag_row_needs_most_cells_tagged() -> None:
    assert is_hashtag_row(["#meta+id", "#date", "", "Notes"])
    assert not is_hashtag_row(["Status", "#", "Vessel name", "IMO"])
    assert not is_hashtag_row(["#meta+id", "Date", "Oblast", ""])
    assert not is_hashtag_row(["", ""])


def test_real_hno_file_through_detection_and_matching() -> None:
    if not HNO_FILE.exists():
        pytest.skip(f"{HNO_FILE} is not available")
    with HNO_FILE.open("rb") as stream:
        table = find_hxl_table(read_head(stream))
        assert table is not None
        assert table.tags[0] == HxlTag("adm1", frozenset({"name", "en"}))
        assert table.names[3] == "Population Estimate"
        assert table.column("#adm1+name") == 0
        assert table.column("#adm1+name+uk") == 1
        assert table.column("#adm1+code") == 2
        assert table.column("#population") == 3
        assert table.column("#affected") == 4
        assert table.column("#inneed") == 5
        rows = list(table.rows)
    assert rows[0] == (
        3,
        ["Autonomous Republic of Crimea", "Автономна Республіка Крим", "UA01", "0", "0", "0"],
    )
    assert rows[-1][0] == 29
    assert len(rows) == 27


def test_real_hno_file_is_not_an_incident_table() -> None:
    if not HNO_FILE.exists():
        pytest.skip(f"{HNO_FILE} is not available")
    with HNO_FILE.open("rb") as stream, pytest.raises(FormatError) as error:
        list(parse_hxl_incidents(stream))
    assert str(error.value) == (
        "missing HXL column(s): #meta+id, #date+occurred (tags found: #adm1+en+name, "
        "#adm1+name+uk, #adm1+code, #population, #affected, #inneed)"
    )


def test_incidents_payload_outcomes() -> None:
    rows = parse_payload("hxl", "incidents.hxl.csv")
    assert [outcome(row) for row in rows] == [
        (3, "ORG-2023-0001"),
        (4, "ORG-2023-0002"),
        (5, "ORG-2023-0003"),
        (6, "ORG-2023-0004"),
        (7, "ORG-2023-0005"),
        (8, "ORG-2023-0006"),
        (9, "error: external_id: empty"),
        (10, "error: killed: '-3' is negative"),
        (11, "error: children_killed: 2 is more than killed (1)"),
        (12, "error: longitude: empty although latitude is given"),
        (13, "error: occurred_on: '2023-02-30' is not a valid date"),
    ]
    assert [row.record.incident_type for row in rows[:6] if row.record] == [
        "missile_strike",
        "drone_strike",
        "shelling",
        "mlrs",
        "air_strike",
        "other",
    ]
    assert rows[5].warnings == ("incident_type: 'sabotage' not recognised, imported as 'other'",)
    assert all(row.warnings == () for row in rows[:5])


def test_incidents_payload_full_record_and_raw() -> None:
    first, second, third, fourth, fifth = parse_payload("hxl", "incidents.hxl.csv")[:5]
    assert first.record == IncidentRecord(
        external_id="ORG-2023-0001",
        occurred_on=dt.date(2023, 8, 15),
        incident_type="missile_strike",
        region_ref="UA46",
        settlement="Lviv",
        latitude=Decimal("49.839700"),
        longitude=Decimal("24.029700"),
        location_precision="settlement",
        killed=3,
        injured=12,
        children_killed=0,
        children_injured=1,
        description="Missile hit a residential building on Stusa St.",
        sources=(
            SourceRecord(
                name="Lviv Regional Military Administration",
                kind="other",
                url="https://t.me/kozytskyy_maksym_official/12345",
            ),
        ),
        absent=NOT_CARRIED,
    )
    assert first.raw["Incident ID"] == "ORG-2023-0001"
    assert first.raw["Reporter phone"] == "+380 00 000 0000"
    assert first.raw["Internal note"] == "checked"
    assert second.record is not None
    assert (second.record.region_ref, second.record.occurred_on) == ("Odeska", dt.date(2023, 8, 15))
    assert third.record is not None
    assert (third.record.region_ref, third.record.settlement) == ("UA65", "Kherson")
    assert third.record.sources == (
        SourceRecord(
            name="example.org", kind="other", url="https://example.org/reports/kherson-0816"
        ),
    )
    assert fourth.record is not None
    assert fourth.record.killed == 1002
    assert fifth.record is not None
    assert fifth.record.location_precision == "region"


def test_title_rows_above_the_header_shift_line_numbers() -> None:
    payload = (
        b"Attacks on civilians, August 2023\n"
        b"Compiled by an illustrative NGO\n"
        b"ID,Date,Type\n"
        b"#meta+id,#date,#event+type\n"
        b"A-1,2023-08-15,UAV attack\n"
    )
    rows = list(parse_hxl_incidents(io.BytesIO(payload)))
    assert [outcome(row) for row in rows] == [(5, "A-1")]
    assert rows[0].record is not None
    assert rows[0].record.incident_type == "drone_strike"
    assert rows[0].record.location_precision == "unknown"


def test_hashtag_row_without_a_header_row_names_raw_by_tags() -> None:
    payload = b"#meta+id,#date+reported,#date\nA-1,2023-08-16,2023-08-15\n"
    [row] = parse_hxl_incidents(io.BytesIO(payload))
    assert row.row_number == 2
    assert row.raw == {"#meta+id": "A-1", "#date+reported": "2023-08-16", "#date": "2023-08-15"}
    assert row.record is not None
    assert row.record.occurred_on == dt.date(2023, 8, 15)
    assert row.warnings == ("incident_type: empty, imported as 'other'",)


def test_no_hashtag_row_is_a_format_error() -> None:
    payload = b"ID,Date,Type\nA-1,2023-08-15,Shelling\n"
    with pytest.raises(FormatError, match=r"^no HXL hashtag row .* in the first 25 rows$"):
        list(parse_hxl_incidents(io.BytesIO(payload)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Missile strike", "missile_strike"),
        ("missile_strike", "missile_strike"),
        ("MLRS", "mlrs"),
        ("Grad rockets", "mlrs"),
        ("Multiple rocket launcher", "mlrs"),
        ("Shahed drone attack", "drone_strike"),
        ("UAV", "drone_strike"),
        ("Air strike", "air_strike"),
        ("airstrike", "air_strike"),
        ("guided aerial bomb", "air_strike"),
        ("Shelling", "shelling"),
        ("artillery", "shelling"),
        ("mortar fire", "shelling"),
        ("Other", "other"),
        ("Shelling near Kirovograd", "shelling"),
        ("sabotage", None),
        ("", None),
    ],
)
def test_incident_type_from_text(text: str, expected: str | None) -> None:
    assert incident_type_from_text(text) == expected
