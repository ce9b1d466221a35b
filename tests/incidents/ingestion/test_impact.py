from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from incidents.columns import INCIDENT_COLUMNS
from incidents.ingestion.parsers import impact as impact_format
from incidents.ingestion.parsers import parse
from incidents.ingestion.parsers.impact import split_impact_key
from incidents.ingestion.records import AssetRecord, FormatError, IncidentRecord, SourceRecord
from tests.incidents.ingestion.payloads import PAYLOADS, outcome, parse_payload

LVIV_SOURCES = (
    SourceRecord(
        name="Lviv Regional Military Administration",
        kind="official",
        title="Telegram statement",
        url="https://t.me/kozytskyy_maksym_official/12345",
        published_on=dt.date(2023, 8, 15),
    ),
    SourceRecord(
        name="Suspilne",
        kind="media",
        title="Ракетний удар по Львову",
        url="https://suspilne.media/illustrative-article",
        published_on=dt.date(2023, 8, 16),
    ),
)
LVIV_ASSETS = (
    AssetRecord(
        asset_type="residential",
        name="Apartment block, Stusa St",
        count=1,
        damage_level="destroyed",
        notes="Upper three floors collapsed",
    ),
    AssetRecord(asset_type="education", count=2),
)


def lviv_record(**changes: object) -> IncidentRecord:
    values: dict[str, object] = {
        "external_id": "impact:7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02",
        "occurred_on": dt.date(2023, 8, 15),
        "occurred_at": dt.datetime(2023, 8, 15, 0, 40, tzinfo=dt.UTC),
        "incident_type": "missile_strike",
        "region_ref": "UA46",
        "settlement": "Lviv",
        "latitude": Decimal("49.839700"),
        "longitude": Decimal("24.029700"),
        "location_precision": "exact",
        "weapons_launched": 10,
        "weapons_intercepted": 8,
        "killed": 3,
        "injured": 12,
        "children_injured": 1,
        "sources": LVIV_SOURCES,
        "assets": LVIV_ASSETS,
        **changes,
    }
    return IncidentRecord(**values)  # type: ignore[arg-type]


def test_incident_columns() -> None:
    assert INCIDENT_COLUMNS == (
        "id",
        "external_source",
        "external_id",
        "occurred_on",
        "occurred_at",
        "date_precision",
        "region_pcode",
        "region_iso",
        "region_name",
        "settlement",
        "latitude",
        "longitude",
        "location_precision",
        "incident_type",
        "weapons_launched",
        "weapons_intercepted",
        "killed",
        "injured",
        "children_killed",
        "children_injured",
        "description",
        "status",
        "updated_at",
        "sources",
        "assets",
    )
    with (PAYLOADS / "impact_incidents.csv").open(newline="", encoding="utf-8") as handle:
        assert tuple(next(csv.reader(handle))) == INCIDENT_COLUMNS


def test_value_lists_match_the_model_choices() -> None:
    from incidents.models import DamagedAsset, Incident, LocationPrecision, Source

    assert tuple(Incident.IncidentType.values) == impact_format.INCIDENT_TYPES
    assert tuple(Incident.DatePrecision.values) == impact_format.DATE_PRECISIONS
    assert tuple(LocationPrecision.values) == impact_format.LOCATION_PRECISIONS
    assert tuple(DamagedAsset.AssetType.values) == impact_format.ASSET_TYPES
    assert tuple(DamagedAsset.DamageLevel.values) == impact_format.DAMAGE_LEVELS
    assert tuple(Source.Kind.values) == impact_format.SOURCE_KINDS


def test_csv_outcomes() -> None:
    rows = parse_payload("impact-csv", "impact_incidents.csv")
    types = "missile_strike, drone_strike, air_strike, shelling, mlrs, other"
    levels = "damaged, severely_damaged, destroyed, unknown"
    assert [outcome(row) for row in rows] == [
        (2, "acled:UKR12002"),
        (3, "impact:7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02"),
        (5, "impact:5b8f1d44-9e21-4c3a-a6d5-0c7e2f9a8b03"),
        (6, "error: occurred_at: a time needs date_precision 'day', not 'week'"),
        (7, f"error: incident_type: 'artillery' is not one of {types}"),
        (8, f"error: assets[1].damage_level: 'ruined' is not one of {levels}"),
        (9, "error: sources: not valid JSON (Expecting ',' delimiter)"),
        (10, "error: id: 'not-a-uuid' is not a UUID"),
        (11, "error: external_id: empty although external_source is given"),
        (12, "error: weapons_intercepted: 6 is more than weapons_launched (4)"),
    ]


def test_csv_records() -> None:
    rows = parse_payload("impact-csv", "impact_incidents.csv")
    assert rows[1].record == lviv_record(
        occurred_at=dt.datetime(2023, 8, 15, 3, 40, tzinfo=dt.timezone(dt.timedelta(hours=3))),
        description="Missile hit an apartment block.\nRescue work lasted two days.",
    )
    assert rows[0].record == IncidentRecord(
        external_id="acled:UKR12002",
        occurred_on=dt.date(2023, 8, 15),
        incident_type="missile_strike",
        region_ref="Lviv",
        settlement="Lviv",
        latitude=Decimal("49.839700"),
        longitude=Decimal("24.029700"),
        killed=3,
        description="On 15 August 2023, Russian forces launched a missile at Lviv city.",
        sources=(
            SourceRecord(
                name="ACLED",
                kind="dataset",
                title="Lviv Regional Military Administration; Ukrainska Pravda",
            ),
        ),
    )
    kyiv = rows[2].record
    assert isinstance(kyiv, IncidentRecord)
    # A time without an offset is Kyiv local time: 23:30 on the 16th is 20:30 UTC.
    assert kyiv.occurred_at == dt.datetime(2023, 8, 16, 23, 30, tzinfo=ZoneInfo("Europe/Kyiv"))
    assert kyiv.occurred_at.astimezone(dt.UTC) == dt.datetime(2023, 8, 16, 20, 30, tzinfo=dt.UTC)
    assert (kyiv.region_ref, kyiv.weapons_launched) == ("UA-30", None)
    assert rows[1].raw["status"] == "verified"


def test_json_export() -> None:
    rows = parse_payload("impact-json", "impact_incidents.json")
    precisions = "exact, settlement, district, region, unknown"
    assert [outcome(row) for row in rows] == [
        (1, "acled:UKR12002"),
        (2, "impact:7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02"),
        (3, f"error: location_precision: 'city' is not one of {precisions}"),
    ]
    assert rows[1].record == lviv_record()
    assert rows[0].record is not None
    assert rows[0].record.latitude == Decimal("49.839700")
    assert rows[1].raw["sources"][1]["name"] == "Suspilne"
    json.dumps([row.raw for row in rows])


def test_csv_and_json_of_the_same_incident_agree() -> None:
    from_csv = parse_payload("impact-csv", "impact_incidents.csv")[0].record
    from_json = parse_payload("impact-json", "impact_incidents.json")[0].record
    assert from_json == IncidentRecord(**{**vars(from_csv), "description": ""})  # type: ignore[arg-type]


def test_bare_json_array() -> None:
    payload = json.dumps(
        [
            {
                "id": "7D0E9A31-2C55-4F0A-8B7E-3E9F5D2C4B02",
                "occurred_on": "2023-08-15",
                "incident_type": "shelling",
                "sources": "[]",
                "assets": None,
            },
            [],
        ]
    ).encode()
    rows = list(parse("impact-json", io.BytesIO(payload)))
    assert [outcome(row) for row in rows] == [
        (1, "impact:7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02"),
        (2, "error: not a JSON object"),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": ""}, "id: empty (needed when external_source and external_id are empty)"),
        ({"external_id": "UKR1"}, "external_source: empty although external_id is given"),
        (
            {"external_source": "a:b", "external_id": "1"},
            "external_source: 'a:b' must not contain ':'",
        ),
        ({"incident_type": ""}, "incident_type: empty"),
        ({"date_precision": "year"}, "date_precision: 'year' is not one of day, week, month"),
        ({"sources": {"name": "x"}}, "sources: not a JSON array"),
        ({"sources": ["x"]}, "sources[1]: not a JSON object"),
        ({"sources": [{"kind": "media"}]}, "sources[1].name: empty"),
        (
            {"sources": [{"name": "x", "kind": "blog"}]},
            "sources[1].kind: 'blog' is not one of official, media, ngo, dataset, witness, other",
        ),
        (
            {"sources": [{"name": "x", "published_on": "soon"}]},
            "sources[1].published_on: 'soon' is not a date "
            "(expected e.g. 2023-08-15, 15 August 2023, 14-Jun-2023 or 15/08/2023)",
        ),
        (
            {"assets": [{"asset_type": "house"}]},
            "assets[1].asset_type: 'house' is not one of "
            "residential, health, education, energy, water, industrial, food_storage, port, "
            "cultural_heritage, transport, other",
        ),
        ({"assets": [{"asset_type": "port", "count": 0}]}, "assets[1].count: must be at least 1"),
        ({"assets": [{"asset_type": "port", "count": -1}]}, "assets[1].count: '-1' is negative"),
        ({"children_injured": 1}, "children_injured: 1 is more than injured (0)"),
        ({"latitude": None, "longitude": 30.5}, "latitude: empty although longitude is given"),
        (
            {"occurred_at": "2023-08-15T22:30:00+00:00"},
            "occurred_at: 2023-08-15T22:30:00+00:00 falls on 2023-08-16 in Kyiv, "
            "not on occurred_on 2023-08-15",
        ),
    ],
)
def test_row_errors(changes: dict[str, object], message: str) -> None:
    incident = {
        "id": "7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02",
        "external_source": "",
        "external_id": "",
        "occurred_on": "2023-08-15",
        "incident_type": "shelling",
        **changes,
    }
    [row] = parse("impact-json", io.BytesIO(json.dumps({"incidents": [incident]}).encode()))
    assert row.error == message


def test_missing_columns_are_a_format_error() -> None:
    payload = (
        b"id,occurred_on,incident_type\n7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02,2023-08-15,other\n"
    )
    with pytest.raises(FormatError) as error:
        list(parse("impact-csv", io.BytesIO(payload)))
    assert str(error.value) == "missing Impact column(s): external_source, external_id"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("acled:UKR12002", ("acled", "UKR12002")),
        (
            "impact:7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02",
            ("impact", "7d0e9a31-2c55-4f0a-8b7e-3e9f5d2c4b02"),
        ),
        ("partner:2023:17", ("partner", "2023:17")),
    ],
)
def test_split_impact_key(key: str, expected: tuple[str, str]) -> None:
    assert split_impact_key(key) == expected


@pytest.mark.parametrize("key", ["UKR12002", ":UKR1", "acled:"])
def test_split_impact_key_rejects(key: str) -> None:
    with pytest.raises(ValueError, match="not an Impact import key"):
        split_impact_key(key)
