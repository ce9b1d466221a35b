from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from incidents.models import (
    AttackWave,
    DamagedAsset,
    GrainDisruption,
    Incident,
    ServiceDisruption,
    Source,
)

pytestmark = pytest.mark.django_db

DEMO_MODELS = [Incident, DamagedAsset, ServiceDisruption, GrainDisruption, Source, AttackWave]


def snapshot():
    return {
        model.__name__: sorted((row["id"], row["updated_at"]) for row in model.objects.values())
        for model in DEMO_MODELS
    } | {
        "history": Incident.history.count() + ServiceDisruption.history.count(),
    }


def test_load_demo_loads_the_reported_strikes(capsys):
    call_command("load_demo")
    assert "created=" in capsys.readouterr().out

    demo = Incident.objects.filter(external_source="impact-demo").select_related("region")
    assert demo.count() == 6
    assert set(demo.values_list("status", flat=True)) == {"verified"}
    lviv = demo.get(settlement="Lviv")
    assert (lviv.region.pcode, lviv.injured, lviv.children_injured) == ("UA46", 19, 1)
    assert lviv.assets.get(asset_type="residential").count == 120
    assert lviv.disruptions.get().service == "electricity"
    lutsk = demo.get(settlement="Lutsk")
    assert (lutsk.region.pcode, lutsk.killed) == ("UA07", 3)
    assert lutsk.assets.get().asset_type == "industrial"
    kramatorsk = demo.get(settlement="Kramatorsk")
    assert (kramatorsk.region.pcode, kramatorsk.killed) == ("UA14", 1)
    assert kramatorsk.assets.get().asset_type == "food_storage"
    smila = demo.get(settlement="Smila")
    assert smila.region.pcode == "UA71"
    assert smila.disruptions.get().service == "water"
    assert smila.assets.filter(asset_type="health").exists()
    assert demo.filter(region__pcode="UA51").count() == 2
    assert GrainDisruption.objects.filter(disruption_type="corridor_terminated").exists()
    assert GrainDisruption.objects.get(port__name="Chornomorsk").grain_destroyed_tonnes == 60000
    for incident in demo:
        assert incident.sources.exists(), incident
    wave = AttackWave.objects.get()
    assert wave.incidents.count() == 3
    assert [(w.launched, w.intercepted) for w in wave.weapons.all()] == [(28, 16)]


def test_load_demo_twice_changes_nothing(capsys):
    call_command("load_demo")
    before = snapshot()
    capsys.readouterr()
    call_command("load_demo")
    assert "created=0 updated=0" in capsys.readouterr().out
    assert snapshot() == before


def test_load_demo_restores_edited_facts():
    call_command("load_demo")
    Incident.objects.filter(settlement="Lutsk").update(killed=7)
    call_command("load_demo")
    assert Incident.objects.get(settlement="Lutsk").killed == 3


def test_synthetic_incidents_are_marked_and_counted(capsys):
    call_command("load_demo", synthetic=50)
    call_command("load_demo", synthetic=25)
    synthetic = Incident.objects.filter(external_source="synthetic")
    assert synthetic.count() == 75
    assert all(
        text.startswith("[SYNTHETIC]") for text in synthetic.values_list("description", flat=True)
    )
    assert synthetic.values("external_id").distinct().count() == 75


def test_negative_synthetic_count_is_an_error():
    with pytest.raises(CommandError):
        call_command("load_demo", synthetic=-1)
    assert Incident.objects.count() == 0
