"""Bulk writes of ingestion (COPY and ``UPDATE ... FROM unnest`` on PostgreSQL,
bulk_create/bulk_update on SQLite), the row-by-row isolation of database errors, and the
parser thread that reads ahead of the writer.

Run on both databases: SQLite by default, PostgreSQL with DATABASE_URL set.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from incidents.bulk import insert_rows, update_rows
from incidents.ingestion import services
from incidents.models import DamagedAsset, Incident, IngestionRun, Source
from tests.factories import IncidentFactory, region
from tests.incidents.ingestion.impact_rows import impact_csv, impact_row
from tests.incidents.ingestion.payloads import PAYLOADS

KYIV = ZoneInfo("Europe/Kyiv")
HistoricalIncident = Incident.history.model  # type: ignore[attr-defined]
# Set by the database, or different for every row by design.
GENERATED = {"id", "public_id", "created_at", "updated_at"}

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite does not enforce a CharField's max_length",
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored(model: type[Model], ids: list[int]) -> list[dict[str, Any]]:
    """The rows of these ids as the database has them, in the order of ``ids``."""
    by_id = {row["id"]: row for row in model._default_manager.filter(pk__in=ids).values()}
    return [by_id[pk] for pk in ids]


def without(row: dict[str, Any], names: set[str]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name not in names}


def bulk_created(model: type[Model], rows: list[dict[str, Any]]) -> list[int]:
    """What Django itself stores for the same input: the reference for insert_rows."""
    return [obj.pk for obj in model._default_manager.bulk_create([model(**r) for r in rows])]


# -- insert_rows ------------------------------------------------------------------------------


def incident_rows(prefix: str) -> list[dict[str, Any]]:
    return [
        # Only what a row cannot do without: everything else is a default.
        {
            "external_source": "acled",
            "external_id": f"{prefix}E3",
            "occurred_on": dt.date(2023, 8, 15),
            "incident_type": "shelling",
        },
        {
            "external_source": "acled",
            "external_id": f"{prefix}E1",
            "occurred_on": dt.date(2023, 8, 15),
            "occurred_at": dt.datetime(2023, 8, 15, 3, 40, 12, 345678, tzinfo=KYIV),
            "incident_type": "missile_strike",
            "region_id": region("UA46").pk,
            "settlement": "Lviv",
            "latitude": Decimal("49.839700"),
            "longitude": Decimal("-24.029701"),
            "weapons_launched": 10,
            "weapons_intercepted": 8,
            "killed": 4,
            "injured": 6,
            "children_injured": 1,
            # COPY has its own escapes for these.
            "description": "Line one\nline two\ttabbed, a back\\slash, \\N and \\.\r\nend",
        },
        {
            "external_source": "acled",
            "external_id": f"{prefix}E2",
            "occurred_on": dt.date(2024, 2, 29),
            "incident_type": "drone_strike",
            "status": "verified",
            "verified_at": dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC),
            "settlement": "Одеса",
        },
    ]


@pytest.mark.django_db
def test_insert_rows_returns_the_ids_of_the_rows_in_their_order():
    rows = incident_rows("")
    ids = insert_rows(Incident, rows)

    assert len(set(ids)) == 3
    stored_keys = dict(Incident.objects.values_list("pk", "external_id"))
    assert stored_keys == {ids[0]: "E3", ids[1]: "E1", ids[2]: "E2"}
    # The sequence moved on: Django's own next insert does not collide with them.
    later = IncidentFactory()
    assert later.pk not in ids


@pytest.mark.django_db
def test_insert_rows_stores_what_bulk_create_stores_for_the_same_input():
    before = timezone.now()
    ids = insert_rows(Incident, incident_rows(""))
    after = timezone.now()
    reference = bulk_created(Incident, incident_rows("reference-"))

    inserted = stored(Incident, ids)
    for row, expected in zip(inserted, stored(Incident, reference), strict=True):
        assert without(row, GENERATED | {"external_id"}) == without(
            expected, GENERATED | {"external_id"}
        )
        assert before <= row["created_at"] <= after
        assert before <= row["updated_at"] <= after
        assert isinstance(row["public_id"], uuid.UUID)
        assert row["public_id"].version == 4
    public_ids = {row["public_id"] for row in inserted + stored(Incident, reference)}
    assert len(public_ids) == 6

    minimal = inserted[0]
    assert without(minimal, GENERATED) == {
        "external_source": "acled",
        "external_id": "E3",
        "occurred_on": dt.date(2023, 8, 15),
        "incident_type": "shelling",
        "occurred_at": None,
        "date_precision": "day",
        "region_id": None,
        "settlement": "",
        "latitude": None,
        "longitude": None,
        "location_precision": "settlement",
        "attack_wave_id": None,
        "weapons_launched": None,
        "weapons_intercepted": None,
        "killed": 0,
        "injured": 0,
        "children_killed": 0,
        "children_injured": 0,
        "description": "",
        "event_id": None,
        "awaiting_match_since": None,
        "status": "draft",
        "organisation_id": None,
        "created_by_id": None,
        "verified_by_id": None,
        "verified_at": None,
        "rejection_reason": "",
        "last_ingestion_run_id": None,
        "is_curated": False,
    }
    full = inserted[1]
    assert full["occurred_at"] == dt.datetime(2023, 8, 15, 0, 40, 12, 345678, tzinfo=dt.UTC)
    assert (str(full["latitude"]), str(full["longitude"])) == ("49.839700", "-24.029701")
    assert full["description"] == "Line one\nline two\ttabbed, a back\\slash, \\N and \\.\r\nend"
    assert inserted[2]["settlement"] == "Одеса"


@pytest.mark.django_db
def test_insert_rows_of_sources_and_damaged_assets_of_an_incident():
    incident = IncidentFactory()
    other = IncidentFactory()

    def sources(parent: Incident) -> list[dict[str, Any]]:
        return [
            {
                "incident_id": parent.pk,
                "name": "ACLED",
                "kind": "dataset",
                "title": "Weekly data",
                "url": "https://example.org/acled",
                "published_on": dt.date(2023, 8, 16),
            },
            {"incident_id": parent.pk, "name": "Suspilne"},
        ]

    def assets(parent: Incident) -> list[dict[str, Any]]:
        return [
            {"incident_id": parent.pk, "asset_type": "education"},
            {
                "incident_id": parent.pk,
                "asset_type": "residential",
                "name": "Apartment block",
                "count": 3,
                "damage_level": "destroyed",
                "notes": "Upper floors collapsed",
            },
        ]

    before = timezone.now()
    source_ids = insert_rows(Source, sources(incident))
    asset_ids = insert_rows(DamagedAsset, assets(incident))
    after = timezone.now()

    assert [source.pk for source in incident.sources.order_by("name")] == source_ids
    assert [asset.pk for asset in incident.assets.order_by("asset_type")] == asset_ids
    assert without(stored(Source, source_ids)[1], GENERATED) == {
        "incident_id": incident.pk,
        "service_disruption_id": None,
        "grain_disruption_id": None,
        "name": "Suspilne",
        "kind": "media",
        "title": "",
        "url": "",
        "published_on": None,
    }
    assert without(stored(DamagedAsset, asset_ids)[0], GENERATED) == {
        "incident_id": incident.pk,
        "asset_type": "education",
        "name": "",
        "count": 1,
        "damage_level": "damaged",
        "notes": "",
    }
    for model, ids, reference_rows in (
        (Source, source_ids, sources(other)),
        (DamagedAsset, asset_ids, assets(other)),
    ):
        inserted = stored(model, ids)
        reference = stored(model, bulk_created(model, reference_rows))
        for row, expected in zip(inserted, reference, strict=True):
            assert row["incident_id"] == incident.pk
            ignored = GENERATED | {"incident_id"}
            assert without(row, ignored) == without(expected, ignored)
            assert before <= row["created_at"] <= after
            assert before <= row["updated_at"] <= after
        public_ids = {row["public_id"] for row in inserted + reference}
        assert len(public_ids) == 4


@pytest.mark.django_db
def test_nothing_to_insert_or_update_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(Incident, []) == []
        update_rows(Incident, [], ["killed"])


@pytest.mark.django_db
def test_a_duplicate_natural_key_raises_djangos_integrity_error():
    IncidentFactory(external_source="acled", external_id="UKR1")
    row = {
        "external_source": "acled",
        "external_id": "UKR1",
        "occurred_on": dt.date(2023, 8, 16),
        "incident_type": "shelling",
    }
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        insert_rows(Incident, [{**row, "external_id": "UKR2"}, row])

    assert type(raised.value) is IntegrityError
    assert not isinstance(raised.value, psycopg.Error)
    assert list(Incident.objects.values_list("external_id", flat=True)) == ["UKR1"]


@needs_postgresql
@pytest.mark.django_db
def test_a_value_too_long_for_its_column_raises_djangos_data_error():
    row = {
        "external_source": "acled",
        "external_id": "UKR1",
        "occurred_on": dt.date(2023, 8, 16),
        "incident_type": "shelling",
        "settlement": "x" * 201,
    }
    with pytest.raises(DataError) as raised, transaction.atomic():
        insert_rows(Incident, [row])

    assert type(raised.value) is DataError
    assert not Incident.objects.exists()


# -- update_rows ------------------------------------------------------------------------------

UPDATED_FIELDS = [
    "latitude",
    "longitude",
    "weapons_launched",
    "occurred_on",
    "region",
    "occurred_at",
]


@pytest.mark.django_db
def test_update_rows_writes_exactly_the_listed_fields():
    first, second, same, untouched = (
        IncidentFactory(
            settlement=f"Place {number}",
            weapons_launched=10,
            latitude=Decimal("1.000000"),
            longitude=Decimal("2.000000"),
            occurred_at=dt.datetime(2023, 8, 15, 1, 0, tzinfo=dt.UTC),
        )
        for number in range(4)
    )
    ids = [first.pk, second.pk, same.pk, untouched.pk]
    before = {row["id"]: row for row in stored(Incident, ids)}

    first.latitude, first.longitude = Decimal("49.839700"), Decimal("24.029701")
    first.weapons_launched = None
    first.occurred_on = dt.date(2023, 9, 1)
    first.region = region("UA51")
    first.occurred_at = dt.datetime(2023, 9, 1, 3, 40, 12, 345678, tzinfo=KYIV)
    second.latitude, second.longitude = Decimal("-12.345678"), Decimal("-179.999999")
    second.weapons_launched = 2_147_483_647
    second.occurred_on = dt.date(2024, 2, 29)
    second.region = None
    second.occurred_at = None
    # Changed on the instances but not listed: must not be written.
    first.settlement, first.killed, first.description = "Not written", 99, "Not written"
    second.is_curated = True

    update_rows(Incident, [first, second, same], UPDATED_FIELDS)

    after = {row["id"]: row for row in stored(Incident, ids)}
    assert after[first.pk] == {
        **before[first.pk],
        "latitude": Decimal("49.839700"),
        "longitude": Decimal("24.029701"),
        "weapons_launched": None,
        "occurred_on": dt.date(2023, 9, 1),
        "region_id": region("UA51").pk,
        "occurred_at": dt.datetime(2023, 9, 1, 0, 40, 12, 345678, tzinfo=dt.UTC),
    }
    assert after[second.pk] == {
        **before[second.pk],
        "latitude": Decimal("-12.345678"),
        "longitude": Decimal("-179.999999"),
        "weapons_launched": 2_147_483_647,
        "occurred_on": dt.date(2024, 2, 29),
        "region_id": None,
        "occurred_at": None,
    }
    assert after[same.pk] == before[same.pk]
    assert after[untouched.pk] == before[untouched.pk]
    coordinates = [(str(after[pk]["latitude"]), str(after[pk]["longitude"])) for pk in ids[:2]]
    assert coordinates == [("49.839700", "24.029701"), ("-12.345678", "-179.999999")]


@pytest.mark.django_db
def test_update_rows_takes_a_foreign_key_by_field_name_or_attname():
    incident = IncidentFactory()
    incident.region_id = region("UA51").pk
    update_rows(Incident, [incident], ["region_id"])
    assert Incident.objects.get(pk=incident.pk).region == region("UA51")


# -- through the ingestion service ----------------------------------------------------------


def ingest(tmp_path: Path, name: str, rows: list[dict[str, str]]) -> IngestionRun:
    payload = tmp_path / name
    payload.write_bytes(impact_csv(rows))
    return ingest_file(payload)


def ingest_file(payload: Path) -> IngestionRun:
    run = services.ingestion_run_create(
        location=str(payload), format="impact-csv", trigger="command"
    )
    run = services.ingestion_run_execute(run_id=run.pk)
    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    return run


def counts(run: IngestionRun) -> tuple[int, ...]:
    return (run.created, run.updated, run.unchanged, run.rejected, run.skipped, run.warnings)


def issues(run: IngestionRun) -> list[tuple[int, str, str]]:
    return [
        (issue.row_number, issue.level, issue.reason)
        for issue in run.issues.order_by("row_number", "pk")
    ]


def incident(external_id: str) -> Incident:
    return Incident.objects.get(external_source="acled", external_id=external_id)


SAME_URL = "https://example.org/report/1"


@pytest.mark.django_db
def test_a_row_breaking_a_database_rule_is_rejected_and_the_rest_of_its_batch_goes_in(
    tmp_path,
):
    """The parser does not check that an incident's sources have different URLs; the
    database does (source_incident_url_unique)."""
    rows = [
        impact_row("UKR1", sources=[{"name": "Suspilne", "url": SAME_URL}]),
        impact_row(
            "UKR2",
            sources=[{"name": "Suspilne", "url": SAME_URL}, {"name": "Hromadske", "url": SAME_URL}],
        ),
        impact_row("UKR3", killed="2"),
    ]
    run = ingest(tmp_path, "incidents.csv", rows)

    assert (run.rows_seen, *counts(run)) == (3, 2, 0, 0, 1, 0, 0)
    assert sorted(Incident.objects.values_list("external_id", flat=True)) == ["UKR1", "UKR3"]
    assert list(Source.objects.values_list("incident__external_id", "name")) == [
        ("UKR1", "Suspilne")
    ]
    assert incident("UKR3").killed == 2
    found = issues(run)
    assert [(number, level) for number, level, _ in found] == [(3, "rejected")]
    reason = found[0][2]
    assert reason.startswith("database: ")
    assert "source" in reason
    assert "url" in reason
    assert run.issues.get().raw["external_id"] == "UKR2"


@needs_postgresql
@pytest.mark.django_db
def test_a_value_too_long_for_its_column_rejects_the_row_on_postgresql(tmp_path):
    rows = [impact_row("UKR1"), impact_row("UKR2", settlement="x" * 201), impact_row("UKR3")]
    run = ingest(tmp_path, "incidents.csv", rows)

    assert counts(run) == (2, 0, 0, 1, 0, 0)
    assert sorted(Incident.objects.values_list("external_id", flat=True)) == ["UKR1", "UKR3"]
    found = issues(run)
    assert [(number, level) for number, level, _ in found] == [(3, "rejected")]
    assert found[0][2].startswith("database: ")
    assert "too long" in found[0][2]


@needs_postgresql
@pytest.mark.django_db
def test_a_value_too_long_for_its_column_rejects_an_update_too(tmp_path):
    """Not cut to fit: an update is refused like an insert, and the stored row is kept."""
    ingest(tmp_path, "first.csv", [impact_row("UKR1", settlement="Lviv")])
    run = ingest(tmp_path, "second.csv", [impact_row("UKR1", settlement="x" * 201)])

    assert incident("UKR1").settlement == "Lviv"
    assert counts(run) == (0, 0, 0, 1, 0, 0)
    found = issues(run)
    assert [(number, level) for number, level, _ in found] == [(2, "rejected")]
    assert found[0][2].startswith("database: ")


@pytest.mark.django_db
def test_the_later_of_two_rows_with_one_key_wins_and_the_earlier_is_superseded(tmp_path):
    rows = [impact_row("UKR1", killed="1"), impact_row("UKR2"), impact_row("UKR1", killed="5")]
    run = ingest(tmp_path, "incidents.csv", rows)

    assert counts(run) == (2, 0, 0, 0, 1, 1)
    assert issues(run) == [(2, "warning", "superseded by row 4 with the same id")]
    assert incident("UKR1").killed == 5
    assert HistoricalIncident.objects.filter(id=incident("UKR1").pk).count() == 1


@pytest.mark.django_db
def test_the_later_row_wins_when_it_comes_in_a_later_batch(tmp_path, settings):
    settings.INGESTION_BATCH_SIZE = 2
    rows = [impact_row("UKR1", killed="1"), impact_row("UKR2"), impact_row("UKR1", killed="5")]
    run = ingest(tmp_path, "incidents.csv", rows)

    assert counts(run) == (2, 1, 0, 0, 0, 0)
    assert incident("UKR1").killed == 5


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        "incidents": list(Incident.objects.order_by("pk").values()),
        "sources": list(Source.objects.order_by("pk").values()),
        "assets": list(DamagedAsset.objects.order_by("pk").values()),
    }


@pytest.mark.django_db
def test_a_rerun_of_the_same_file_finds_every_row_unchanged_and_writes_nothing():
    first = ingest_file(PAYLOADS / "impact_incidents.csv")
    assert counts(first)[:4] == (3, 0, 0, 7)
    before, history = snapshot(), HistoricalIncident.objects.count()

    again = ingest_file(PAYLOADS / "impact_incidents.csv")

    assert counts(again) == (0, 0, 3, 7, 0, first.warnings)
    assert snapshot() == before
    assert HistoricalIncident.objects.count() == history == 3


@pytest.mark.django_db
def test_a_changed_file_updates_only_the_changed_rows(tmp_path):
    lviv_sources = [
        {"name": "Lviv RMA", "kind": "official", "url": SAME_URL, "published_on": "2023-08-15"}
    ]
    assets = [{"asset_type": "residential", "count": 2, "damage_level": "destroyed"}]
    kept = impact_row(
        "UKR3",
        occurred_at="2023-08-15T03:40:12.345678+03:00",
        latitude="49.8397",
        longitude="24.0297",
        weapons_launched="10",
        weapons_intercepted="8",
        description="Two lines,\nand a tab\there",
        sources=lviv_sources,
        assets=assets,
    )
    rows = [
        impact_row("UKR1", killed="1", sources=lviv_sources, assets=assets),
        impact_row("UKR2", sources=[{"name": "Suspilne", "title": "Old title"}]),
        kept,
    ]
    first = ingest(tmp_path, "first.csv", rows)
    assert counts(first) == (3, 0, 0, 0, 0, 0)
    rerun = ingest(tmp_path, "again.csv", rows)
    assert counts(rerun) == (0, 0, 3, 0, 0, 0)
    before, history = snapshot(), HistoricalIncident.objects.count()

    rows[0] = impact_row("UKR1", killed="4", sources=lviv_sources, assets=assets)
    rows[1] = impact_row("UKR2", sources=[{"name": "Suspilne", "title": "New title"}])
    changed = ingest(tmp_path, "changed.csv", rows)

    assert counts(changed) == (0, 2, 1, 0, 0, 0)
    added = HistoricalIncident.objects.order_by("history_id")[history:]
    assert sorted((row.external_id, row.history_type) for row in added) == [
        ("UKR1", "~"),
        ("UKR2", "~"),
    ]
    assert HistoricalIncident.objects.count() == history + 2
    after = snapshot()
    old = {row["external_id"]: row for row in before["incidents"]}
    new = {row["external_id"]: row for row in after["incidents"]}
    assert new["UKR3"] == old["UKR3"]
    assert new["UKR3"]["last_ingestion_run_id"] == first.pk
    changed_fields = {"killed", "updated_at", "last_ingestion_run_id"}
    assert without(new["UKR1"], changed_fields) == without(old["UKR1"], changed_fields)
    assert (new["UKR1"]["killed"], new["UKR1"]["last_ingestion_run_id"]) == (4, changed.pk)
    assert new["UKR1"]["updated_at"] > old["UKR1"]["updated_at"]
    unchanged_fields = {"updated_at", "last_ingestion_run_id"}
    assert without(new["UKR2"], unchanged_fields) == without(old["UKR2"], unchanged_fields)
    # Children of unchanged incidents stay the same rows; the changed one's are replaced.
    ukr2 = incident("UKR2").pk
    assert [row for row in after["sources"] if row["incident_id"] != ukr2] == [
        row for row in before["sources"] if row["incident_id"] != ukr2
    ]
    assert after["assets"] == before["assets"]
    assert list(Source.objects.filter(incident_id=ukr2).values_list("title", flat=True)) == [
        "New title"
    ]


@pytest.mark.django_db
def test_insert_rows_refuses_a_key_that_is_not_a_column() -> None:
    from incidents.bulk import insert_rows

    with pytest.raises(TypeError), transaction.atomic():
        insert_rows(
            Incident,
            [
                {
                    "external_source": "x",
                    "external_id": "1",
                    "occurred_on": dt.date(2023, 1, 1),
                    "incident_type": "shelling",
                    "regoin_id": 5,
                }
            ],
        )


def test_random_uuids_are_distinct_version_4_uuids() -> None:
    from incidents.bulk import random_uuids

    made = random_uuids(2000)
    assert len(set(made)) == 2000
    for text in made:
        value = uuid.UUID(text)
        assert value.hex == text
        assert (value.version, value.variant) == (4, uuid.RFC_4122)
    assert random_uuids(0) == []


@pytest.mark.django_db
def test_new_rows_get_distinct_public_ids_unless_they_give_one() -> None:
    given = uuid.uuid4()
    rows = incident_rows("")
    rows[0]["public_id"] = given
    ids = insert_rows(Incident, rows)
    public_ids = dict(Incident.objects.filter(pk__in=ids).values_list("pk", "public_id"))
    assert public_ids[ids[0]] == given
    assert len(set(public_ids.values())) == len(rows)
    assert all(isinstance(value, uuid.UUID) for value in public_ids.values())
