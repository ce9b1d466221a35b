"""The daily figures per region, and their monthly and weekly rollups, always equal a
recomputation from the raw incidents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from incidents import services
from incidents.demo import demo_add_synthetic
from incidents.figures.rewrites import rebuild_day_figures, refresh_day_figures
from incidents.ingestion import services as ingestion
from incidents.models import (
    AssetDayFigures,
    AssetMonthFigures,
    Incident,
    IncidentDayFigures,
    IncidentMonthFigures,
    IncidentWeekFigures,
    IngestionRun,
)
from tests.factories import DamagedAssetFactory, IncidentFactory, region
from tests.incidents.ingestion.impact_rows import impact_csv, impact_row
from tests.incidents.summed_figures import TABLES, assert_in_step, stored

pytestmark = pytest.mark.django_db
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"


def test_new_incidents_and_assets_are_counted(organisation):
    lviv = IncidentFactory(organisation=organisation, verified=True, killed=3, injured=7)
    IncidentFactory(organisation=organisation, verified=True, killed=1)  # same day and region
    IncidentFactory(organisation=organisation, submitted=True, injured=4)
    IncidentFactory(organisation=organisation, injured=99)  # a draft: never counted
    IncidentFactory(organisation=organisation, verified=True, region=None, settlement="")
    DamagedAssetFactory(incident=lviv, asset_type="residential", count=40)
    DamagedAssetFactory(incident=lviv, asset_type="health", count=1)
    assert_in_step()
    day = IncidentDayFigures.objects.get(
        region=region("UA46"), day=dt.date(2023, 8, 15), status="verified"
    )
    assert (day.incidents, day.killed, day.injured) == (2, 4, 9)
    assert IncidentDayFigures.objects.filter(region=None).count() == 1


def test_edits_move_figures_between_days_regions_and_statuses(organisation, verifier):
    incident = IncidentFactory(organisation=organisation, submitted=True, killed=2)
    DamagedAssetFactory(incident=incident, count=5)
    services.record_verify(record=incident, by=verifier)
    assert_in_step()
    incident.refresh_from_db()
    services.record_update(
        record=incident,
        by=verifier,
        data={"occurred_on": dt.date(2023, 9, 1), "region": region("UA51"), "killed": 4},
        reason="The regional administration corrected the place, date and toll.",
    )
    assert_in_step()
    assert not IncidentDayFigures.objects.filter(day=dt.date(2023, 8, 15)).exists()
    assert not AssetDayFigures.objects.filter(day=dt.date(2023, 8, 15)).exists()
    services.record_reject(record=incident, by=verifier, reason="A duplicate of another report")
    assert_in_step()
    assert not IncidentDayFigures.objects.exists()


def test_deleting_assets_and_incidents_takes_them_out(organisation, verifier):
    incident = IncidentFactory(organisation=organisation, verified=True)
    asset = DamagedAssetFactory(incident=incident, count=5)
    DamagedAssetFactory(incident=incident, asset_type="school", count=1)
    other = IncidentFactory(organisation=organisation, verified=True)
    asset.delete()
    assert_in_step()
    services.record_delete(record=incident, by=verifier)
    assert_in_step()
    other.delete()
    assert_in_step()
    assert not IncidentDayFigures.objects.exists()


def test_ingestion_keeps_the_figures_in_step_through_new_changed_and_unchanged_rows(tmp_path):
    original = (PAYLOADS / "impact_incidents.csv").read_text()

    def ingest(text: str) -> IngestionRun:
        path = tmp_path / "impact.csv"
        path.write_text(text)
        run = ingestion.ingestion_run_create(
            location=str(path),
            format="impact-csv",
            trigger=IngestionRun.Trigger.COMMAND,
            record_status="verified",
        )
        return ingestion.ingestion_run_execute(run_id=run.pk)

    first = ingest(original)
    assert first.created > 0
    assert_in_step()
    # Move every incident a day later and change a toll: old and new days both change.
    changed = original.replace("2023-08-15", "2023-08-16").replace("2023-07-06", "2023-07-07")
    second = ingest(changed)
    assert second.updated > 0
    assert_in_step()
    ingest(changed)
    assert_in_step()
    # Into another month and ISO week; and into July within the same week (31 July 2023
    # is the Monday of 1 August's week).
    moved = changed.replace("2023-08-16", "2023-09-04").replace("2023-08-01", "2023-07-31")
    third = ingest(moved)
    assert third.updated > 0
    assert_in_step()
    lviv = region("UA46").pk
    assert IncidentMonthFigures.objects.filter(region=lviv, month=dt.date(2023, 9, 1)).exists()
    assert IncidentWeekFigures.objects.filter(region=lviv, week=dt.date(2023, 9, 4)).exists()


def test_synthetic_data_and_a_rebuild_agree(organisation):
    call_command("load_demo", verbosity=0)
    assert demo_add_synthetic(count=300) == 300
    assert_in_step()
    before = {unit: stored(unit) for unit in TABLES}
    # Lost, or only partly: the rebuild starts over from the raw rows either way.
    for model in (IncidentDayFigures, IncidentMonthFigures, IncidentWeekFigures):
        model.objects.all().delete()
    AssetMonthFigures.objects.filter(asset_type="residential").delete()
    rebuild_day_figures()
    assert {unit: stored(unit) for unit in TABLES} == before
    assert_in_step()


def test_refreshing_a_pair_with_nothing_left_empties_it(organisation):
    incident = IncidentFactory(organisation=organisation, verified=True)
    with connection.cursor() as cursor:  # behind the application's back, as raw SQL would
        cursor.execute(f"DELETE FROM {Incident._meta.db_table} WHERE id = %s", [incident.pk])
    assert IncidentDayFigures.objects.count() == 1
    refresh_day_figures({(incident.region_id, incident.occurred_on)})
    assert not IncidentDayFigures.objects.exists()
    assert not IncidentMonthFigures.objects.exists()
    assert not IncidentWeekFigures.objects.exists()


def test_sums_beyond_the_range_of_one_incidents_count_fit(organisation):
    largest = 2**31 - 1  # the most one incident may carry
    IncidentFactory.create_batch(2, organisation=organisation, verified=True, injured=largest)
    assert_in_step()
    assert IncidentDayFigures.objects.get().injured == 2 * largest
    assert IncidentMonthFigures.objects.get().injured == 2 * largest
    assert IncidentWeekFigures.objects.get().injured == 2 * largest


def _no_empty_rows() -> bool:
    return not any(
        model.objects.filter(**{sums: 0}).exists()
        for model, sums in (
            (IncidentDayFigures, "incidents"),
            (IncidentMonthFigures, "incidents"),
            (IncidentWeekFigures, "incidents"),
            (AssetDayFigures, "total"),
            (AssetMonthFigures, "total"),
        )
    )


def _ingest_rows(tmp_path: Path, rows: list[dict[str, str]]) -> IngestionRun:
    path = tmp_path / "impact.csv"
    path.write_bytes(impact_csv(rows))
    run = ingestion.ingestion_run_create(
        location=str(path), format="impact-csv", trigger="command", record_status="verified"
    )
    return ingestion.ingestion_run_execute(run_id=run.pk)


HOUSE = {"asset_type": "residential", "count": 2, "damage_level": "damaged"}
SCHOOL = {"asset_type": "education", "count": 1, "damage_level": "destroyed"}


def test_changed_incidents_move_their_figures_by_the_difference(tmp_path):
    """Each kind of change a feed can make: the figures equal a recomputation after it,
    and a day, month, week or asset type left with nothing has no row any more."""
    before = [
        impact_row("E1", killed="1", assets=[HOUSE]),
        impact_row("E2", occurred_on="2023-08-31", injured="3"),  # alone in its month
        impact_row("E3", incident_type="shelling", assets=[HOUSE, SCHOOL]),
        impact_row("E4", region_pcode="UA63"),  # alone in its region
        impact_row("E5", children_killed="1", killed="2"),
        impact_row("E6"),  # does not change
    ]
    assert _ingest_rows(tmp_path, before).created == 6
    assert_in_step()
    after = [
        impact_row("E1", killed="4", assets=[{**HOUSE, "count": 5}]),  # toll and count
        impact_row("E2", occurred_on="2023-09-04", injured="3"),  # new month and week
        impact_row("E3", incident_type="drone_strike", assets=[SCHOOL]),  # type; asset gone
        impact_row("E4", region_pcode="UA46"),  # another region
        impact_row("E5", children_killed="0", killed="2", assets=[SCHOOL]),  # asset added
        impact_row("E6"),
    ]
    run = _ingest_rows(tmp_path, after)
    assert (run.updated, run.unchanged) == (5, 1)
    assert_in_step()
    assert _no_empty_rows()
    lviv, kharkiv = region("UA46").pk, region("UA63").pk
    assert not IncidentDayFigures.objects.filter(region=kharkiv).exists()
    assert not IncidentMonthFigures.objects.filter(month=dt.date(2023, 8, 1), injured__gt=0)
    assert not AssetDayFigures.objects.filter(incident_type="shelling").exists()
    assert IncidentWeekFigures.objects.filter(region=lviv, week=dt.date(2023, 9, 4)).exists()
    # And back again: the same differences the other way.
    assert _ingest_rows(tmp_path, before).updated == 5
    assert_in_step()
    assert _no_empty_rows()


def test_a_change_to_or_from_no_region_rewrites_those_days(tmp_path):
    sea = impact_row("S1", region_pcode="", region_name="", killed="2", assets=[HOUSE])
    _ingest_rows(tmp_path, [sea, impact_row("L1")])
    assert_in_step()
    _ingest_rows(tmp_path, [{**sea, "region_pcode": "UA51"}, impact_row("L1", killed="3")])
    assert_in_step()
    assert _no_empty_rows()
    _ingest_rows(tmp_path, [{**sea, "killed": "1"}, impact_row("L1")])
    assert_in_step()
    assert _no_empty_rows()


def test_figures_out_of_step_are_recomputed_instead_of_going_below_zero(tmp_path):
    _ingest_rows(tmp_path, [impact_row("E1", killed="5"), impact_row("E2", killed="1")])
    # Something wrote the incidents past the figures: the day counts fewer than it has.
    IncidentDayFigures.objects.update(killed=0)
    run = _ingest_rows(tmp_path, [impact_row("E1", killed="2"), impact_row("E2", killed="1")])
    assert (run.updated, run.rejected) == (1, 0)
    assert_in_step()
