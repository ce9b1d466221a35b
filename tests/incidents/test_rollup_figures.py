"""The monthly and weekly rollups follow every change across month and week boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.figures.incidents import NewIncident, add_day_figures, add_new_incidents
from incidents.figures.rewrites import rebuild_day_figures
from incidents.models import (
    AssetMonthFigures,
    DamagedAsset,
    Incident,
    IncidentMonthFigures,
    IncidentWeekFigures,
)
from tests.factories import DamagedAssetFactory, IncidentFactory, region
from tests.incidents.summed_figures import TABLES, assert_in_step, stored

pytestmark = pytest.mark.django_db
# Tuesday 31 January 2023 and Wednesday 1 February share the ISO week of Monday 30 January;
# Sunday 5 February ends it, Monday 6 February begins the next.
JAN_31, FEB_1, FEB_5, FEB_6 = (dt.date(2023, 1, 31), *(dt.date(2023, 2, d) for d in (1, 5, 6)))


def month_figures(pcode: str, month: dt.date) -> tuple[int, int, int]:
    row = IncidentMonthFigures.objects.get(region=region(pcode), month=month, status="verified")
    return row.incidents, row.killed, row.injured


def week_incidents(pcode: str, week: dt.date) -> int:
    rows = IncidentWeekFigures.objects.filter(region=region(pcode), week=week)
    return sum(row.incidents for row in rows)


def test_rollups_sum_the_days_of_each_month_and_week(organisation):
    for day, killed in ((JAN_31, 1), (FEB_1, 2), (FEB_5, 3), (FEB_6, 4)):
        IncidentFactory(organisation=organisation, verified=True, occurred_on=day, killed=killed)
    IncidentFactory(organisation=organisation, verified=True, occurred_on=FEB_6, region=None)
    IncidentFactory(organisation=organisation, occurred_on=FEB_6, killed=50)  # a draft
    assert_in_step()
    assert month_figures("UA46", dt.date(2023, 1, 1)) == (1, 1, 2)
    assert month_figures("UA46", dt.date(2023, 2, 1)) == (3, 9, 6)
    assert week_incidents("UA46", dt.date(2023, 1, 30)) == 3
    assert week_incidents("UA46", FEB_6) == 1
    assert IncidentWeekFigures.objects.get(region=None).week == FEB_6
    assert IncidentMonthFigures.objects.get(region=None).month == dt.date(2023, 2, 1)


def test_edits_move_the_rollups_across_months_weeks_regions_types_and_statuses(
    organisation, verifier
):
    incident = IncidentFactory(organisation=organisation, submitted=True, occurred_on=JAN_31)
    DamagedAssetFactory(incident=incident, asset_type="school", count=2)
    IncidentFactory(organisation=organisation, verified=True, occurred_on=FEB_1, injured=5)
    services.record_verify(record=incident, by=verifier)
    assert_in_step()
    changes = [
        {"occurred_on": FEB_1},  # another month, the same week
        {"occurred_on": FEB_6},  # the same month, another week
        {"region": region("UA51")},
        {"incident_type": Incident.IncidentType.DRONE_STRIKE},
        {"killed": 7, "injured": 9},
        {"region": None, "settlement": ""},
        {"occurred_on": JAN_31, "region": region("UA46"), "settlement": "Lviv"},
    ]
    for data in changes:
        incident.refresh_from_db()
        services.record_update(
            record=incident, by=verifier, data=data, reason="Corrected by the oblast."
        )
        assert_in_step()
    assert month_figures("UA46", dt.date(2023, 1, 1)) == (1, 7, 9)
    assert month_figures("UA46", dt.date(2023, 2, 1)) == (1, 0, 5)
    assert week_incidents("UA46", dt.date(2023, 1, 30)) == 2
    assert not IncidentWeekFigures.objects.filter(week=FEB_6).exists()
    assert not IncidentMonthFigures.objects.filter(region=region("UA51")).exists()
    incident.refresh_from_db()
    services.record_reject(record=incident, by=verifier, reason="A duplicate of another report")
    assert_in_step()
    assert not IncidentMonthFigures.objects.filter(month=dt.date(2023, 1, 1)).exists()
    assert not AssetMonthFigures.objects.exists()


def test_asset_changes_reach_the_monthly_damage(organisation):
    incident = IncidentFactory(organisation=organisation, verified=True, occurred_on=FEB_5)
    asset = DamagedAssetFactory(incident=incident, asset_type="residential", count=4)
    DamagedAssetFactory(incident=incident, asset_type="health", count=1)
    assert_in_step()
    asset.count = 6
    asset.save()
    assert_in_step()
    asset.asset_type = DamagedAsset.AssetType.EDUCATION
    asset.save()
    assert_in_step()
    totals = dict(AssetMonthFigures.objects.values_list("asset_type", "total"))
    assert totals == {"education": 6, "health": 1}
    asset.delete()
    assert_in_step()
    assert dict(AssetMonthFigures.objects.values_list("asset_type", "total")) == {"health": 1}


def test_deleting_the_last_incident_of_a_month_and_week_empties_them(organisation, verifier):
    kept = IncidentFactory(organisation=organisation, verified=True, occurred_on=FEB_6)
    gone = IncidentFactory(organisation=organisation, verified=True, occurred_on=JAN_31)
    DamagedAssetFactory(incident=gone, count=3)
    services.record_delete(record=gone, by=verifier)
    assert_in_step()
    assert list(IncidentMonthFigures.objects.values_list("month", flat=True)) == [
        dt.date(2023, 2, 1)
    ]
    assert list(IncidentWeekFigures.objects.values_list("week", flat=True)) == [FEB_6]
    assert not AssetMonthFigures.objects.exists()
    kept.delete()
    assert_in_step()
    assert not IncidentMonthFigures.objects.exists()
    assert not IncidentWeekFigures.objects.exists()


def test_new_incidents_are_added_to_the_rollups_in_place(organisation):
    IncidentFactory(organisation=organisation, verified=True, occurred_on=FEB_1, killed=1)
    # Written past the signals, as ingestion writes them, then added in one batch.
    added = Incident.objects.bulk_create(
        [
            Incident(
                occurred_on=day,
                region=region("UA46") if day != FEB_5 else None,
                incident_type=Incident.IncidentType.MISSILE_STRIKE,
                killed=2,
                organisation=organisation,
                status="verified",
                verified_at=timezone.now(),
            )
            for day in (JAN_31, FEB_1, FEB_5, FEB_6)
        ]
    )
    DamagedAsset.objects.bulk_create(
        [DamagedAsset(incident=added[1], asset_type="energy", count=2)]
    )
    add_day_figures([incident.pk for incident in added])
    assert_in_step()
    assert month_figures("UA46", dt.date(2023, 2, 1)) == (3, 5, 2)
    assert week_incidents("UA46", dt.date(2023, 1, 30)) == 3


def test_new_incidents_are_added_from_their_values_in_memory(organisation):
    IncidentFactory(organisation=organisation, verified=True, occurred_on=FEB_1, killed=1)
    kinds = [
        # (day, region, status, killed, assets)
        (JAN_31, "UA46", "verified", 2, [("energy", 2)]),
        (FEB_1, "UA46", "verified", 3, [("energy", 1), ("residential", 7)]),
        (FEB_1, "UA46", "submitted", 1, []),
        (FEB_1, "UA46", "draft", 50, [("energy", 9)]),  # not counted
        (FEB_5, None, "verified", 4, [("residential", 1)]),
        (FEB_5, None, "verified", 1, []),
        (FEB_6, "UA14", "verified", 0, [("health", 3)]),
    ]
    new = []
    for day, pcode, status, killed, assets in kinds:
        incident = Incident.objects.bulk_create(
            [
                Incident(
                    occurred_on=day,
                    region=region(pcode) if pcode else None,
                    incident_type=Incident.IncidentType.MISSILE_STRIKE,
                    killed=killed,
                    injured=killed + 1,
                    organisation=organisation,
                    status=status,
                    verified_at=timezone.now() if status == "verified" else None,
                )
            ]
        )[0]
        DamagedAsset.objects.bulk_create(
            [DamagedAsset(incident=incident, asset_type=kind, count=n) for kind, n in assets]
        )
        new.append(
            NewIncident.of(
                {
                    "region_id": incident.region_id,
                    "occurred_on": day,
                    "incident_type": incident.incident_type,
                    "status": status,
                    "killed": killed,
                    "injured": killed + 1,
                },
                assets,
            )
        )
    add_new_incidents(new)
    assert_in_step()
    assert month_figures("UA46", dt.date(2023, 2, 1)) == (2, 4, 6)
    assert week_incidents("UA46", dt.date(2023, 1, 30)) == 4
    # Nothing new, nothing counted: no write at all.
    with CaptureQueriesContext(connection) as queries:
        add_new_incidents([])
        add_new_incidents([new[3]._replace(status="draft")])
    assert queries.captured_queries == []


def test_rebuild_figures_restores_lost_rollups(organisation):
    for day in (JAN_31, FEB_1, FEB_5, FEB_6):
        incident = IncidentFactory(organisation=organisation, verified=True, occurred_on=day)
        DamagedAssetFactory(incident=incident, count=2)
    before = {unit: stored(unit) for unit in TABLES}
    IncidentMonthFigures.objects.all().delete()
    IncidentWeekFigures.objects.filter(week=FEB_6).delete()
    AssetMonthFigures.objects.update(total=1)
    call_command("rebuild_figures", verbosity=0)
    assert {unit: stored(unit) for unit in TABLES} == before
    rebuild_day_figures()  # twice: rows are replaced, not added again
    assert_in_step()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks")
def test_adding_new_incidents_holds_their_regions_locks_until_the_transaction_ends():
    from incidents.figures.sums import DAY_FIGURES_LOCK

    lviv, kyiv = region("UA46"), region("UA80")
    new = [
        NewIncident(region_id=region_id, occurred_on=FEB_1, incident_type="shelling", status=s)
        for region_id, s in ((lviv.pk, "verified"), (kyiv.pk, "submitted"), (None, "verified"))
    ]
    with transaction.atomic():
        add_new_incidents(new)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid()"
            )
            held = set(cursor.fetchall())
    # Incidents without a region are locked under 0, like a rewrite of their days.
    assert {(DAY_FIGURES_LOCK, lviv.pk), (DAY_FIGURES_LOCK, kyiv.pk), (DAY_FIGURES_LOCK, 0)} <= held
