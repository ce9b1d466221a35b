"""Invariants hold in the database itself, not only in forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from incidents.models import (
    AttackWaveWeapon,
    DamagedAsset,
    GrainDisruption,
    GrainShipment,
    Incident,
    Region,
    ServiceDisruption,
    Source,
)
from tests.factories import (
    AttackWaveFactory,
    DamagedAssetFactory,
    GrainDisruptionFactory,
    GrainShipmentFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def assert_rejected_by_database(queryset, **changes):
    """An UPDATE that bypasses model validation must still fail, leaving the row as it was."""
    before = list(queryset.values())
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)
    assert list(queryset.values()) == before


@pytest.mark.parametrize(
    "field", ["killed", "injured", "children_killed", "children_injured", "weapons_launched"]
)
def test_negative_counts_are_rejected_by_the_database(field):
    incident = IncidentFactory()
    assert_rejected_by_database(Incident.objects.filter(pk=incident.pk), **{field: -1})


def test_children_cannot_outnumber_all_casualties():
    incident = IncidentFactory(killed=2, injured=2)
    queryset = Incident.objects.filter(pk=incident.pk)
    assert_rejected_by_database(queryset, children_killed=3)
    assert_rejected_by_database(queryset, children_injured=F("injured") + 1)


def test_more_intercepted_than_launched_is_rejected():
    incident = IncidentFactory(weapons_launched=6)
    assert_rejected_by_database(Incident.objects.filter(pk=incident.pk), weapons_intercepted=7)
    wave = AttackWaveFactory()
    weapon = AttackWaveWeapon.objects.create(wave=wave, weapon_type="attack_drone", launched=10)
    assert_rejected_by_database(AttackWaveWeapon.objects.filter(pk=weapon.pk), intercepted=11)


def test_restoration_before_the_outage_started_is_rejected_by_the_database():
    disruption = ServiceDisruptionFactory()
    assert_rejected_by_database(
        ServiceDisruption.objects.filter(pk=disruption.pk),
        restored_at=disruption.started_at - dt.timedelta(minutes=1),
    )


def test_restoration_at_or_after_start_is_accepted():
    disruption = ServiceDisruptionFactory()
    disruption.restored_at = disruption.started_at
    disruption.full_clean()
    disruption.save()


def test_end_dates_come_after_start_dates():
    grain = GrainDisruptionFactory()
    assert_rejected_by_database(
        GrainDisruption.objects.filter(pk=grain.pk), ended_on=dt.date(2023, 7, 18)
    )
    wave = AttackWaveFactory()
    assert_rejected_by_database(
        type(wave).objects.filter(pk=wave.pk), ended_at=wave.started_at - dt.timedelta(hours=1)
    )


def test_external_source_and_id_are_unique_together():
    IncidentFactory(external_source="acled", external_id="UKR12345")
    IncidentFactory(external_source="hxl", external_id="UKR12345")
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(external_source="acled", external_id="UKR12345")
    # Records entered by hand have no external key; any number of them is fine.
    IncidentFactory()
    IncidentFactory()
    assert Incident.objects.count() == 4


def test_external_source_without_id_is_rejected():
    incident = IncidentFactory()
    assert_rejected_by_database(Incident.objects.filter(pk=incident.pk), external_source="acled")


def test_verified_status_requires_verification_time_and_rejection_requires_reason():
    incident = IncidentFactory()
    queryset = Incident.objects.filter(pk=incident.pk)
    assert_rejected_by_database(queryset, status="verified")
    assert_rejected_by_database(queryset, status="rejected")
    assert_rejected_by_database(queryset, status="published")


def test_coordinates_come_in_pairs_and_in_range():
    incident = IncidentFactory()
    queryset = Incident.objects.filter(pk=incident.pk)
    assert_rejected_by_database(queryset, latitude=49.8)
    assert_rejected_by_database(queryset, latitude=91, longitude=24)
    assert_rejected_by_database(queryset, latitude=49.8, longitude=181)


def test_exact_time_needs_day_precision():
    incident = IncidentFactory()
    assert_rejected_by_database(
        Incident.objects.filter(pk=incident.pk),
        date_precision="month",
        occurred_at=dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC),
    )


def test_time_must_fall_on_the_incident_date_in_kyiv_time():
    # 22:30 UTC on 14 August is 01:30 on 15 August in Kyiv (UTC+3 in summer).
    incident = IncidentFactory.build(occurred_at=dt.datetime(2023, 8, 14, 22, 30, tzinfo=dt.UTC))
    incident.full_clean(exclude=["organisation"])
    incident.occurred_at = dt.datetime(2023, 8, 14, 20, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as error:
        incident.full_clean(exclude=["organisation"])
    assert "2023-08-14" in str(error.value.message_dict["occurred_at"])


def test_damaged_asset_count_is_at_least_one():
    asset = DamagedAssetFactory()
    assert_rejected_by_database(DamagedAsset.objects.filter(pk=asset.pk), count=0)


def test_source_belongs_to_exactly_one_record():
    source = SourceFactory()
    grain = GrainDisruptionFactory()
    queryset = Source.objects.filter(pk=source.pk)
    assert_rejected_by_database(queryset, grain_disruption=grain)
    assert_rejected_by_database(queryset, incident=None)


def test_the_same_url_is_cited_once_per_incident():
    source = SourceFactory(url="https://example.org/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceFactory(incident=source.incident, url="https://example.org/a")
    SourceFactory(incident=source.incident, url="")
    SourceFactory(incident=source.incident, url="")


def test_grain_shipment_natural_key_and_figures():
    shipment = GrainShipmentFactory(voyage_number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        GrainShipmentFactory(voyage_number=1)
    queryset = GrainShipment.objects.filter(pk=shipment.pk)
    assert_rejected_by_database(queryset, tonnes=0)
    assert_rejected_by_database(queryset, imo="12345")


def test_region_codes_are_unique_and_raions_need_a_parent():
    lviv = Region.objects.get(pcode="UA46")
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(pcode="UA46", name_en="x", name_uk="x", unit_type="oblast")
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(
            pcode="UA4602", name_en="Lvivskyi", name_uk="x", unit_type="raion", level=2
        )
    raion = Region.objects.create(
        pcode="UA4606",
        name_en="Lvivskyi",
        name_uk="Львівський",
        unit_type="raion",
        level=2,
        parent=lviv,
    )
    assert list(lviv.children.all()) == [raion]
    assert Region.objects.first_level().count() == 27


def test_constraint_errors_read_as_sentences_in_forms():
    incident = IncidentFactory.build(killed=1, children_killed=2)
    with pytest.raises(ValidationError) as error:
        incident.full_clean(exclude=["organisation"])
    assert "Children killed cannot exceed the number killed." in error.value.messages
