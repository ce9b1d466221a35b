from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from incidents.models import Port, Region

pytestmark = pytest.mark.django_db


def test_fresh_database_has_all_27_first_level_units():
    regions = Region.objects.first_level()
    assert regions.count() == 27
    assert set(regions.values_list("unit_type", flat=True)) == {
        "autonomous_republic",
        "city_special_status",
        "oblast",
    }
    assert regions.filter(unit_type="oblast").count() == 24


@pytest.mark.parametrize(
    ("pcode", "iso_code", "name_en"),
    [
        ("UA46", "UA-46", "Lvivska"),
        ("UA01", "UA-43", "Autonomous Republic of Crimea"),
        ("UA80", "UA-30", "Kyiv"),
        ("UA85", "UA-40", "Sevastopol"),
        ("UA44", "UA-09", "Luhanska"),
        ("UA73", "UA-77", "Chernivetska"),
    ],
)
def test_pcode_and_iso_code_pairs_including_the_five_that_differ(pcode, iso_code, name_en):
    region = Region.objects.get(pcode=pcode)
    assert (region.iso_code, region.name_en) == (iso_code, name_en)


def test_regions_carry_population_and_centroid_within_ukraine():
    total = sum(Region.objects.values_list("population", flat=True))
    assert total == 44_066_144
    for region in Region.objects.all():
        assert 44 < region.latitude < 53
        assert 22 < region.longitude < 41


def test_ports_are_shipped_with_their_regions():
    assert set(Port.objects.values_list("name", flat=True)) == {
        "Odesa",
        "Chornomorsk",
        "Pivdennyi",
        "Izmail",
        "Reni",
        "Mykolaiv",
    }
    assert Port.objects.get(name="Pivdennyi").region.pcode == "UA51"


def test_roles_exist_with_their_permissions():
    permissions = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }
    assert set(permissions) == {"Reporter", "Verifier", "Analyst"}
    assert "verify_incident" in permissions["Verifier"]
    assert "verify_incident" not in permissions["Reporter"]
    assert "add_incident" in permissions["Reporter"]
    assert "access_all_organisations" not in permissions["Reporter"]
    assert {"access_all_organisations", "view_incident"} <= permissions["Analyst"]
    assert not any(
        name.startswith(("add_", "change_", "delete_")) for name in permissions["Analyst"]
    )
