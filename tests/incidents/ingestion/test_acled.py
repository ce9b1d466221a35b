from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from incidents.ingestion.parsers import parse
from incidents.ingestion.parsers.acled import NOT_CARRIED, acled_incident_type
from incidents.ingestion.records import FormatError, IncidentRecord, SourceRecord
from tests.incidents.ingestion.payloads import outcome, parse_payload


def test_current_export_outcomes() -> None:
    rows = parse_payload("acled", "acled_export.csv")
    assert [outcome(row) for row in rows] == [
        (2, "UKR12001"),
        # UKR12002's notes span two lines, so the next row starts on line 5.
        (3, "UKR12002"),
        (5, "UKR12003"),
        (6, "UKR12004"),
        (7, "UKR12005"),
        (8, "UKR12006"),
        (9, "UKR12007"),
        (10, "skip: event type 'Battles' not imported"),
        (11, "skip: event type 'Protests' not imported"),
        (12, "UKR12010"),
        (13, "UKR12011"),
        (14, "UKR12012"),
        (15, "UKR12013"),
        (16, "error: fatalities: '-3' is negative"),
        (17, "error: fatalities: 'two' is not a whole number"),
        (18, "error: event_date: '31 June 2023' is not a valid date"),
        (19, "UKR12017"),
    ]
    assert all(row.warnings == () for row in rows)


def test_current_export_values() -> None:
    records = {
        row.record.external_id: row.record
        for row in parse_payload("acled", "acled_export.csv")
        if isinstance(row.record, IncidentRecord)
    }
    summary = {
        key: (r.incident_type, r.region_ref, r.date_precision, r.location_precision, r.killed)
        for key, r in records.items()
    }
    assert summary == {
        "UKR12001": ("shelling", "Dnipropetrovsk", "day", "settlement", 2),
        "UKR12002": ("missile_strike", "Lviv", "day", "settlement", 3),
        "UKR12003": ("drone_strike", "UA80", "day", "settlement", 0),
        "UKR12004": ("air_strike", "Kharkiv", "day", "settlement", 0),
        "UKR12005": ("mlrs", "Kherson", "day", "settlement", 1),
        "UKR12006": ("shelling", "Kirovograd", "week", "district", 0),
        "UKR12007": ("other", "Zaporizhia", "day", "settlement", 1),
        "UKR12010": ("other", "UA32", "week", "settlement", 0),
        "UKR12011": ("drone_strike", "Black Sea", "day", "region", 0),
        "UKR12012": ("shelling", "Atlantis", "day", "region", 0),
        "UKR12013": ("missile_strike", "Crimea", "day", "settlement", 0),
        "UKR12017": ("other", "Mykolaiv", "month", "region", 4),
    }
    assert records["UKR12002"] == IncidentRecord(
        external_id="UKR12002",
        occurred_on=dt.date(2023, 8, 15),
        incident_type="missile_strike",
        region_ref="Lviv",
        settlement="Lviv",
        latitude=Decimal("49.839700"),
        longitude=Decimal("24.029700"),
        killed=3,
        description=(
            "On 15 August 2023, Russian forces launched a missile at Lviv city.\n"
            "A residential building was hit; 3 civilians were killed."
        ),
        sources=(
            SourceRecord(
                name="ACLED",
                kind="dataset",
                title="Lviv Regional Military Administration; Ukrainska Pravda",
            ),
        ),
        absent=NOT_CARRIED,
    )
    assert records["UKR12001"].occurred_on == dt.date(2023, 8, 15)  # "15 August 2023"
    assert (records["UKR12012"].latitude, records["UKR12012"].longitude) == (None, None)


def test_raw_holds_the_row_as_read() -> None:
    row = parse_payload("acled", "acled_export.csv")[13]
    assert row.error == "fatalities: '-3' is negative"
    assert row.raw["event_id_cnty"] == "UKR12014"
    assert row.raw["fatalities"] == "-3"
    assert len(row.raw) == 31


def test_2022_export_with_old_columns() -> None:
    rows = parse_payload("acled", "acled_export_2022.csv")
    assert [outcome(row) for row in rows] == [
        (2, "UKR5001"),
        (3, "UKR5002"),
        (4, "skip: event type 'Strategic developments' not imported"),
    ]
    assert rows[0].record == IncidentRecord(
        external_id="UKR5001",
        occurred_on=dt.date(2022, 2, 24),
        incident_type="missile_strike",
        region_ref="Kharkiv",
        settlement="Kharkiv",
        latitude=Decimal("49.993500"),
        longitude=Decimal("36.230400"),
        description="On 24 February 2022, Russian forces struck Kharkiv with missiles.",
        sources=(SourceRecord(name="ACLED", kind="dataset", title="Ukrainska Pravda"),),
        absent=NOT_CARRIED,
    )
    assert rows[1].record is not None
    assert (rows[1].record.region_ref, rows[1].record.location_precision) == ("UA32", "district")
    assert rows[0].raw["data_id"] == "8870001"


def test_api_json_with_string_values() -> None:
    rows = parse_payload("acled", "acled_api.json")
    assert [outcome(row) for row in rows] == [
        (1, "UKR12101"),
        (2, "UKR12102"),
        (3, "skip: event type 'Battles' not imported"),
        (4, "error: latitude: '91.5' is outside -90..90"),
        (5, "UKR12105"),
    ]
    first = rows[0].record
    assert first == IncidentRecord(
        external_id="UKR12101",
        occurred_on=dt.date(2023, 7, 20),
        incident_type="missile_strike",
        region_ref="Odesa",
        settlement="Chornomorsk",
        latitude=Decimal("46.301600"),
        longitude=Decimal("30.655600"),
        description=(
            "On 20 July 2023, Russian forces struck port infrastructure in Chornomorsk with "
            "missiles. 2 civilians were injured."
        ),
        sources=(SourceRecord(name="ACLED", kind="dataset", title="Suspilne"),),
        absent=NOT_CARRIED,
    )
    last = rows[4].record
    assert last is not None
    assert (last.killed, last.date_precision, last.location_precision) == (3, "week", "district")
    assert rows[0].raw["fatalities"] == "0"
    json.dumps([row.raw for row in rows])


def test_bare_json_array_with_numbers() -> None:
    payload = json.dumps(
        [
            {
                "event_id_cnty": "UKR9",
                "event_date": "2023-08-15",
                "time_precision": 1,
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Air/drone strike",
                "admin1": "Kyiv",
                "location": "Bila Tserkva",
                "latitude": 49.7968,
                "longitude": 30.1311,
                "geo_precision": 1,
                "notes": "Russian UAVs hit an industrial site.",
                "fatalities": 2,
            },
            "not an event",
        ]
    ).encode()
    rows = list(parse("acled", io.BytesIO(payload)))
    assert [outcome(row) for row in rows] == [(1, "UKR9"), (2, "error: not a JSON object")]
    record = rows[0].record
    assert isinstance(record, IncidentRecord)
    assert (record.incident_type, record.region_ref, record.killed) == ("drone_strike", "UA32", 2)
    assert (record.latitude, record.longitude) == (Decimal("49.796800"), Decimal("30.131100"))
    assert rows[0].raw["fatalities"] == 2
    assert rows[1].raw == {"value": "not an event"}


def test_event_types_option() -> None:
    everything = parse_payload("acled", "acled_export.csv", event_types=None)
    assert [row.row_number for row in everything if row.skip_reason] == []
    assert everything[7].record is not None
    assert everything[7].record.external_id == "UKR12008"
    assert everything[7].record.incident_type == "other"
    battles = parse_payload("acled", "acled_export.csv", event_types=["battles"])
    assert [outcome(row) for row in battles if not row.skip_reason] == [(10, "UKR12008")]
    assert battles[0].skip_reason == "event type 'Explosions/Remote violence' not imported"


def test_missing_key_column_is_a_format_error() -> None:
    payload = b"event_date,event_type,sub_event_type,fatalities\n2023-08-15,Battles,Armed clash,0\n"
    with pytest.raises(FormatError, match="^missing ACLED column\\(s\\): event_id_cnty$"):
        list(parse("acled", io.BytesIO(payload)))


def test_json_rows_without_key_are_row_errors() -> None:
    payload = (
        b'{"data": [{"event_date": "2023-08-15", "event_type": "Violence against civilians"}]}'
    )
    [row] = parse("acled", io.BytesIO(payload))
    assert (row.row_number, row.error) == (1, "event_id_cnty: empty")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("time_precision", "4", "time_precision: '4' is not 1, 2 or 3"),
        ("geo_precision", "exact", "geo_precision: 'exact' is not 1, 2 or 3"),
        ("event_date", "", "event_date: empty"),
        ("longitude", "", "longitude: empty although latitude is given"),
    ],
)
def test_row_errors(column: str, value: str, message: str) -> None:
    event = {
        "event_id_cnty": "UKR1",
        "event_date": "2023-08-15",
        "time_precision": "1",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
        "latitude": "48.0",
        "longitude": "37.5",
        "geo_precision": "1",
        column: value,
    }
    [row] = parse("acled", io.BytesIO(json.dumps([event]).encode()))
    assert row.error == message


@pytest.mark.parametrize(
    ("sub_event_type", "notes", "expected"),
    [
        ("Shelling/artillery/missile attack", "Artillery shelled the village.", "shelling"),
        (
            "Shelling/artillery/missile attack",
            "An Iskander MISSILE hit the city.",
            "missile_strike",
        ),
        ("Shelling/artillery/missile attack", "Grad rockets hit the market.", "mlrs"),
        ("Shelling/artillery/missile attack", "MLRS fire; also a missile.", "mlrs"),
        ("Shelling/artillery/missile attack", "Multiple rocket launchers fired.", "mlrs"),
        ("Shelling/artillery/missile attack", "Shelling in Kirovograd oblast.", "shelling"),
        ("Air/drone strike", "Shahed-136 attack.", "drone_strike"),
        ("Air/drone strike", "UAV dropped explosives.", "drone_strike"),
        ("Air/drone strike", "Su-34 dropped glide bombs.", "air_strike"),
        ("Remote explosive/landmine/IED", "Landmine.", "other"),
        ("Attack", "Shot at a car.", "other"),
        ("Armed clash", "Missile mentioned.", "other"),
    ],
)
def test_sub_event_type_mapping(sub_event_type: str, notes: str, expected: str) -> None:
    assert acled_incident_type(sub_event_type, notes) == expected
