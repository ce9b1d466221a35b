from __future__ import annotations

import datetime as dt
import io

import pytest

from incidents.ingestion.parsers import parse
from incidents.ingestion.records import FormatError, ShipmentRecord
from tests.incidents.ingestion.payloads import outcome, parse_payload

HEADER = (
    "Status,#,Vessel name,IMO,Departure port,Country,Commodity,Metric tons,Departure date,"
    "Inspection cleared,Income group,Flag,World Bank region,UN region,Development category,WFP\n"
)


def test_plain_table_outcomes() -> None:
    rows = parse_payload("jcc", "jcc_shipments.csv")
    assert [outcome(row) for row in rows] == [
        (2, "RAZONI"),
        (3, "NAVI STAR"),
        (4, "NAVI STAR"),
        (5, "BRAVE COMMANDER"),
        (6, "skip: status 'Inbound' not imported"),
        (7, "ZEA BREEZE"),
        (8, "error: departed_on: '31-Jun-2023' is not a valid date"),
        (9, "error: imo: '92345' is not a 7-digit IMO number"),
        (10, "error: tonnes: must be more than 0"),
        (11, "INCOME ILLUSTRATIVE"),
    ]
    assert rows[9].warnings == ("income_group: 'Middle income' not recognised, left empty",)
    assert all(row.warnings == () for row in rows[:9])


def test_plain_table_records() -> None:
    records = [row.record for row in parse_payload("jcc", "jcc_shipments.csv")]
    assert records[1:4] == [
        ShipmentRecord(
            voyage_number=2,
            vessel_name="NAVI STAR",
            departure_port_ref="Odesa",
            departed_on=dt.date(2022, 8, 5),
            commodity="Corn",
            tonnes=33000,
            destination_country="Ireland",
            is_additional_cargo=False,
            imo="9208783",
            income_group="high",
            is_wfp=False,
        ),
        ShipmentRecord(
            voyage_number=2,
            vessel_name="NAVI STAR",
            departure_port_ref="Odesa",
            departed_on=dt.date(2022, 8, 5),
            commodity="Wheat",
            tonnes=1200,
            destination_country="Ireland",
            is_additional_cargo=True,
            imo="9208783",
            income_group="high",
            is_wfp=False,
        ),
        ShipmentRecord(
            voyage_number=3,
            vessel_name="BRAVE COMMANDER",
            departure_port_ref="Pivdennyi",
            departed_on=dt.date(2022, 8, 14),
            commodity="Wheat",
            tonnes=23000,
            destination_country="Djibouti",
            imo="",
            income_group="lower_middle",
            is_wfp=True,
        ),
    ]
    zea_breeze = records[5]
    assert zea_breeze is not None
    assert (zea_breeze.tonnes, zea_breeze.departed_on) == (66564, dt.date(2023, 6, 14))
    assert zea_breeze.income_group == "upper_middle"
    assert records[0] is not None
    assert records[0].income_group == "lower_middle"


def test_raw_keeps_the_published_headers() -> None:
    first = parse_payload("jcc", "jcc_shipments.csv")[0]
    assert first.raw["Vessel name"] == "RAZONI "
    assert first.raw["Metric tons"] == "26,527"
    assert first.raw["Status"] == "Outbound"


def test_hxl_variant() -> None:
    rows = parse_payload("jcc", "jcc_shipments.hxl.csv")
    assert [outcome(row) for row in rows] == [
        (3, "SSI INVINCIBLE II"),
        (4, "SSI INVINCIBLE II"),
        (5, "error: tonnes: '-30,000' is negative"),
    ]
    assert rows[1].record == ShipmentRecord(
        voyage_number=17,
        vessel_name="SSI INVINCIBLE II",
        departure_port_ref="Pivdennyi",
        departed_on=dt.date(2022, 8, 26),
        commodity="Sunflower meal",
        tonnes=4500,
        destination_country="Türkiye",
        is_additional_cargo=True,
        imo="9469211",
        income_group="upper_middle",
        is_wfp=False,
    )
    assert rows[0].raw["Flag"] == "Marshall Islands"


def test_hxl_variant_fallback_tags() -> None:
    payload = (
        b"#status,#meta+id,#meta+vessel+name,#loc+port+name,#country+name,#indicator+commodity,"
        b"#indicator+tonnage+num,#date,#indicator+income,#meta+wfp\n"
        b'Outbound,5,KUBROS,Odesa,Egypt,Wheat,"12,000",2022-09-01,Lower-middle income,n\n'
    )
    [row] = parse("jcc", io.BytesIO(payload))
    assert row.record == ShipmentRecord(
        voyage_number=5,
        vessel_name="KUBROS",
        departure_port_ref="Odesa",
        departed_on=dt.date(2022, 9, 1),
        commodity="Wheat",
        tonnes=12000,
        destination_country="Egypt",
        income_group="lower_middle",
        absent=frozenset({"imo"}),
    )
    assert row.row_number == 2


def test_headers_match_ignoring_case_and_spaces() -> None:
    payload = (
        b"STATUS, # ,vessel  name,Departure Port,country,COMMODITY,MetricTons,departure date\n"
        b"Outbound +,7,X,Odesa,Spain,Corn,100,1-Sep-2022\n"
    )
    [row] = parse("jcc", io.BytesIO(payload))
    assert row.record is not None
    assert row.record.is_additional_cargo is True
    assert (row.record.imo, row.record.income_group, row.record.is_wfp) == ("", "", False)
    # Defaults for a new record; a stored one keeps what it has.
    assert row.record.absent == {"imo", "income_group", "is_wfp"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            "Status,#,Vessel name,Departure port,Country,Commodity\n"
            "Outbound,1,X,Odesa,Spain,Corn\n",
            "missing JCC column(s): Metric tons, Departure date",
        ),
        (
            "#status,#meta+vessel+name,#loc+port+name,#country+name,#indicator+commodity,"
            "#indicator+tonnage+num,#date+departure\n",
            "missing JCC column(s): #meta+voyage+id or '#'",
        ),
    ],
)
def test_missing_columns_are_named(payload: str, message: str) -> None:
    with pytest.raises(FormatError) as error:
        list(parse("jcc", io.BytesIO(payload.encode())))
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("status", "wfp", "message"),
    [
        ("", "", "status: empty"),
        ("Outbound", "maybe", "is_wfp: 'maybe' is not yes or no"),
    ],
)
def test_row_errors(status: str, wfp: str, message: str) -> None:
    line = f"{status},9,X,9000001,Odesa,Spain,Corn,100,1-Sep-2022,,,,,,,{wfp}\n"
    [row] = parse("jcc", io.BytesIO((HEADER + line).encode()))
    assert row.error == message


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (",X,9000001,Odesa,Spain,Corn,100", "voyage_number: empty"),
        ("9,  ,9000001,Odesa,Spain,Corn,100", "vessel_name: empty"),
        ("9,X,9000001,Odesa,,Corn,100", "destination_country: empty"),
        ("9,X,9000001,Odesa,Spain,Corn,", "tonnes: empty"),
    ],
)
def test_required_values(cells: str, message: str) -> None:
    line = f"Outbound,{cells},1-Sep-2022,,,,,,,\n"
    [row] = parse("jcc", io.BytesIO((HEADER + line).encode()))
    assert row.error == message


def test_title_line_above_the_header() -> None:
    payload = ("Black Sea Grain Initiative: vessel movements\n" + HEADER).encode() + (
        b'Outbound,4,ROJEN,9142215,Chornomorsk,United Kingdom,Corn,"13,041",7-Aug-2022,,'
        b"High income,Malta,,,,\n"
    )
    [row] = parse("jcc", io.BytesIO(payload))
    assert row.row_number == 3
    assert row.record is not None
    assert (row.record.vessel_name, row.record.tonnes) == ("ROJEN", 13041)
