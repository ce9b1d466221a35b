"""The daily figures per region, and their monthly and weekly rollups, always equal a
recomputation from the raw incidents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from incidents import services
from incidents.aggregates import rebuild_day_figures, refresh_day_figures
from incidents.demo import demo_add_synthetic
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
